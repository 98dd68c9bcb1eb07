"""Read emails from JSON records and raw RFC 822 files (what `applytrack classify` reads).

The labelled data sets and the ham corpus are read by the training kit (`training.datasets`).
"""

from __future__ import annotations

import email
import email.policy
import logging
from datetime import datetime
from email.message import EmailMessage

from classifier.messages import Email

logger = logging.getLogger(__name__)

# A record's header fields may hold RFC 2047 encoded words ("=?utf-8?q?Caf=C3=A9?="), as a mail
# export that copied the raw headers leaves them; an .eml file's are decoded by its parser.
_HEADERS = ("from", "to", "subject")


class BadRecord(ValueError):
    """A JSONL line that is not a usable email record; the message says what is wrong."""


def email_from_record(record: object) -> Email:
    """Build an `Email` from a JSON record ``{id, from, to, subject, date, body}``."""
    if not isinstance(record, dict):
        raise BadRecord("each line must be a JSON object with from, subject and body fields")
    fields = {}
    for name in ("from", "to", "subject", "body", "date"):
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            raise BadRecord(f"field {name!r} must be a string, not {type(value).__name__}")
        fields[name] = _decoded_words(value) if value and name in _HEADERS else value or ""
    if not fields["from"] and not fields["subject"] and not fields["body"]:
        raise BadRecord("the record has no from, subject or body: there is nothing to classify")
    return Email(
        sender=fields["from"],
        subject=fields["subject"],
        body=fields["body"],
        to=fields["to"],
        date=_parse_date(fields["date"]),
    )


def email_from_rfc822(raw: bytes) -> Email:
    """Parse a raw RFC 822 message into an `Email`: its text/plain body, else its HTML source,
    which the pipeline reads as a person reads it (`readable_body`)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    headers = {key: _header(message, key) for key in ("Message-ID", "Reply-To", "List-Id")}
    date = None
    try:
        date = message["Date"].datetime if message["Date"] else None
    except (AttributeError, TypeError, ValueError):
        date = None
    return Email(
        sender=_header(message, "From"),
        subject=_header(message, "Subject"),
        body=_plain_body(message),
        to=_header(message, "To"),
        date=date,
        headers={key: value for key, value in headers.items() if value},
    )


def _decoded_words(value: str) -> str:
    """A header value with its RFC 2047 encoded words decoded (unchanged when it has none)."""
    if "=?" not in value:
        return value
    return str(email.policy.default.header_fetch_parse("Subject", value))


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, TypeError, IndexError):  # a malformed header: keep going without it
        return ""
    return str(value) if value is not None else ""


def _plain_body(message: EmailMessage) -> str:
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except (KeyError, ValueError, TypeError):
        part = None
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (KeyError, LookupError, ValueError, AssertionError):
        payload = part.get_payload(decode=True)
        content = payload.decode("latin-1", errors="replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""


def _parse_date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
