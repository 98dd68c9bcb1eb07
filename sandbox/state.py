"""The sandbox's in-memory world: mailboxes, their messages, history and watch, plus OAuth grants.

Every public method is thread-safe (one re-entrant lock); the HTTP layer and tests call them alike.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage

from sandbox import mime
from sandbox.errors import SandboxInputError, UnknownMailbox, invalid_argument
from sandbox.errors import not_found as gmail_not_found
from sandbox.faults import FaultInjector
from sandbox.notify import NotificationDispatcher
from sandbox.query import MessageQuery
from sandbox.quota import QuotaMeter
from sandbox.tokens import READONLY_SCOPE, TokenStore

DEFAULT_LABELS = ("INBOX", "UNREAD")
DEFAULT_HISTORY_START = 1000
MAX_HISTORY_ID = 2**64 - 1
WATCH_LIFETIME_MS = 7 * 86400 * 1000
HISTORY_TYPES = ("messageAdded", "messageDeleted", "labelAdded", "labelRemoved")
_TOPIC_NAME = re.compile(r"projects/[^/]+/topics/[^/]+")
_MESSAGE_ID_REF = re.compile(r"<[^<>\s]+>")
_FIRST_MESSAGE_ID = 0x18C4F2A9B0000000


class MailboxExists(SandboxInputError):
    """A mailbox with that address already exists."""


@dataclass
class StoredMessage:
    """One message as Gmail keeps it: the RFC 822 bytes plus labels, dates and ids."""

    id: str
    thread_id: str
    raw: bytes
    parsed: EmailMessage
    label_ids: list[str]
    internal_date_ms: int
    history_id: int
    sender: str
    recipients: str
    subject: str
    snippet: str


@dataclass(frozen=True)
class HistoryRecord:
    """One change to a mailbox (Gmail's History resource)."""

    id: int
    kind: str
    message_id: str
    thread_id: str
    label_ids: tuple[str, ...]


@dataclass
class Watch:
    """A users.watch registration."""

    topic_name: str
    label_ids: tuple[str, ...]
    label_filter_behavior: str
    expiration_ms: int
    history_id: int

    def wants(self, label_ids: Sequence[str]) -> bool:
        """True when a message with these labels passes the watch's label filter."""
        if not self.label_ids:
            return True
        hit = any(label in self.label_ids for label in label_ids)
        return hit if self.label_filter_behavior == "include" else not hit


@dataclass
class Mailbox:
    """One Gmail account."""

    email: str
    history_id: int
    history_floor: int
    history_limit: int | None = None
    messages: dict[str, StoredMessage] = field(default_factory=dict)
    history: list[HistoryRecord] = field(default_factory=list)
    threads_by_rfc822_id: dict[str, str] = field(default_factory=dict)
    watch: Watch | None = None


class SandboxState:
    """Everything the sandbox server knows; safe to call from many threads."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        quota_units_per_second: float | None = 250.0,
        token_lifetime_seconds: int = 3600,
        notifications: NotificationDispatcher | None = None,
    ) -> None:
        self.clock = clock
        self.tokens = TokenStore(clock=clock, token_lifetime_seconds=token_lifetime_seconds)
        self.quota = QuotaMeter(quota_units_per_second or None, clock=clock)
        self.faults = FaultInjector()
        self.notifications = notifications or NotificationDispatcher(None)
        self._mailboxes: dict[str, Mailbox] = {}
        self._message_numbers = itertools.count(_FIRST_MESSAGE_ID)
        self._lock = threading.RLock()

    # -- mailboxes ---------------------------------------------------------------------------

    def create_mailbox(
        self,
        email: str,
        *,
        history_start: int = DEFAULT_HISTORY_START,
        history_limit: int | None = None,
    ) -> dict:
        """Create an empty mailbox whose history ids start at ``history_start``."""
        email = _check_address(email)
        if not isinstance(history_start, int) or not 1 <= history_start < MAX_HISTORY_ID:
            raise SandboxInputError("history_start must be a whole number between 1 and 2^64 - 2.")
        if history_limit is not None and (not isinstance(history_limit, int) or history_limit < 1):
            raise SandboxInputError("history_limit must be a positive whole number (or omitted).")
        with self._lock:
            if email in self._mailboxes:
                raise MailboxExists(f"The sandbox mailbox {email!r} already exists.")
            self._mailboxes[email] = Mailbox(email, history_start, history_start, history_limit)
            return self.profile(email)

    def has_mailbox(self, email: str) -> bool:
        """True when a mailbox with this address exists."""
        with self._lock:
            return email.lower() in self._mailboxes

    def addresses(self) -> list[str]:
        """Return every mailbox address, sorted."""
        with self._lock:
            return sorted(self._mailboxes)

    def ensure_mailbox(self, email: str) -> dict:
        """Create the mailbox unless it exists; return its profile."""
        with self._lock:
            return self.profile(self._mailbox_or_new(email).email)

    def _mailbox(self, email: str) -> Mailbox:
        mailbox = self._mailboxes.get(email.lower())
        if mailbox is None:
            raise UnknownMailbox(email)
        return mailbox

    def _mailbox_or_new(self, email: str) -> Mailbox:
        if email.lower() not in self._mailboxes:
            self.create_mailbox(email)
        return self._mailbox(email)

    def profile(self, email: str) -> dict:
        """Return users.getProfile's body."""
        with self._lock:
            mailbox = self._mailbox(email)
            threads = {message.thread_id for message in mailbox.messages.values()}
            return {
                "emailAddress": mailbox.email,
                "messagesTotal": len(mailbox.messages),
                "threadsTotal": len(threads),
                "historyId": str(mailbox.history_id),
            }

    # -- delivery ----------------------------------------------------------------------------

    def deliver(self, email: str, message: Mapping[str, object], *, notify: bool = True) -> dict:
        """Deliver a message given as JSON fields; return {id, threadId, historyId}."""
        if not isinstance(message, Mapping):
            raise SandboxInputError("A message must be a JSON object with from, subject, body...")
        now = datetime.fromtimestamp(self.clock(), UTC)
        with self._lock:
            mailbox = self._mailbox_or_new(email)
            number = next(self._message_numbers)
            raw = mime.build_message(
                message, message_id=f"<{number:x}.sandbox@mail.gmail.local>", now=now
            )
            return self._store(
                mailbox,
                raw,
                number=number,
                label_ids=_label_list(message.get("labelIds")),
                thread_id=_optional_text(message, "threadId"),
                notify=notify,
            )

    def deliver_many(self, email: str, messages: Sequence[Mapping[str, object]]) -> dict:
        """Deliver messages in order with one watch notification at the end; return a summary."""
        with self._lock:
            results = [self.deliver(email, message, notify=False) for message in messages]
            mailbox = self._mailbox(email)
            if results:
                self._notify(mailbox, list(DEFAULT_LABELS))
            return {
                "delivered": len(results),
                "ids": [result["id"] for result in results],
                "historyId": str(mailbox.history_id),
            }

    def deliver_raw(
        self,
        email: str,
        raw: bytes,
        *,
        label_ids: Sequence[str] | None = None,
        thread_id: str | None = None,
        notify: bool = True,
    ) -> dict:
        """Deliver an RFC 822 message as it is; return {id, threadId, historyId}."""
        with self._lock:
            mailbox = self._mailbox_or_new(email)
            return self._store(
                mailbox,
                raw,
                number=next(self._message_numbers),
                label_ids=_label_list(label_ids),
                thread_id=thread_id,
                notify=notify,
            )

    def _store(
        self,
        mailbox: Mailbox,
        raw: bytes,
        *,
        number: int,
        label_ids: list[str],
        thread_id: str | None,
        notify: bool,
    ) -> dict:
        parsed = mime.parse_message(raw)
        if thread_id is not None and not any(
            m.thread_id == thread_id for m in mailbox.messages.values()
        ):
            raise SandboxInputError(
                f"threadId {thread_id!r} is not a thread of {mailbox.email}; leave it out to "
                "thread by In-Reply-To/References."
            )
        message_id = f"{number:016x}"
        thread_id = thread_id or self._thread_for(mailbox, parsed) or message_id
        history_id = self._next_history_id(mailbox)
        received = datetime.fromtimestamp(self.clock(), UTC)
        stored = StoredMessage(
            id=message_id,
            thread_id=thread_id,
            raw=raw,
            parsed=parsed,
            label_ids=label_ids,
            internal_date_ms=int(mime.message_date(parsed, fallback=received).timestamp() * 1000),
            history_id=history_id,
            sender=str(parsed.get("From", "")),
            recipients=" ".join(str(parsed.get(name, "")) for name in ("To", "Cc")),
            subject=str(parsed.get("Subject", "")),
            snippet=mime.snippet(parsed),
        )
        mailbox.messages[message_id] = stored
        rfc822_id = str(parsed.get("Message-ID", "")).strip()
        if rfc822_id:
            mailbox.threads_by_rfc822_id.setdefault(rfc822_id, thread_id)
        self._record(
            mailbox,
            HistoryRecord(history_id, "messageAdded", message_id, thread_id, tuple(label_ids)),
        )
        if notify:
            self._notify(mailbox, label_ids)
        return {"id": message_id, "threadId": thread_id, "historyId": str(history_id)}

    def _thread_for(self, mailbox: Mailbox, parsed: EmailMessage) -> str | None:
        references = " ".join(str(parsed.get(name, "")) for name in ("References", "In-Reply-To"))
        for reference in reversed(_MESSAGE_ID_REF.findall(references)):
            thread_id = mailbox.threads_by_rfc822_id.get(reference)
            if thread_id is not None:
                return thread_id
        return None

    def _next_history_id(self, mailbox: Mailbox) -> int:
        if mailbox.history_id >= MAX_HISTORY_ID:
            raise SandboxInputError(f"{mailbox.email} has used up every 64-bit history id.")
        mailbox.history_id += 1
        return mailbox.history_id

    def _record(self, mailbox: Mailbox, record: HistoryRecord) -> None:
        mailbox.history.append(record)
        limit = mailbox.history_limit
        if limit is not None and len(mailbox.history) > limit:
            dropped = mailbox.history[: len(mailbox.history) - limit]
            del mailbox.history[: len(dropped)]
            mailbox.history_floor = dropped[-1].id

    def _notify(self, mailbox: Mailbox, label_ids: Sequence[str]) -> None:
        watch = mailbox.watch
        if watch is None or watch.expiration_ms <= self._now_ms() or not watch.wants(label_ids):
            return
        data = json.dumps({"emailAddress": mailbox.email, "historyId": mailbox.history_id})
        self.notifications.submit(watch.topic_name, data.encode())

    def delete_message(self, email: str, message_id: str) -> dict:
        """Delete a message for good (recorded in history as messageDeleted)."""
        with self._lock:
            mailbox = self._mailbox(email)
            message = mailbox.messages.pop(message_id, None)
            if message is None:
                raise gmail_not_found()
            history_id = self._next_history_id(mailbox)
            self._record(
                mailbox,
                HistoryRecord(
                    history_id,
                    "messageDeleted",
                    message.id,
                    message.thread_id,
                    tuple(message.label_ids),
                ),
            )
            return {"id": message_id, "historyId": str(history_id)}

    def expire_history(self, email: str, before_history_id: int | None = None) -> dict:
        """Drop history up to ``before_history_id`` (default: all of it), as Gmail does."""
        with self._lock:
            mailbox = self._mailbox(email)
            cutoff = mailbox.history_id if before_history_id is None else before_history_id
            if not isinstance(cutoff, int) or cutoff < 0:
                raise SandboxInputError("before_history_id must be a whole number.")
            cutoff = min(cutoff, mailbox.history_id)
            kept = [record for record in mailbox.history if record.id > cutoff]
            dropped = len(mailbox.history) - len(kept)
            mailbox.history = kept
            mailbox.history_floor = max(mailbox.history_floor, cutoff)
            return {"dropped": dropped, "oldestValidStartHistoryId": str(mailbox.history_floor)}

    # -- reading (the Gmail API) --------------------------------------------------------------

    def message(self, email: str, message_id: str) -> StoredMessage:
        """Return one message, or raise Gmail's 404."""
        with self._lock:
            message = self._mailbox(email).messages.get(message_id)
        if message is None:
            raise gmail_not_found()
        return message

    def list_messages(
        self,
        email: str,
        *,
        query: MessageQuery,
        label_ids: Sequence[str] = (),
        include_spam_trash: bool = False,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> dict:
        """Return users.messages.list's body: newest first, keyset-paginated."""
        after_key = _decode_list_token(page_token) if page_token else None
        hide = () if include_spam_trash or query.spam_trash_wanted else ("SPAM", "TRASH")
        with self._lock:
            candidates = list(self._mailbox(email).messages.values())
        matching = [
            m
            for m in candidates
            if not any(label in m.label_ids for label in hide)
            and all(label in m.label_ids for label in label_ids)
            and query.matches(m)
        ]
        matching.sort(key=_list_key, reverse=True)
        if after_key is not None:
            matching = [m for m in matching if _list_key(m) < after_key]
        page = matching[:max_results]
        body: dict = {"resultSizeEstimate": len(matching)}
        if page:
            body["messages"] = [{"id": m.id, "threadId": m.thread_id} for m in page]
        if len(matching) > max_results:
            body["nextPageToken"] = _encode_list_token(_list_key(page[-1]))
        return body

    def history(
        self,
        email: str,
        *,
        start_history_id: int,
        history_types: Iterable[str] = (),
        label_id: str | None = None,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> dict:
        """Return users.history.list's body, or Gmail's 404 when the start is too old."""
        kinds = set(history_types) or set(HISTORY_TYPES)
        after = start_history_id
        if page_token:
            if not page_token.isdigit():
                raise invalid_argument("Invalid pageToken.")
            after = int(page_token)
        with self._lock:
            mailbox = self._mailbox(email)
            if start_history_id < mailbox.history_floor:
                raise gmail_not_found()
            current = mailbox.history_id
            records = [
                record
                for record in mailbox.history
                if record.id > after
                and record.kind in kinds
                and (label_id is None or label_id in record.label_ids)
            ]
        page = records[:max_results]
        body: dict = {"historyId": str(current)}
        if page:
            body["history"] = [_history_json(record) for record in page]
        if len(records) > max_results:
            body["nextPageToken"] = str(page[-1].id)
        return body

    # -- watch ---------------------------------------------------------------------------------

    def watch(self, email: str, request: Mapping[str, object]) -> dict:
        """Register (or renew) a watch; return {historyId, expiration}."""
        topic_name = request.get("topicName")
        if not isinstance(topic_name, str) or not _TOPIC_NAME.fullmatch(topic_name):
            raise invalid_argument(
                "Invalid topicName does not match projects/SOME-PROJECT/topics/SOME-TOPIC"
            )
        labels = request.get("labelIds") or []
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            raise invalid_argument("labelIds must be a list of label ids.")
        behavior = request.get("labelFilterBehavior") or request.get("labelFilterAction")
        behavior = str(behavior or "include").lower()
        if behavior not in ("include", "exclude"):
            raise invalid_argument("labelFilterBehavior must be INCLUDE or EXCLUDE.")
        with self._lock:
            mailbox = self._mailbox(email)
            expiration = self._now_ms() + WATCH_LIFETIME_MS
            mailbox.watch = Watch(
                topic_name, tuple(labels), behavior, expiration, mailbox.history_id
            )
            return {"historyId": str(mailbox.history_id), "expiration": str(expiration)}

    def stop(self, email: str) -> None:
        """Remove the mailbox's watch (users.stop)."""
        with self._lock:
            self._mailbox(email).watch = None

    def expire_watch(self, email: str) -> None:
        """Make the mailbox's watch lapse now: it stays registered but stops notifying."""
        with self._lock:
            watch = self._mailbox(email).watch
            if watch is not None:
                watch.expiration_ms = self._now_ms()

    def watch_info(self, email: str) -> dict | None:
        """Return the mailbox's watch as JSON, or None."""
        with self._lock:
            watch = self._mailbox(email).watch
            if watch is None:
                return None
            return {
                "topicName": watch.topic_name,
                "labelIds": list(watch.label_ids),
                "labelFilterBehavior": watch.label_filter_behavior,
                "expiration": str(watch.expiration_ms),
                "active": watch.expiration_ms > self._now_ms(),
            }

    # -- grants and stats ------------------------------------------------------------------------

    def grant(
        self,
        email: str,
        scopes: Sequence[str] = (READONLY_SCOPE,),
        *,
        client_id: str = "applytrack-local-client",
    ) -> dict:
        """Grant tokens without the consent page; creates the mailbox if missing."""
        if isinstance(scopes, str) or not all(isinstance(s, str) for s in scopes):
            raise SandboxInputError("scopes must be a list of OAuth scope strings.")
        with self._lock:
            mailbox = self._mailbox_or_new(email)
        return self.tokens.grant(mailbox.email, scopes, client_id=client_id)

    def revoke_all(self, email: str) -> dict:
        """Revoke every token of a mailbox (its refresh tokens then get invalid_grant)."""
        with self._lock:
            mailbox = self._mailbox(email)
        return {"revoked": self.tokens.revoke_all(mailbox.email)}

    def stats(self, email: str) -> dict:
        """Return quota use, 429s, calls per method and the watch of one mailbox."""
        with self._lock:
            profile = self.profile(email)
            floor = self._mailbox(email).history_floor
        stats = self.quota.stats(profile["emailAddress"])
        stats["watch"] = self.watch_info(email)
        stats["messagesTotal"] = profile["messagesTotal"]
        stats["historyId"] = profile["historyId"]
        stats["oldestValidStartHistoryId"] = str(floor)
        return stats

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)


def _check_address(email: object) -> str:
    if not isinstance(email, str) or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise SandboxInputError(f"{email!r} is not an email address (like jane@example.com).")
    return email.lower()


def _label_list(value: object) -> list[str]:
    if value is None:
        return list(DEFAULT_LABELS)
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise SandboxInputError("labelIds must be a list of label ids such as ['INBOX', 'UNREAD'].")
    if not all(isinstance(label, str) and label for label in value):
        raise SandboxInputError("labelIds must hold non-empty strings.")
    return list(dict.fromkeys(value))


def _optional_text(message: Mapping[str, object], name: str) -> str | None:
    value = message.get(name)
    if value is not None and not isinstance(value, str):
        raise SandboxInputError(f"{name} must be a string.")
    return value


def _list_key(message: StoredMessage) -> tuple[int, str]:
    return (message.internal_date_ms, message.id)


def _encode_list_token(key: tuple[int, str]) -> str:
    return f"{key[0]}.{key[1]}"


def _decode_list_token(token: str) -> tuple[int, str]:
    date_ms, _, message_id = token.partition(".")
    try:
        return (int(date_ms), message_id) if message_id else _bad_token()
    except ValueError:
        return _bad_token()


def _bad_token() -> tuple[int, str]:
    raise invalid_argument("Invalid pageToken.")


def _history_json(record: HistoryRecord) -> dict:
    ref = {"id": record.message_id, "threadId": record.thread_id}
    detail = {"message": {**ref, "labelIds": list(record.label_ids)}}
    key = "messagesAdded" if record.kind == "messageAdded" else "messagesDeleted"
    return {"id": str(record.id), "messages": [ref], key: [detail]}
