"""Reading Gmail's messages.get answers: headers, dates, labels and the text of the body."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

METADATA_HEADERS = (
    "From",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
)
SKIPPED_LABELS = frozenset({"SENT", "DRAFT", "SPAM", "TRASH", "CHAT"})

Message = Mapping[str, Any]


def header(message: Message, name: str) -> str | None:
    """The first header called ``name`` (case-insensitive) in a messages.get answer."""
    wanted = name.lower()
    for item in message.get("payload", {}).get("headers", []):
        if item.get("name", "").lower() == wanted:
            return str(item.get("value", ""))
    return None


def counts_for_sync(label_ids: Iterable[str]) -> bool:
    """Only inbox mail is classified: sent mail, drafts, spam, trash and chats never are."""
    labels = set(label_ids)
    return "INBOX" in labels and not labels & SKIPPED_LABELS


def parse_date(raw: str | None) -> datetime | None:
    """An RFC 2822 date as an aware UTC datetime, or None when it cannot be read."""
    if not raw:
        return None
    try:
        parsed = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def message_date(message: Message) -> datetime:
    """The Date header as an aware UTC datetime, else Gmail's internalDate."""
    parsed = parse_date(header(message, "Date"))
    if parsed is not None:
        return parsed
    internal = int(message.get("internalDate") or 0)
    return datetime.fromtimestamp(internal / 1000, tz=UTC)


def body_text(message: Message) -> str:
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
