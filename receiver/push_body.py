"""Parsing Pub/Sub's push body into the Gmail notification it carries."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

MAX_HISTORY_ID = 2**64 - 1
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]*={0,2}")


class MalformedPush(ValueError):
    """The push body is not a Pub/Sub message carrying a Gmail notification."""


@dataclass(frozen=True)
class GmailNotification:
    """Gmail's `{"emailAddress", "historyId"}`, plus the Pub/Sub message id for the log."""

    email_address: str
    history_id: int
    message_id: str | None = None


def parse_push_body(raw: bytes) -> GmailNotification:
    """Decode a Pub/Sub push body, raising `MalformedPush` with a sentence naming the problem."""
    envelope = _json_object(raw, "The push body")
    message = envelope.get("message")
    if not isinstance(message, dict):
        raise MalformedPush('The push body has no "message" object.')
    message_id = message.get("messageId")
    message_id = str(message_id) if isinstance(message_id, str | int) else None
    data = message.get("data")
    if not isinstance(data, str) or not data:
        raise MalformedPush('The push message has no "data" string.')
    payload = _json_object(_decode_base64(data), 'The push message\'s "data"')
    return GmailNotification(
        email_address=_email_address(payload.get("emailAddress")),
        history_id=_history_id(payload.get("historyId")),
        message_id=message_id,
    )


def _json_object(raw: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise MalformedPush(f"{what} is not JSON.") from None
    if not isinstance(value, dict):
        raise MalformedPush(f"{what} is JSON but not an object.")
    return value


def _decode_base64(data: str) -> bytes:
    # Gmail sends base64url, the emulator standard base64; padding may be missing.
    text = "".join(data.split())
    if not _BASE64.fullmatch(text):
        raise MalformedPush('The push message\'s "data" is not base64.')
    text = text.rstrip("=").replace("+", "-").replace("/", "_")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise MalformedPush('The push message\'s "data" is not base64.') from None


def _email_address(value: object) -> str:
    if not isinstance(value, str) or "@" not in value.strip():
        raise MalformedPush('The Gmail notification has no "emailAddress".')
    return value.strip()


def _history_id(value: object) -> int:
    if isinstance(value, bool):
        value = None
    if isinstance(value, str) and value.strip().isdecimal() and value.strip().isascii():
        value = int(value.strip())
    if not isinstance(value, int) or not 0 < value <= MAX_HISTORY_ID:
        raise MalformedPush(
            'The Gmail notification\'s "historyId" is not an unsigned 64-bit number '
            "(a positive integer or decimal string)."
        )
    return value
