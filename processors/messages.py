"""Turns Gmail's messages.get answers into what the classifier reads and what storage records."""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import getaddresses
from typing import Any

from classifier import Classification, Email, MailboxContext
from gmail import header, message_date, parse_date
from storage import IncomingEmail, Label

_FORWARD_MARKERS = (
    "---------- forwarded message ---------",
    "-----original message-----",
    "begin forwarded message:",
)
_FORWARDED_HEADER = re.compile(r"^\s*(from|subject|date|sent):\s*(.+?)\s*$", re.IGNORECASE)


def forwarded_original(text: str) -> tuple[str | None, str | None, datetime | None]:
    """Sender, subject and date of the message quoted in a forward, if the text holds one."""
    lowered = text.lower()
    start = next((lowered.find(m) for m in _FORWARD_MARKERS if m in lowered), -1)
    if start < 0:
        return None, None, None
    found: dict[str, str] = {}
    for line in text[start:].splitlines()[1:12]:
        match = _FORWARDED_HEADER.match(line)
        if match:
            found.setdefault(match.group(1).lower(), match.group(2))
    original_date = parse_date(found.get("date") or found.get("sent"))
    return found.get("from"), found.get("subject"), original_date


def classifier_input(
    message: dict[str, Any], body: str | None = None, *, context: MailboxContext | None = None
) -> Email:
    """What the classifier reads: headers, the body (or Gmail's snippet when not fetched), and
    what the mailbox knows around the message."""
    return Email(
        sender=header(message, "From") or "",
        subject=header(message, "Subject") or "",
        body=body if body is not None else message.get("snippet", ""),
        to=header(message, "To") or "",
        date=message_date(message),
        context=context,
    )


def only_in_cc(message: dict[str, Any], address: str) -> bool:
    """True when ``address`` is in the message's Cc but not in its To."""
    wanted = address.strip().casefold()
    to = {found.casefold() for _, found in getaddresses([header(message, "To") or ""])}
    cc = {found.casefold() for _, found in getaddresses([header(message, "Cc") or ""])}
    return wanted in cc and wanted not in to


def incoming_email(
    message: dict[str, Any],
    verdict: Classification,
    *,
    threshold: float,
    body: str | None = None,
) -> IncomingEmail:
    """The metadata record storage keeps for one classified message (no body)."""
    original_sender, original_subject, original_date = forwarded_original(body or "")
    label = Label(verdict.label)
    return IncomingEmail(
        gmail_message_id=message["id"],
        thread_id=message.get("threadId", message["id"]),
        rfc822_message_id=header(message, "Message-ID"),
        sender=header(message, "From") or "",
        subject=header(message, "Subject") or "",
        date=message_date(message),
        label=label,
        confidence=verdict.confidence,
        company=verdict.company,
        role=verdict.role,
        reasons=tuple(verdict.reasons),
        explanation=verdict.explanation,
        needs_review=verdict.needs_review(threshold),
        original_sender=original_sender,
        original_subject=original_subject,
        original_date=original_date,
    )
