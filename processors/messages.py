"""Turns Gmail's messages.get answers into what the classifier reads and what storage records."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from applytrack.gmail import header
from classifier import Classification, Email
from storage import IncomingEmail, Label

_FORWARD_MARKERS = (
    "---------- forwarded message ---------",
    "-----original message-----",
    "begin forwarded message:",
)
_FORWARDED_HEADER = re.compile(r"^\s*(from|subject|date|sent):\s*(.+?)\s*$", re.IGNORECASE)


def message_date(message: dict[str, Any]) -> datetime:
    """The Date header as an aware UTC datetime, else Gmail's internalDate."""
    raw = header(message, "Date")
    if raw:
        try:
            parsed = parsedate_to_datetime(raw)
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            return parsed.astimezone(UTC)
        except (TypeError, ValueError, IndexError):
            pass
    internal = int(message.get("internalDate") or 0)
    return datetime.fromtimestamp(internal / 1000, tz=UTC)


def body_text(message: dict[str, Any]) -> str:
    """The text/plain body of a format=full answer (read for classification, never stored)."""
    parts = [message.get("payload", {})]
    html: str | None = None
    while parts:
        part = parts.pop(0)
        parts.extend(part.get("parts", []))
        data = part.get("body", {}).get("data")
        if not data:
            continue
        text = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)).decode("utf-8", "replace")
        mime = part.get("mimeType", "")
        if mime == "text/plain":
            return text
        if mime == "text/html" and html is None:
            html = re.sub(r"<[^>]+>", " ", text)
    return html or ""


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
    date_text = found.get("date") or found.get("sent")
    original_date = None
    if date_text:
        try:
            original_date = parsedate_to_datetime(date_text).astimezone(UTC)
        except (TypeError, ValueError, IndexError):
            original_date = None
    return found.get("from"), found.get("subject"), original_date


def classifier_input(message: dict[str, Any], body: str | None = None) -> Email:
    """What the classifier reads: headers, and the body (or Gmail's snippet when not fetched)."""
    return Email(
        sender=header(message, "From") or "",
        subject=header(message, "Subject") or "",
        body=body if body is not None else message.get("snippet", ""),
        to=header(message, "To") or "",
        date=message_date(message),
    )


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
        needs_review=label is not Label.NONE and verdict.confidence < threshold,
        original_sender=original_sender,
        original_subject=original_subject,
        original_date=original_date,
    )
