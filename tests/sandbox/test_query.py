"""The `q` parser on its own."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from sandbox.query import QueryError, parse_query

pytestmark = pytest.mark.unit

DAY_MS = 86_400_000
NOW_MS = 1_717_243_200_000  # 2024-06-01T12:00:00Z


@dataclass
class FakeMessage:
    internal_date_ms: int
    label_ids: list[str] = field(default_factory=lambda: ["INBOX"])
    sender: str = "Recruiter <jobs@lever.co>"
    recipients: str = "me@example.com"
    subject: str = "Interview invitation"
    snippet: str = "Please pick a time"


def matches(q: str, message: FakeMessage) -> bool:
    return parse_query(q, now_ms=NOW_MS).matches(message)


def test_relative_and_absolute_dates() -> None:
    two_days_old = FakeMessage(NOW_MS - 2 * DAY_MS)
    assert matches("newer_than:3d", two_days_old)
    assert not matches("newer_than:1d", two_days_old)
    assert matches("older_than:1d", two_days_old)
    assert matches("after:2024/05/30 before:2024/05/31", two_days_old)
    assert not matches("after:2024/05/31", two_days_old)
    assert matches(f"after:{(NOW_MS - 3 * DAY_MS) // 1000}", two_days_old)


def test_labels_negation_and_text() -> None:
    message = FakeMessage(NOW_MS, label_ids=["INBOX", "UNREAD"])
    assert matches("in:inbox -in:sent -in:chats -in:spam -in:trash is:unread", message)
    assert not matches("-in:inbox", message)
    assert matches('from:lever.co subject:interview "pick a time"', message)
    assert not matches("subject:offer", message)
    assert parse_query("in:spam", now_ms=NOW_MS).spam_trash_wanted
    assert not parse_query("-in:spam", now_ms=NOW_MS).spam_trash_wanted


@pytest.mark.parametrize(
    "q", ["newer_than:soon", "after:31/12/2024", "before:2024/02/30", "category:everything"]
)
def test_unreadable_terms_raise_query_error(q: str) -> None:
    with pytest.raises(QueryError):
        parse_query(q, now_ms=NOW_MS)
