"""A rule's preview over ordinary mail: the rule as a read-only Gmail search, and what it finds.

Ordinary (non-job) mail is deliberately not stored, so the preview asks Gmail which messages of
the last 90 days a rule would match: the rule becomes a search (``from:``, ``subject:``, plain
words for the body, ``label:``, ``newer_than:90d``; ``match: any`` as ``{a b}``), at most
`MAX_RESULTS` ids are listed and only their metadata (From, Subject, Date, labels) is fetched.
The rule itself then checks each message, and the user's recorded job mail is left out (the
recorded part of the preview shows it). Nothing is stored.

Gmail matches whole words and cannot run a regular expression, so a ``matches`` condition is
searched by its longest literal words (then checked with RE2 on the metadata) and a body
condition is taken as Gmail found it: the search is then *approximate*, and the preview says so.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any, Protocol, runtime_checkable

from gmail import MessageRef
from gmail.messages import counts_for_sync, header, message_date
from receiver.context import MailboxClientFactory
from receiver.serialize import iso_utc
from storage import EmailFacts, MailboxState, RuleSpec, Store
from storage.filter_rules import PAST_MAIL_DAYS
from storage.filters import Condition, RuleField, RuleMatch, RuleOp, condition_holds

log = logging.getLogger(__name__)

MAX_RESULTS = 50
_OPERATORS = {
    RuleField.SENDER: "from:",
    RuleField.SENDER_DOMAIN: "from:",
    RuleField.SUBJECT: "subject:",
    RuleField.BODY: "",
    RuleField.LABEL: "label:",
}
_BARE_VALUE = re.compile(r"[\w@.+][\w@.+-]*")
_REGEX_SYNTAX = frozenset(".^$+")
_REGEX_OPTIONAL = frozenset("?*")
_LEADING_WORD = re.compile(r"^\w+")
_FLAG_GROUP = re.compile(r"\?[a-zA-Z-]*\)")  # (?i) and the like: no text of their own
_WORD_BOUNDARY_ESCAPES = frozenset("bsW")  # \b, a space, a non-word character
_TRAILING_WORD = re.compile(r"\w+$")


@runtime_checkable
class SearchableMailbox(Protocol):
    """The read-only Gmail calls the search makes (`gmail.GmailClient` has them)."""

    def list_messages(self, query: str) -> Any:
        """messages.list with a ``q`` query: an iterator of `MessageRef`."""
        ...

    def get_metadata_batch(self, message_ids: Any) -> dict[str, dict[str, Any]]:
        """messages.get(format=metadata) for many ids."""
        ...

    def close(self) -> None:
        """Release the HTTP connections."""
        ...


@dataclass(frozen=True)
class GmailQuery:
    """A rule as a Gmail search; ``approximate`` when Gmail cannot say exactly what the rule
    means, and ``body_searched`` when every body condition is part of the search."""

    query: str
    approximate: bool
    body_searched: bool


@dataclass(frozen=True)
class OrdinaryMatch:
    """A message Gmail found that the rule matches and that is not recorded job mail."""

    message_id: str
    sender: str
    subject: str
    date: datetime


@dataclass(frozen=True)
class GmailSearch:
    """What the Gmail side of a preview found; ``available`` False (with ``reason``) when it
    could not ask Gmail."""

    query: str
    approximate: bool
    available: bool
    matches: tuple[OrdinaryMatch, ...] = ()
    reason: str = ""


def gmail_query(rule: RuleSpec, *, days: int = PAST_MAIL_DAYS) -> GmailQuery:
    """The Gmail search for the inbox mail of the last ``days`` that ``rule`` may match."""
    terms = [_term(condition) for condition in rule.conditions]
    approximate = any(_is_approximate(condition) for condition in rule.conditions)
    present = [term for term in terms if term is not None]
    if rule.match is RuleMatch.ALL:
        searched = " ".join(present)
        body_searched = all(
            term is not None
            for term, condition in zip(terms, rule.conditions, strict=True)
            if condition.field is RuleField.BODY
        )
    elif len(present) < len(terms):  # one condition Gmail cannot search: any mail may match
        searched, body_searched = "", False
    else:
        searched = present[0] if len(present) == 1 else "{" + " ".join(present) + "}"
        body_searched = True
    query = f"newer_than:{days}d in:inbox {searched}".strip()
    return GmailQuery(query, approximate or not searched, body_searched)


def search_ordinary_mail(
    store: Store, user_id: int, rule: RuleSpec, gmail_factory: MailboxClientFactory
) -> GmailSearch:
    """Ask the user's Gmail (read-only, metadata only) which ordinary mail ``rule`` matches."""
    translated = gmail_query(rule)
    unavailable = GmailSearch(translated.query, translated.approximate, available=False)
    mailbox = store.mailbox_for_user(user_id)
    token = None if mailbox is None else store.refresh_token(mailbox.id)
    if mailbox is None or mailbox.state is not MailboxState.ACTIVE or token is None:
        reason = "Gmail is not connected, so ordinary mail could not be searched."
        return _with_reason(unavailable, reason)
    try:
        found = _search(gmail_factory, token, translated)
    except Exception as error:  # a revoked grant, Gmail down, a refused query: never a 500
        log.warning("rule preview: the Gmail search failed: %s", type(error).__name__)
        reason = "Gmail could not be searched just now, so ordinary mail is not shown."
        return _with_reason(unavailable, reason)
    recorded = store.recorded_job_message_ids(user_id, list(found))
    matches = tuple(
        _ordinary_match(message)
        for message_id, message in found.items()
        if message_id not in recorded and _matches_metadata(rule, translated, message)
    )
    return GmailSearch(translated.query, translated.approximate, available=True, matches=matches)


