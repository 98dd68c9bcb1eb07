"""Read emails from JSONL records and raw RFC 822 files."""

from __future__ import annotations

import email
import email.policy
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from classifier.messages import LABELS, Email

logger = logging.getLogger(__name__)
_TAG = re.compile(r"<[^>]+>")
_HTML_SKIP = re.compile(r"(?is)<(script|style)\b.*?</\1>")


class BadRecord(ValueError):
    """A JSONL line that is not a usable email record; the message says what is wrong."""


@dataclass(frozen=True)
class LabelledEmail:
    """An email with its expected label (a corpus or evaluation record)."""

    id: str
    email: Email
    label: str


def email_from_record(record: object) -> Email:
    """Build an `Email` from a JSON record ``{id, from, to, subject, date, body}``."""
    if not isinstance(record, dict):
        raise BadRecord("each line must be a JSON object with from, subject and body fields")
    fields = {}
    for name in ("from", "to", "subject", "body", "date"):
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            raise BadRecord(f"field {name!r} must be a string, not {type(value).__name__}")
        fields[name] = value or ""
    if not fields["from"] and not fields["subject"] and not fields["body"]:
        raise BadRecord("the record has no from, subject or body: there is nothing to classify")
    return Email(
        sender=fields["from"],
        subject=fields["subject"],
        body=fields["body"],
        to=fields["to"],
        date=_parse_date(fields["date"]),
    )


def read_labelled_jsonl(path: Path) -> list[LabelledEmail]:
    """Read a labelled JSONL dataset, raising `BadRecord` naming the line of any bad record."""
    records = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                email_ = email_from_record(record)
            except (ValueError, BadRecord) as exc:
                raise BadRecord(f"{path}:{number}: {exc}") from None
            label = record.get("label")
            if label not in LABELS:
                raise BadRecord(
                    f"{path}:{number}: label {label!r} is not one of {', '.join(LABELS)}"
                )
            records.append(LabelledEmail(str(record.get("id", number)), email_, label))
    return records


def email_from_rfc822(raw: bytes) -> Email:
    """Parse a raw RFC 822 message into an `Email` (plain-text body; HTML is reduced to text)."""
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


def read_ham_dir(directory: Path) -> Iterator[Email]:
    """Yield every message of a SpamAssassin-style directory tree (one RFC 822 file each)."""
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        if path.name in {"LICENSE", "NOTICE", "README.md", "cmds"}:
            continue
        yield email_from_rfc822(path.read_bytes())


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
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("latin-1", errors="replace")
    if not isinstance(content, str):
        return ""
    if part.get_content_subtype() == "html":
        content = _TAG.sub(" ", _HTML_SKIP.sub(" ", content))
    return content


def _parse_date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
