"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import DateTime, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

HISTORY_ID_DIGITS = 20
MAX_HISTORY_ID = 2**64 - 1


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime, stored in UTC and always returned as an aware UTC value."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                f"The datetime {value.isoformat()} has no timezone; pass an aware datetime "
                "(for example datetime.now(UTC))."
            )
        utc_value = value.astimezone(UTC)
        # SQLite has no timezone type: keep naive UTC there so text comparisons stay correct.
        return utc_value.replace(tzinfo=None) if dialect.name == "sqlite" else utc_value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class HistoryIdText(TypeDecorator[int]):
    """An unsigned 64-bit Gmail history id, stored as 20-digit zero-padded text.

    Zero padding makes text order equal numeric order, so SQL comparisons stay correct, and no
    signed 64-bit column ever truncates values above 2**63.
    """

    impl = String(HISTORY_ID_DIGITS)
    cache_ok = True

    def process_bind_param(self, value: int | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return format_history_id(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> int | None:
        return None if value is None else int(value)


def format_history_id(value: int) -> str:
    """Return the stored text of a history id, rejecting values outside unsigned 64 bits."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"A history id must be an int, not {type(value).__name__}.")
    if not 0 <= value <= MAX_HISTORY_ID:
        raise ValueError(f"The history id {value} is not an unsigned 64-bit number.")
    return f"{value:0{HISTORY_ID_DIGITS}d}"


E = TypeVar("E", bound=StrEnum)


class EnumText(TypeDecorator[E]):
    """A `StrEnum` stored as its plain text value (no database enum type to migrate)."""

    impl = String(20)
    cache_ok = True

    def __init__(self, enum_type: type[E]) -> None:
        super().__init__()
        self.enum_type = enum_type

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.enum_type(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> E | None:
        return None if value is None else self.enum_type(value)