def literal_words(pattern: str) -> str | None:
    """The longest run of whole literal words every match of ``pattern`` contains (None when
    there is none we can be sure of: an alternation, or only classes and groups). A word cut by
    a class, a group or a quantifier (``colou?r``) is left out: Gmail matches whole words."""
    if _has_alternation(pattern):
        return None
    runs: list[str] = []
    current: list[str] = []
    soft_start = False
    depth = 0
    position = 0
    while position < len(pattern):
        char = pattern[position]
        position += 1
        literal: str | None = None
        soft = True  # whether what ends the run may continue a word (a class, a quantifier...)
        if char == "\\":
            escaped = pattern[position : position + 1]
            position += 1
            literal = escaped if escaped and not escaped.isalnum() else None
            soft = escaped not in _WORD_BOUNDARY_ESCAPES
        elif char == "[":
            position = _after_class(pattern, position)
        elif char in _REGEX_OPTIONAL or char == "{":
            if current:
                current.pop()  # the character before is optional
            if char == "{":
                position = pattern.find("}", position) + 1 or len(pattern)
        elif char == "(" and (flags := _FLAG_GROUP.match(pattern, position)):
            position, soft = flags.end(), False
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char in "^$":
            soft = False
        elif char not in _REGEX_SYNTAX:
            literal = char
        if literal is not None and depth == 0:
            current.append(literal)
        else:
            runs.append(_whole_words("".join(current), cut_start=soft_start, cut_end=soft))
            current, soft_start = [], soft
    runs.append(_whole_words("".join(current), cut_start=soft_start, cut_end=False))
    best = max(runs, key=lambda run: sum(c.isalnum() for c in run))
    return best.strip() if any(c.isalnum() for c in best) else None


def _whole_words(run: str, *, cut_start: bool, cut_end: bool) -> str:
    """``run`` without the word at an edge where the pattern may continue it."""
    if cut_start and run[:1].isalnum():
        run = _LEADING_WORD.sub("", run)
    if cut_end and run[-1:].isalnum():
        run = _TRAILING_WORD.sub("", run)
    return run


