"""The part of Gmail's search syntax (`q`) the sandbox understands, read as Gmail documents it.

- Terms separated by spaces must all match; ``a OR b`` (upper case) and ``{a b}`` match either;
  parentheses group terms, ``-`` before a term or a group leaves out what it matches. ``OR``
  binds tighter than the space: ``a b OR c`` is ``a`` and (``b`` or ``c``).
- Operators: ``newer_than:``/``older_than:`` (``Nd``, ``Nh``, ``Nm`` months, ``Ny``),
  ``after:``/``before:`` (``YYYY/MM/DD``, ``YYYY-MM-DD`` or epoch seconds; dates are midnight
  UTC), ``in:``, ``label:``, ``is:``, ``category:``, ``from:``, ``to:`` and ``subject:``. An
  operator takes a word, a "quoted phrase" or a group: ``subject:(dinner movie)`` wants both
  words in the subject, ``from:{amy david}`` either sender.
- Words and phrases match whole words, case-insensitively, with punctuation separating words
  (as Gmail reads them): ``from:lever.co`` finds ``jobs@hire.lever.co`` but not
  ``clever.com``, ``interview`` does not find ``interviews``. A plain word looks at the sender,
  the recipients, the subject and the snippet; an unknown operator (``has:attachment``) is read
  as plain words.

A query the sandbox cannot read (an unknown date, an unbalanced bracket or quote) raises
`QueryError`, which the API answers with 400.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
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

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<open>[({]) | (?P<close>[)}])
      | (?P<negate>-)(?=[^\s)}])
      | (?P<operator>[A-Za-z_]+):(?=[^\s)}])
      | (?P<phrase>"[^"]*")
      | (?P<word>[^\s(){}"]+)
    )""",
    re.VERBOSE,
)
_WORD = re.compile(r"[^\W_]+")
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
_TEXT_FIELDS: dict[str | None, Callable[[Searchable], str]] = {
    "from": lambda m: m.sender,
    "to": lambda m: m.recipients,
    "subject": lambda m: m.subject,
    None: lambda m: f"{m.sender} {m.recipients} {m.subject} {m.snippet}",
}
_SPAM_TRASH = ("spam", "trash", "anywhere")
_CLOSING = {"(": ")", "{": "}"}
MAX_NESTING = 64  # deeper than any search a person writes; recursion stays far from its limit


@dataclass(frozen=True)
class MessageQuery:
    """A parsed `q`; ``spam_trash_wanted`` when it asks for spam, trash or anywhere."""

    predicate: Predicate
    spam_trash_wanted: bool

    def matches(self, message: Searchable) -> bool:
        """True when the message satisfies the query."""
        return self.predicate(message)


def parse_query(q: str | None, *, now_ms: int) -> MessageQuery:
    """Parse Gmail's `q` into a `MessageQuery`, raising `QueryError` for what it cannot read."""
    parser = _Parser(list(_tokens(q or "")), now_ms)
    predicate = parser.sequence(field=None, negated=False, closing=None)
    return MessageQuery(predicate, parser.spam_trash_wanted)


@dataclass(frozen=True)
class _Token:
    kind: str  # open, close, negate, operator, phrase, word
    text: str


def _tokens(q: str) -> Iterator[_Token]:
    position = 0
    while position < len(q):
        match = _TOKEN.match(q, position)
        if match is None or match.end() == position:
            if q[position:].strip():
                raise QueryError(
                    f"the quote opened at {q[position:].strip()[:30]!r} is not closed."
                )
            return
        kind = match.lastgroup
        assert kind is not None
        yield _Token(kind, match.group(kind))
        position = match.end()


@dataclass
class _Parser:
    """Recursive descent over the tokens; builds one predicate."""

    tokens: list[_Token]
    now_ms: int
    position: int = 0
    spam_trash_wanted: bool = False
    depth: int = 0

    def sequence(self, *, field: str | None, negated: bool, closing: str | None) -> Predicate:
        """Terms until ``closing`` (or the end): all must match; OR joins neighbours."""
        terms: list[Predicate] = []
        while not self._at_end(closing):
            either = [self.term(field=field, negated=negated)]
            while self._next_is_or():
                self.position += 1
                either.append(self.term(field=field, negated=negated))
            terms.append(_any(either))
        return _all(terms)

    def term(self, *, field: str | None, negated: bool) -> Predicate:
        """A word or phrase, or ``-``, an operator or a bracket around more (nested boundedly)."""
        self.depth += 1
        try:
            if self.depth > MAX_NESTING:
                raise QueryError(
                    f"the query nests '-', operators or groups over {MAX_NESTING} deep."
                )
            return self._term(field=field, negated=negated)
        finally:
            self.depth -= 1

    def _term(self, *, field: str | None, negated: bool) -> Predicate:
        token = self._take()
        if token.kind == "negate":
            return _not(self.term(field=field, negated=not negated))
        if token.kind == "operator":
            return self.term(field=token.text.lower(), negated=negated)
        if token.kind == "open":
            return self._group(token.text, field=field, negated=negated)
        if token.kind == "close":
            raise QueryError(f"{token.text!r} closes a group that was not opened.")
        value = token.text.strip('"') if token.kind == "phrase" else token.text
        if field in ("in", "label") and value.lower() in _SPAM_TRASH and not negated:
            self.spam_trash_wanted = True
        return _predicate(field, value, now_ms=self.now_ms)

    def _group(self, opener: str, *, field: str | None, negated: bool) -> Predicate:
        closing = _CLOSING[opener]
        if opener == "(":
            inner = self.sequence(field=field, negated=negated, closing=closing)
        else:
            either = []
            while not self._at_end(closing):
                if self._next_is_or():
                    self.position += 1
                    continue
                either.append(self.term(field=field, negated=negated))
            inner = _any(either)
        self.position += 1  # the closing bracket, checked by _at_end
        return inner

    def _at_end(self, closing: str | None) -> bool:
        if self.position >= len(self.tokens):
            if closing is not None:
                raise QueryError(f"a group is not closed with {closing!r}.")
            return True
        token = self.tokens[self.position]
        if token.kind != "close":
            return False
        if closing is None or token.text != closing:
            raise QueryError(f"{token.text!r} closes a group that was not opened.")
        return True

    def _next_is_or(self) -> bool:
        at = self.position
        return at < len(self.tokens) and self.tokens[at] == _Token("word", "OR")

    def _take(self) -> _Token:
        if self.position >= len(self.tokens):
            raise QueryError("the query ends where a term was expected.")
        token = self.tokens[self.position]
        self.position += 1
        return token


