"""What the JSON API reads from a request: a JSON object body and typed values, each refused
with a `BadInput` that names the field (answered as a 400)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from flask import request

from receiver.bounded_json import BoundedJsonError, loads_bounded

_MAX_DEPTH = 4
_MAX_INT_DIGITS = 18
E = TypeVar("E", bound=StrEnum)


class BadInput(ValueError):
    """A request value the API cannot use; the message is a sentence naming ``field``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def json_object(*, max_depth: int = _MAX_DEPTH) -> dict[str, Any]:
    """The request body as a JSON object, nested at most ``max_depth`` deep."""
    try:
        body = loads_bounded(
            request.get_data(), max_depth=max_depth, max_int_digits=_MAX_INT_DIGITS
        )
    except BoundedJsonError as error:
        raise BadInput("body", f"The request body {error}: send one JSON object.") from None
    if not isinstance(body, dict):
        raise BadInput("body", "The request body must be a JSON object.")
    return body


def enum_value(kind: type[E], field: str, value: object) -> E:
    """``value`` as a member of ``kind``."""
    allowed = ", ".join(member.value for member in kind)
    if not isinstance(value, str) or value not in {member.value for member in kind}:
        raise BadInput(field, f"{field} must be one of {allowed}.")
    return kind(value)


def identifier(field: str, value: object) -> int:
    """``value`` as a row id (a positive integer)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        raise BadInput(field, f"{field} must be the id of one of your applications (a number).")
    return value


def day(field: str, value: object) -> date | None:
    """``value`` (``2025-03-01``, or null) as a date."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, str) and len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise BadInput(field, f"{field} must be a date like 2025-03-01.")


def moment(field: str, value: object) -> datetime | None:
    """``value`` (``2025-03-01T14:30:00Z``, or null) as an aware datetime."""
    if value is None:
        return None
    try:
        if isinstance(value, str) and len(value) <= 40:
            parsed = datetime.fromisoformat(value)
            if parsed.utcoffset() is not None:
                return parsed
    except ValueError:
        pass
    raise BadInput(
        field, f"{field} must be a date and time with its time zone, like 2025-03-01T14:30:00Z."
    )


def whole_number(field: str, value: object, *, low: int, high: int) -> int:
    """``value`` (a number, or its digits in a query string) as an integer in [low, high]."""
    if isinstance(value, str) and value.isdigit() and len(value) <= _MAX_INT_DIGITS:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadInput(field, f"{field} must be a whole number from {low} to {high}.")
    return value
