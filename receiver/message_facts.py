"""Re-reading the recruiter's newest message when follow-up drafts are asked for.

The message is fetched once through the read-only Gmail client, read for what a draft needs — its
language, the recruiter's name in the signature, the times the recruiter proposed — and forgotten:
its text is never stored and never logged. Only `MessageFacts` (plain data) go on to the Store.
Whatever goes wrong (no mailbox, the message deleted, Gmail failing), drafts still come from the
recorded metadata, with a sentence saying why the message could not be re-read.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from typing import Any, Protocol, runtime_checkable

from dateparser.search import search_dates

from gmail import MessageGone, TokenRevoked, body_text, header, message_date
from receiver.context import MailboxClientFactory
from storage import NotFound, Store
from storage.follow_ups import MessageFacts, ProposedTime, guess_language, signature_openers

log = logging.getLogger(__name__)

# Enough for any recruiter's note; a long thread's quoted history adds nothing a draft needs.
MAX_TEXT_CHARS = 20_000
MAX_PROPOSED_TIMES = 6
# A proposed time is one after the message was sent and not absurdly far after it.
PROPOSAL_HORIZON = timedelta(days=120)
MAX_NAME_WORDS = 4
MAX_NAME_CHARS = 60
_NAME_SEPARATORS = (",", "|", " - ", " \N{EN DASH} ", " \N{EM DASH} ")

NO_EMAIL = (
    "This application has no email from the recruiter yet, so the drafts use its details only."
)
METADATA_ONLY = "these drafts use only what ApplyTrack recorded (sender, subject and date)."
NOT_CONNECTED = (
    f"Gmail is not connected, so the recruiter's message could not be re-read: {METADATA_ONLY}"
)
GONE = (
    "The recruiter's message is no longer in your Gmail, so it could not be re-read: "
    f"{METADATA_ONLY}"
)
RECONNECT = (
    "Gmail access has to be renewed (Settings → Integrations → Reconnect), so the recruiter's "
    f"message could not be re-read: {METADATA_ONLY}"
)
GMAIL_FAILED = (
    "Gmail did not answer, so the recruiter's message could not be re-read: "
    f"{METADATA_ONLY} Reload the page to try again."
)


@runtime_checkable
class MessageReader(Protocol):
    """The Gmail call this module makes: `messages.get` in one format."""

    def get_message(self, message_id: str, *, message_format: str = "metadata") -> dict[str, Any]:
        """messages.get; `MessageGone` when the message was deleted."""
        ...

    def close(self) -> None:
        """Release the HTTP connections."""
        ...


@dataclass(frozen=True)
class RecruiterMessage:
    """What the re-read gave: the facts, or (``facts`` None) the sentence saying why not."""

    facts: MessageFacts | None
    problem: str | None = None


def read_recruiter_message(
    store: Store, gmail_factory: MailboxClientFactory, user_id: int, application_id: int
) -> RecruiterMessage:
    """Re-read the application's newest job email through Gmail and keep only its facts
    (raises `NotFound` for an application the user does not have)."""
    source = store.follow_up_source(user_id, application_id)
    if source is None:
        return RecruiterMessage(None, NO_EMAIL)
    try:
        token = store.refresh_token(source.mailbox_id)
    except NotFound:
        token = None
    if token is None:
        return RecruiterMessage(None, NOT_CONNECTED)
    where = {"mailbox_id": source.mailbox_id, "application_id": application_id}
    try:
        client = gmail_factory(token)
    except Exception as error:  # a client that cannot be built is one more Gmail failure
        log.warning("follow-up re-read: no Gmail client: %s", type(error).__name__, extra=where)
        return RecruiterMessage(None, GMAIL_FAILED)
    try:
        if not isinstance(client, MessageReader):
            return RecruiterMessage(None, GMAIL_FAILED)
        message = client.get_message(source.gmail_message_id, message_format="full")
    except MessageGone:
        log.info("follow-up re-read: the message is gone", extra=where)
        return RecruiterMessage(None, GONE)
    except TokenRevoked:
        log.info("follow-up re-read: the token was refused", extra=where)
        return RecruiterMessage(None, RECONNECT)
    except Exception as error:  # drafts from metadata beat an error page; the type is enough
        log.warning("follow-up re-read failed: %s", type(error).__name__, extra=where)
        return RecruiterMessage(None, GMAIL_FAILED)
    finally:
        client.close()
    return RecruiterMessage(message_facts(message))


def message_facts(message: dict[str, Any]) -> MessageFacts:
    """A format=full messages.get answer read for drafts: language, recruiter, proposed times."""
    text = _own_text(body_text(message))
    subject = header(message, "Subject") or ""
    language = guess_language(f"{subject}\n{text}")
    display_name, _ = parseaddr(header(message, "From") or "")
    return MessageFacts(
        language=language,
        recruiter=signature_name(text) or display_name.strip() or None,
        proposed_times=proposed_times(text, language, sent=message_date(message)),
    )


def signature_name(text: str) -> str | None:
    """The name on the line after the first sign-off ("Best regards," then "Dana Fox")."""
    openers = {phrase.casefold() for phrase in signature_openers()}
    lines = [line.strip() for line in text.splitlines()]
    for index, line in enumerate(lines):
        if line.rstrip(",.!").casefold() not in openers:
            continue
        following = next((later for later in lines[index + 1 :] if later), "")
        return _person_name(following)
    return None


def proposed_times(text: str, language: str, *, sent: datetime) -> tuple[ProposedTime, ...]:
    """The days and times the message offers, after it was sent, in the order it names them."""
    base = sent.astimezone(UTC).replace(tzinfo=None)
    settings = {
        "RELATIVE_BASE": base,
        "PREFER_DATES_FROM": "future",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    try:
        found = search_dates(text, languages=[language], settings=settings) or []
    except (ValueError, OverflowError):
        return ()
    times: list[ProposedTime] = []
    for words, when in found:
        # Words without a digit ("Sam" read as Saturday) are not a proposal.
        if not any(character.isdigit() for character in words):
            continue
        if not base.date() <= when.date() <= (base + PROPOSAL_HORIZON).date():
            continue
        at = when.time() if (when.hour, when.minute) != (0, 0) else None
        proposed = ProposedTime(when.date(), at)
        if proposed not in times:
            times.append(proposed)
    return tuple(times[:MAX_PROPOSED_TIMES])


def _own_text(text: str) -> str:
    """The message without the quoted history of the thread (lines starting with ">")."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith(">")]
    return "\n".join(lines)[:MAX_TEXT_CHARS]


def _person_name(line: str) -> str | None:
    """``line``'s leading name, if it reads as one: a few capitalised words, no digits."""
    for separator in _NAME_SEPARATORS:
        line = line.split(separator, 1)[0]
    words = line.split()
    if not 0 < len(words) <= MAX_NAME_WORDS or len(line) > MAX_NAME_CHARS:
        return None
    if not all(word[0].isupper() and _is_name_word(word) for word in words):
        return None
    return " ".join(words)


def _is_name_word(word: str) -> bool:
    return all(character.isalpha() or character in "-'." for character in word)