def _all(predicates: list[Predicate]) -> Predicate:
    if len(predicates) == 1:
        return predicates[0]
    return lambda m: all(predicate(m) for predicate in predicates)


def _any(predicates: list[Predicate]) -> Predicate:
    """Either of ``predicates``; text terms on one field are looked up together."""
    texts: dict[str | None, list[_TextMatch]] = {}
    others: list[Predicate] = []
    for predicate in predicates:
        if isinstance(predicate, _TextMatch):
            texts.setdefault(predicate.field, []).append(predicate)
        else:
            others.append(predicate)
    merged = [_TextMatch.either(matches) for matches in texts.values()] + others
    if len(merged) == 1:
        return merged[0]
    return lambda m: any(predicate(m) for predicate in merged)


def _not(predicate: Predicate) -> Predicate:
    return lambda m: not predicate(m)


def _predicate(field: str | None, value: str, *, now_ms: int) -> Predicate:
    if field in ("newer_than", "older_than"):
        cutoff = now_ms - _relative_ms(field, value)
        if field == "newer_than":
            return lambda m: m.internal_date_ms >= cutoff
        return lambda m: m.internal_date_ms < cutoff
    if field == "after":
        after_ms = _absolute_ms(field, value)
        return lambda m: m.internal_date_ms >= after_ms
    if field == "before":
        before_ms = _absolute_ms(field, value)
        return lambda m: m.internal_date_ms < before_ms
    if field in ("in", "label", "is", "category"):
        return _label_predicate(field, value)
    if field in _TEXT_FIELDS:
        return _TextMatch(field, (_words(value),))
    return _TextMatch(None, (_words(f"{field}:{value}"),))


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


@dataclass(frozen=True)
class _Words:
    """A text as Gmail searches it: its words in order, and the set of them."""

    order: tuple[str, ...]
    present: frozenset[str]

    def has(self, phrase: tuple[str, ...]) -> bool:
        """True when ``phrase``'s words stand together, in order, in the text."""
        if len(phrase) == 1:
            return phrase[0] in self.present
        size = len(phrase)
        return any(
            self.order[i : i + size] == phrase
            for i, word in enumerate(self.order)
            if word == phrase[0]
        )


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.lower()))


@lru_cache(maxsize=65536)
def _searchable_words(text: str) -> _Words:
    """A field's words, cached: a list request reads every message of the mailbox."""
    order = _words(text)
    return _Words(order, frozenset(order))


class _TextMatch:
    """Any one of several words or phrases in one field (None: sender, recipients, subject,
    snippet); indexed by first word, so a long ``{a b c ...}`` costs one set intersection."""

    def __init__(self, field: str | None, phrases: Iterable[tuple[str, ...]]) -> None:
        self.field = field
        self.phrases = tuple(phrases)
        self._text = _TEXT_FIELDS[field]
        self._by_first: dict[str, list[tuple[str, ...]]] = {}
        for phrase in self.phrases:
            if phrase:
                self._by_first.setdefault(phrase[0], []).append(phrase)
        self._always = any(not phrase for phrase in self.phrases)  # "" or punctuation alone

    @classmethod
    def either(cls, matches: list[_TextMatch]) -> _TextMatch:
        """One match for any of ``matches`` (all on one field)."""
        if len(matches) == 1:
            return matches[0]
        return cls(matches[0].field, (p for match in matches for p in match.phrases))

    def __call__(self, message: Searchable) -> bool:
        if self._always:
            return True
        words = _searchable_words(self._text(message))
        for first in self._by_first.keys() & words.present:
            if any(words.has(phrase) for phrase in self._by_first[first]):
                return True
        return False
