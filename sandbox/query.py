"""The subset of Gmail's search syntax (`q`) the sandbox understands.

Supported terms, combined by spaces (all must match), each negatable with a leading ``-``:
``newer_than:``/``older_than:`` (``Nd``, ``Nh``, ``Nm`` months, ``Ny``), ``after:``/``before:``
(``YYYY/MM/DD``, ``YYYY-MM-DD`` or epoch seconds; dates are midnight UTC), ``in:``, ``label:``,
``is:``, ``category:``, ``from:``, ``to:``, ``subject:``, and bare words or "quoted phrases" matched
case-insensitively against sender, recipient, subject and snippet.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sandbox.errors import SandboxInputError


class QueryError(SandboxInputError):
    """A `q` term the sandbox cannot read."""


class Searchable(Protocol):
    """What a query looks at in a message."""

    label_ids: list[str]
    internal_date_ms: int
    sender: str
    recipients: str
    subject: str
    snippet: str


Predicate = Callable[[Searchable], bool]

_TERM = re.compile(r'(-?)(?:(\w+):)?("[^"]*"|\S+)')
_UNIT_SECONDS = {"h": 3600, "d": 86400, "m": 30 * 86400, "y": 365 * 86400}
_IN_LABELS = {
    "inbox": "INBOX",
    "sent": "SENT",
    "chats": "CHAT",
    "chat": "CHAT",
    "spam": "SPAM",
    "trash": "TRASH",
    "drafts": "DRAFT",
    "draft": "DRAFT",
    "starred": "STARRED",
    "important": "IMPORTANT",
}
_CATEGORIES = {
    "primary": "CATEGORY_PERSONAL",
    "personal": "CATEGORY_PERSONAL",
    "social": "CATEGORY_SOCIAL",
    "promotions": "CATEGORY_PROMOTIONS",
    "updates": "CATEGORY_UPDATES",
    "forums": "CATEGORY_FORUMS",
}


@dataclass(frozen=True)
class MessageQuery:
    """A parsed `q`: every predicate must hold; ``spam_trash_wanted`` when it names spam/trash."""

    predicates: tuple[Predicate, ...]
    spam_trash_wanted: bool

    def matches(self, message: Searchable) -> bool:
        """True when the message satisfies every term."""
        return all(predicate(message) for predicate in self.predicates)


def parse_query(q: str | None, *, now_ms: int) -> MessageQuery:
    """Parse Gmail's `q` into a `MessageQuery`, raising `QueryError` for an unreadable term."""
    predicates: list[Predicate] = []
    spam_trash_wanted = False
    for match in _TERM.finditer(q or ""):
        negated, operator, raw_value = match.group(1) == "-", match.group(2), match.group(3)
        value = raw_value.strip('"')
        operator = operator.lower() if operator else None
        if operator in ("in", "label") and value.lower() in ("spam", "trash", "anywhere"):
            spam_trash_wanted = spam_trash_wanted or not negated
        predicate = _predicate(operator, value, now_ms=now_ms)
        predicates.append(_negate(predicate) if negated else predicate)
    return MessageQuery(tuple(predicates), spam_trash_wanted)


def _negate(predicate: Predicate) -> Predicate:
    return lambda message: not predicate(message)


def _predicate(operator: str | None, value: str, *, now_ms: int) -> Predicate:
    if operator in ("newer_than", "older_than"):
        cutoff = now_ms - _relative_ms(operator, value)
        if operator == "newer_than":
            return lambda m: m.internal_date_ms >= cutoff
        return lambda m: m.internal_date_ms < cutoff
    if operator == "after":
        after_ms = _absolute_ms(operator, value)
        return lambda m: m.internal_date_ms >= after_ms
    if operator == "before":
        before_ms = _absolute_ms(operator, value)
        return lambda m: m.internal_date_ms < before_ms
    if operator in ("in", "label", "is", "category"):
        return _label_predicate(operator, value)
    if operator == "from":
        return _contains(value, lambda m: m.sender)
    if operator == "to":
        return _contains(value, lambda m: m.recipients)
    if operator == "subject":
        return _contains(value, lambda m: m.subject)
    text = f"{operator}:{value}" if operator else value
    return _contains(text, lambda m: f"{m.sender} {m.recipients} {m.subject} {m.snippet}")


def _relative_ms(operator: str, value: str) -> int:
    match = re.fullmatch(r"(\d+)([hdmy])", value.lower())
    if not match:
        raise QueryError(
            f"{operator}:{value} is not understood; use a number and a unit, e.g. 30d."
        )
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)] * 1000


def _absolute_ms(operator: str, value: str) -> int:
    if value.isdigit():
        return int(value) * 1000
    match = re.fullmatch(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})", value)
    if not match:
        raise QueryError(f"{operator}:{value} is not understood; use YYYY/MM/DD or epoch seconds.")
    try:
        year, month, day_of_month = (int(part) for part in match.groups())
        day = datetime(year, month, day_of_month, tzinfo=UTC)
    except ValueError:
        raise QueryError(f"{operator}:{value} is not a real date.") from None
    return int(day.timestamp() * 1000)


def _label_predicate(operator: str, value: str) -> Predicate:
    word = value.lower()
    if operator == "in" and word == "anywhere":
        return lambda m: True
    if operator == "is" and word == "read":
        return lambda m: "UNREAD" not in m.label_ids
    if operator == "category":
        label = _CATEGORIES.get(word)
        if label is None:
            raise QueryError(f"category:{value} is not one of: {', '.join(_CATEGORIES)}.")
    elif operator == "label":
        label = _IN_LABELS.get(word, value)
    else:
        label = _IN_LABELS.get(word, value.upper())
    return lambda m: label in m.label_ids or label.upper() in m.label_ids


def _contains(needle: str, haystack: Callable[[Searchable], str]) -> Predicate:
    lowered = needle.lower()
    return lambda m: lowered in haystack(m).lower()
