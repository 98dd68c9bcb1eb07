"""Build and read RFC 822 messages, and render them as Gmail's message payloads."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, MIMEPart
from email.parser import BytesParser
from email.utils import format_datetime, parsedate_to_datetime

from sandbox.errors import SandboxInputError

SNIPPET_LENGTH = 200
_PARSER = BytesParser(policy=policy.default)


def b64url(data: bytes) -> str:
    """Encode bytes as base64url, the encoding Gmail uses for raw and body.data."""
    return base64.urlsafe_b64encode(data).decode("ascii")


def parse_date(value: str) -> datetime:
    """Parse an RFC 2822 or ISO 8601 date into an aware datetime (naive means UTC)."""
    text = value.strip()
    parsed: datetime | None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            parsed = None
    if parsed is None:
        raise SandboxInputError(
            f"date {value!r} is neither RFC 2822 (e.g. 'Tue, 05 Mar 2024 09:30:00 +0000') nor "
            "ISO 8601 (e.g. '2024-03-05T09:30:00Z')."
        )
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def build_message(fields: Mapping[str, object], *, message_id: str, now: datetime) -> bytes:
    """Build RFC 822 bytes from the admin API's JSON fields (from, to, subject, date, body...)."""
    sender = _text_field(fields, "from", required=True)
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = _text_field(fields, "to") or "me@sandbox.local"
    msg["Subject"] = _text_field(fields, "subject")
    date_text = _text_field(fields, "date")
    msg["Date"] = format_datetime(parse_date(date_text) if date_text else now)
    msg["Message-ID"] = _text_field(fields, "messageId") or message_id
    for name, value in _extra_headers(fields).items():
        msg[name] = value
    msg.set_content(_text_field(fields, "body"))
    html_body = _text_field(fields, "html")
    if html_body:
        msg.add_alternative(html_body, subtype="html")
    return msg.as_bytes(policy=policy.SMTP)


def _text_field(fields: Mapping[str, object], name: str, *, required: bool = False) -> str:
    value = fields.get(name)
    if value is None:
        if required:
            raise SandboxInputError(f"The message needs a {name!r} field (a string).")
        return ""
    if not isinstance(value, str):
        raise SandboxInputError(f"The message's {name!r} field must be a string.")
    return value


def _extra_headers(fields: Mapping[str, object]) -> dict[str, str]:
    headers = fields.get("headers") or {}
    if not isinstance(headers, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
    ):
        raise SandboxInputError("The message's 'headers' must be an object of string values.")
    reserved = {"from", "to", "subject", "date", "message-id"}
    clashes = [name for name in headers if name.lower() in reserved]
    if clashes:
        raise SandboxInputError(
            f"Set {', '.join(clashes)} through the top-level fields, not through 'headers'."
        )
    return dict(headers)


def parse_message(raw: bytes) -> EmailMessage:
    """Parse RFC 822 bytes, refusing input that has no headers at all."""
    msg = _PARSER.parsebytes(raw)
    assert isinstance(msg, EmailMessage)  # the parser's policy makes EmailMessages
    if not msg.keys():
        raise SandboxInputError("The raw message has no headers: send an RFC 822 message.")
    return msg


def header_pairs(msg: MIMEPart) -> list[tuple[str, str]]:
    """Return the headers in order as (name, decoded value) pairs."""
    return [(name, str(value)) for name, value in msg.items()]


def message_date(msg: EmailMessage, *, fallback: datetime) -> datetime:
    """Return the Date header as an aware datetime, or ``fallback`` when it is absent or broken."""
    value = msg.get("Date")
    if not value:
        return fallback
    try:
        return parse_date(str(value))
    except SandboxInputError:
        return fallback


def snippet(msg: EmailMessage) -> str:
    """Return Gmail's snippet: the start of the text body, whitespace collapsed, HTML-escaped."""
    part = msg.get_body(preferencelist=("plain", "html")) if msg.is_multipart() else msg
    text = ""
    if part is not None and part.get_content_maintype() == "text":
        text = part.get_content()
        if part.get_content_subtype() == "html":
            text = re.sub(r"<[^>]+>", " ", text)
    collapsed = " ".join(text.split())[:SNIPPET_LENGTH]
    return html.escape(collapsed)


def payload(msg: MIMEPart, *, part_id: str = "") -> dict[str, object]:
    """Render a message (or one part) as Gmail's MessagePart JSON, bodies base64url-encoded."""
    part: dict[str, object] = {
        "partId": part_id,
        "mimeType": msg.get_content_type(),
        "filename": msg.get_filename() or "",
        "headers": [{"name": name, "value": value} for name, value in header_pairs(msg)],
    }
    if msg.is_multipart():
        part["body"] = {"size": 0}
        prefix = f"{part_id}." if part_id else ""
        part["parts"] = [
            payload(child, part_id=f"{prefix}{index}")
            for index, child in enumerate(msg.iter_parts())
        ]
    else:
        data = msg.get_payload(decode=True) or b""
        assert isinstance(data, bytes)  # decode=True gives the body's bytes
        part["body"] = {"size": len(data), "data": b64url(data)} if data else {"size": 0}
    return part


def metadata_payload(msg: EmailMessage, wanted: list[str] | None) -> dict:
    """Render Gmail's format=metadata payload: the top-level headers, filtered if asked."""
    names = {name.lower() for name in wanted} if wanted else None
    headers = [
        {"name": name, "value": value}
        for name, value in header_pairs(msg)
        if names is None or name.lower() in names
    ]
    return {"mimeType": msg.get_content_type(), "headers": headers}
