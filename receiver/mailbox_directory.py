"""Which mailbox a Gmail address belongs to, remembered briefly so pushes skip the database.

Only mailboxes that are not disconnected are remembered, and never a miss: a mailbox connected a
moment ago is found at once, and a notification is never dropped because of the cache. A mailbox
disconnected within the cache's lifetime may still get a `mailbox-changed`, which the processor
ignores because it checks the mailbox's state itself.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from storage import MailboxState, MailboxView, Store

log = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 10.0
# Recording every push would add a database write per notification; a minute's precision is
# plenty to notice a push channel that went quiet.
PUSH_TIME_PRECISION = timedelta(minutes=1)


class MailboxDirectory:
    """Finds connected mailboxes by address and records when they were last pushed."""

    def __init__(
        self,
        store: Store,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._ttl = ttl_seconds
        self._clock = clock
        self._now = now
        self._found: dict[str, tuple[float, MailboxView]] = {}
        self._pushed_at: dict[int, datetime] = {}
        self._lock = threading.Lock()

    def connected_mailbox(self, address: str) -> MailboxView | None:
        """The mailbox for ``address`` unless there is none or it is disconnected."""
        key = Store.canonical_email(address)
        with self._lock:
            cached = self._found.get(key)
        if cached is not None and self._clock() < cached[0]:
            return cached[1]
        mailbox = self._store.mailbox_by_address(address)
        if mailbox is None or mailbox.state == MailboxState.DISCONNECTED:
            with self._lock:
                self._found.pop(key, None)
            return None
        with self._lock:
            self._found[key] = (self._clock() + self._ttl, mailbox)
            if mailbox.last_push_at is not None:
                self._pushed_at.setdefault(mailbox.id, _aware(mailbox.last_push_at))
        return mailbox

    def note_push(self, mailbox_id: int) -> None:
        """Record the push time in the database, at most once a minute per mailbox."""
        now = self._now()
        with self._lock:
            last = self._pushed_at.get(mailbox_id)
            if last is not None and now - last < PUSH_TIME_PRECISION:
                return
            self._pushed_at[mailbox_id] = now
        # Best effort: the change is already queued, so a failure here must not make Pub/Sub
        # deliver it again.
        try:
            self._store.record_push(mailbox_id, at=now)
        except Exception:
            log.exception("could not record the push time", extra={"mailbox_id": mailbox_id})


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
