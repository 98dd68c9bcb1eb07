"""Enqueues due polls, safety sweeps and watch renewals: the `scheduler` process."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from messaging import MailboxChanged, Publisher
from storage import MailboxState, MailboxView, Tier

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Schedule:
    """How often each tier is looked at."""

    free_poll_seconds: int = 300
    premium_sweep_seconds: int = 1800
    watch_renew_before_seconds: int = 86400


class MailboxLister(Protocol):
    """Where the scheduler reads the mailboxes from (`storage.Store` is one)."""

    def mailboxes(self) -> list[MailboxView]:
        """Every mailbox."""
        ...


@dataclass
class Scheduler:
    """Decides which mailboxes are due and publishes `mailbox-changed` for them."""

    store: MailboxLister
    publisher: Publisher
    schedule: Schedule
    _last_enqueued: dict[int, datetime] = field(default_factory=dict)

    def due(self, mailbox: MailboxView, now: datetime) -> str | None:
        """The reason this mailbox needs a sync now, or None."""
        if mailbox.state is not MailboxState.ACTIVE:
            return None
        if mailbox.tier is Tier.PREMIUM and mailbox.history_cursor is not None:
            renew_at = now + timedelta(seconds=self.schedule.watch_renew_before_seconds)
            if mailbox.watch_expiration is None or mailbox.watch_expiration <= renew_at:
                return "renewal"
        interval = (
            self.schedule.premium_sweep_seconds
            if mailbox.tier is Tier.PREMIUM
            else self.schedule.free_poll_seconds
        )
        last = max(
            (t for t in (mailbox.last_sync_at, self._last_enqueued.get(mailbox.id)) if t),
            default=None,
        )
        if last is None or now - last >= timedelta(seconds=interval):
            return "poll"
        return None

    def run_once(self, now: datetime | None = None) -> list[MailboxChanged]:
        """Publish a message for every due mailbox and return them."""
        now = now or datetime.now(UTC)
        published = []
        for mailbox in self.store.mailboxes():
            reason = self.due(mailbox, now)
            if reason is None:
                continue
            message = MailboxChanged(mailbox.id, None, reason)
            self.publisher.publish(message)
            self._last_enqueued[mailbox.id] = now
            published.append(message)
            log.info("enqueued %s for mailbox %s", reason, mailbox.id)
        return published

    def run(self, stop: threading.Event, *, tick_seconds: float = 15.0) -> None:
        """Tick until ``stop`` is set."""
        while not stop.is_set():
            try:
                self.run_once()
            except Exception:
                log.exception("scheduler tick failed; trying again next tick")
            stop.wait(tick_seconds)