def _term(condition: Condition) -> str | None:
    """The search term of one condition (None: Gmail cannot search for it)."""
    value: str | None = condition.value
    if condition.op is RuleOp.MATCHES:
        value = literal_words(condition.value)
    elif condition.field is RuleField.SENDER_DOMAIN:
        value = condition.value.strip().removeprefix("@")
    quoted = None if value is None else _quoted(value)
    return None if quoted is None else _OPERATORS[condition.field] + quoted


def _is_approximate(condition: Condition) -> bool:
    return condition.op is RuleOp.MATCHES or condition.field is RuleField.BODY


def _quoted(value: str) -> str | None:
    """A value as Gmail reads one term: bare when it is one plain word, else a phrase (Gmail
    has no escape for a quote inside one, so quotes are left out)."""
    text = " ".join(value.replace('"', " ").split())
    if not text:
        return None
    if _BARE_VALUE.fullmatch(text) and text != "OR":
        return text
    return f'"{text}"'


def _has_alternation(pattern: str) -> bool:
    position = 0
    while position < len(pattern):
        char = pattern[position]
        if char == "\\":
            position += 2
            continue
        if char == "[":
            position = _after_class(pattern, position + 1)
            continue
        if char == "|":
            return True
        position += 1
    return False


def _after_class(pattern: str, position: int) -> int:
    """The position after a character class whose ``[`` ends just before ``position``."""
    if pattern[position : position + 1] == "^":
        position += 1
    if pattern[position : position + 1] == "]":
        position += 1
    while position < len(pattern):
        if pattern[position] == "\\":
            position += 2
            continue
        if pattern[position] == "]":
            return position + 1
        position += 1
    return position


def _search(
    gmail_factory: MailboxClientFactory, token: str, translated: GmailQuery
) -> dict[str, dict[str, Any]]:
    """Up to `MAX_RESULTS` messages' metadata, newest first, as Gmail lists them."""
    client = gmail_factory(token)
    try:
        if not isinstance(client, SearchableMailbox):
            raise TypeError("this Gmail client cannot search")
        refs: list[MessageRef] = list(islice(client.list_messages(translated.query), MAX_RESULTS))
        fetched = client.get_metadata_batch(ref.id for ref in refs) if refs else {}
    finally:
        client.close()
    return {ref.id: fetched[ref.id] for ref in refs if ref.id in fetched}


def _matches_metadata(rule: RuleSpec, translated: GmailQuery, message: dict[str, Any]) -> bool:
    """The rule's own check on what the metadata holds; a body condition (the body is not
    read) holds when Gmail's search asked for it."""
    labels = tuple(message.get("labelIds", ()))
    if not counts_for_sync(labels):
        return False
    facts = EmailFacts(
        sender=header(message, "From") or "",
        subject=header(message, "Subject") or "",
        labels=labels,
    )
    results = (
        translated.body_searched
        if condition.field is RuleField.BODY
        else condition_holds(condition, facts)
        for condition in rule.conditions
    )
    return all(results) if rule.match is RuleMatch.ALL else any(results)


def _ordinary_match(message: dict[str, Any]) -> OrdinaryMatch:
    return OrdinaryMatch(
        message_id=str(message["id"]),
        sender=header(message, "From") or "",
        subject=header(message, "Subject") or "",
        date=message_date(message),
    )


def _with_reason(search: GmailSearch, reason: str) -> GmailSearch:
    return GmailSearch(search.query, search.approximate, search.available, (), reason)


def gmail_search_json(search: GmailSearch) -> dict[str, Any]:
    """The Gmail side of ``POST /api/rules/preview``: ``gmail_matches`` and ``gmail_search``."""
    return {
        "gmail_matches": [
            {
                "message_id": match.message_id,
                "sender": match.sender,
                "subject": match.subject,
                "date": iso_utc(match.date),
            }
            for match in search.matches
        ],
        "gmail_search": {
            "query": search.query,
            "approximate": search.approximate,
            "available": search.available,
            "reason": search.reason or None,
        },
    }
