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


def test_or_braces_and_groups_follow_gmail() -> None:
    message = FakeMessage(NOW_MS, subject="Offer letter - Data Analyst", sender="a@ashbyhq.com")
    assert matches("subject:offer OR subject:dinner", message)
    assert matches("{subject:dinner subject:offer}", message)
    assert matches("subject:{dinner offer}", message)
    assert matches("subject:(offer letter)", message), "parentheses: both words"
    assert not matches("subject:(offer dinner)", message)
    assert matches("from:{lever.co ashbyhq.com} subject:letter", message)
    assert not matches("from:{lever.co greenhouse.io}", message)
    assert matches('subject:{dinner "offer letter"}', message)
    assert not matches('subject:"letter offer"', message), "a phrase keeps its order"


def test_or_binds_tighter_than_the_space() -> None:
    message = FakeMessage(NOW_MS, subject="Interview invitation")
    assert matches("subject:dinner OR subject:interview in:inbox", message)
    assert not matches("subject:dinner OR subject:interview in:sent", message)
    assert not matches("subject:dinner subject:movie OR subject:interview", message)


def test_negated_groups() -> None:
    message = FakeMessage(NOW_MS, label_ids=["INBOX", "CATEGORY_PROMOTIONS"])
    assert not matches("-category:promotions subject:interview", message)
    assert not matches("-{category:promotions category:social}", message)
    assert matches("-(category:promotions subject:dinner)", message)
    assert not parse_query("-{in:spam in:trash}", now_ms=NOW_MS).spam_trash_wanted
    assert parse_query("{in:inbox in:trash}", now_ms=NOW_MS).spam_trash_wanted


def test_words_match_whole_words_and_punctuation_separates_them() -> None:
    message = FakeMessage(NOW_MS, sender="Jobs <no-reply@hire.lever.co>", subject="Interviews")
    assert matches("from:lever.co", message)
    assert matches("from:hire.lever.co from:no-reply", message)
    assert not matches("from:clever.co", message)
    assert not matches("subject:interview", message)
    assert matches("INTERVIEWS", message), "case does not matter"
    other = FakeMessage(NOW_MS, sender="Deals <news@clever.com>", subject="Take-home test")
    assert not matches("from:lever.co", other)
    assert matches('subject:"take home"', other)
    assert matches("subject:take-home", other)


def test_unknown_operators_are_plain_words() -> None:
    message = FakeMessage(NOW_MS, snippet="See the attachment has: nothing")
    assert matches("has:attachment", FakeMessage(NOW_MS, snippet="has attachment"))
    assert not matches("has:attachment", message)


@pytest.mark.parametrize(
    "q", ['subject:"offer', "subject:(offer", "{a b", "offer)", "subject:{a b)", "a OR"]
)
def test_unbalanced_queries_raise_query_error(q: str) -> None:
    with pytest.raises(QueryError):
        parse_query(q, now_ms=NOW_MS)


@pytest.mark.parametrize(
    "q", ["(" * 1000 + "a" + ")" * 1000, "-" * 1000 + "a", "from:" * 1000 + "a", "{" * 65 + "a"]
)
def test_nesting_beyond_any_real_search_raises_query_error(q: str) -> None:
    with pytest.raises(QueryError, match="deep"):
        parse_query(q, now_ms=NOW_MS)


def test_reasonable_nesting_is_read() -> None:
    message = FakeMessage(NOW_MS, subject="Interview invitation")
    assert matches("(" * 30 + "subject:interview" + ")" * 30, message)
    assert matches("-(-(-(subject:dinner)))", message)
