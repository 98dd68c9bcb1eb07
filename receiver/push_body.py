"""Parsing Pub/Sub's push body into the Gmail notification it carries.

Every check here is local and final: a body refused here can never succeed, so the webhook
answers it with 400 (Pub/Sub dead-letters it) and nothing is looked up or published.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

from receiver.bounded_json import BoundedJsonError, loads_bounded
from storage import Store

MAX_HISTORY_ID = 2**64 - 1
MAX_HISTORY_ID_DIGITS = len(str(MAX_HISTORY_ID))  # 20
# Pub/Sub's envelope nests three levels ({"message": {"attributes": {}}}); Gmail's data one.
MAX_JSON_DEPTH = 8
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]*={0,2}")
_LOGGABLE_MESSAGE_ID = re.compile(r"[\x21-\x7e]{1,100}")


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
    data = message.get("data")
    if not isinstance(data, str) or not data:
        raise MalformedPush('The push message has no "data" string.')
    payload = _json_object(_decode_base64(data), 'The push message\'s "data"')
    return GmailNotification(
        email_address=_email_address(payload.get("emailAddress")),
        history_id=_history_id(payload.get("historyId")),
        message_id=_message_id(message.get("messageId")),
    )


def _json_object(raw: bytes, what: str) -> dict[str, Any]:
    try:
        value = loads_bounded(raw, max_depth=MAX_JSON_DEPTH, max_int_digits=MAX_HISTORY_ID_DIGITS)
    except BoundedJsonError as error:
        raise MalformedPush(f"{what} {error}.") from None
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
    if not isinstance(value, str) or not value.strip():
        raise MalformedPush('The Gmail notification has no "emailAddress".')
    # The same rule storage keeps addresses by: one it refuses is not any mailbox of ours.
    problem = Store.email_address_problem(Store.canonical_email(value))
    if problem is not None:
        raise MalformedPush(f'The Gmail notification\'s "emailAddress" {problem}.')
    return value.strip()


def _history_id(value: object) -> int:
    number = _whole_number(value)
    if number is None or not 0 < number <= MAX_HISTORY_ID:
        raise MalformedPush(
            'The Gmail notification\'s "historyId" is not an unsigned 64-bit number '
            f"(a positive integer or a string of at most {MAX_HISTORY_ID_DIGITS} digits)."
        )
    return number


def _whole_number(value: object) -> int | None:
    """An int, or a string of ASCII digits short enough to convert cheaply; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        digits = value.strip()
        if 0 < len(digits) <= MAX_HISTORY_ID_DIGITS and digits.isascii() and digits.isdigit():
            return int(digits)
    return None


def _message_id(value: object) -> str | None:
    """Pub/Sub's message id, for the log only: kept when it is short printable ASCII."""
    text = str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""
    return text if _LOGGABLE_MESSAGE_ID.fullmatch(text) else None
