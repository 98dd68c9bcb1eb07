"""Enqueues due polls, watch renewals and the backlog sweep: the `scheduler` process.

The sweep is the safety net under the queue: every `Schedule.behind_sweep_seconds` it asks the
database for active mailboxes whose wanted history id is ahead of the cursor and enqueues a sync
for each one no worker holds a lease on (its worker died, its sync failed, its message was lost).
It does the same for a deeper historical scan that is running with no lease on its mailbox, so a
scan whose worker died goes on from where it stopped.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from messaging import MailboxChanged, Publisher
from storage import BehindMailbox, MailboxState, MailboxView, Tier

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Schedule:
    """How often each tier is looked at, and how often the backlog is swept."""

    free_poll_seconds: int = 300
    premium_sweep_seconds: int = 1800
    watch_renew_before_seconds: int = 86400
    behind_sweep_seconds: int = 60


class SchedulerStore(Protocol):
    """What the scheduler reads (`storage.Store` is one)."""

    def mailboxes_maybe_due(
        self, *, renew_by: datetime, premium_synced_before: datetime, free_synced_before: datetime
    ) -> list[MailboxView]:
        """Active mailboxes whose watch expires by ``renew_by`` (premium, with a cursor), never
        synced, or last synced before their tier's cutoff."""
        ...

    def behind_mailboxes(self) -> list[BehindMailbox]:
        """Active mailboxes whose wanted history id is ahead of the cursor."""
        ...

    def deep_scans_to_resume(self) -> list[int]:
        """Active mailboxes with a running deeper scan and no live lease."""
        ...


@dataclass(frozen=True)
class Backlog:
    """What a sweep found: mailboxes behind, with and without a live lease, and how long the
    oldest unsatisfied wanted id has been waiting (as the sweeps saw it)."""

    leased: int = 0
    unleased: int = 0
    oldest_seconds: float = 0.0


class BacklogObserver(Protocol):
    """Told what each sweep found (the scheduler's metrics)."""

    def backlog_seen(self, backlog: Backlog) -> None:
        """A sweep finished."""
        ...


@dataclass
class BacklogClock:
    """When each behind mailbox's oldest unsatisfied wanted id was first seen by a sweep."""

    _since: dict[int, tuple[int, datetime]] = field(default_factory=dict)

    def update(self, behind: list[BehindMailbox], now: datetime) -> Backlog:
        """Track the mailboxes behind now; forget the ones that caught up."""
        seen: dict[int, tuple[int, datetime]] = {}
        for mailbox in behind:
            first = self._since.get(mailbox.mailbox_id)
            cursor = mailbox.history_cursor
            caught_up = first is not None and cursor is not None and cursor >= first[0]
            seen[mailbox.mailbox_id] = (
                first if first and not caught_up else (mailbox.wanted_history_id, now)
            )
        self._since = seen
        oldest = min((since for _, since in seen.values()), default=now)
        leased = sum(1 for mailbox in behind if mailbox.leased)
        return Backlog(leased, len(behind) - leased, (now - oldest).total_seconds())


@dataclass
class Scheduler:
    """Decides which mailboxes are due and publishes `mailbox-changed` for them."""

    store: SchedulerStore
    publisher: Publisher
    schedule: Schedule
    observer: BacklogObserver | None = None
    _last_enqueued: dict[int, datetime] = field(default_factory=dict)
    _last_sweep: datetime | None = None
    _backlog: BacklogClock = field(default_factory=BacklogClock)

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
        """Publish a message for every due mailbox (and, when due, sweep); return them."""
        now = now or datetime.now(UTC)
        published = []
        for mailbox in self._maybe_due(now):
            reason = self.due(mailbox, now)
            if reason is None:
                continue
            published.append(self._publish(MailboxChanged(mailbox.id, None, reason), now))
        if self._sweep_due(now):
            published += self.sweep(now, already={message.mailbox_id for message in published})
        return published

    def _maybe_due(self, now: datetime) -> list[MailboxView]:
        """The mailboxes `due` may pick, read without loading every mailbox."""
        schedule = self.schedule
        return self.store.mailboxes_maybe_due(
            renew_by=now + timedelta(seconds=schedule.watch_renew_before_seconds),
            premium_synced_before=now - timedelta(seconds=schedule.premium_sweep_seconds),
            free_synced_before=now - timedelta(seconds=schedule.free_poll_seconds),
        )

    def sweep(
        self, now: datetime | None = None, *, already: set[int] | None = None
    ) -> list[MailboxChanged]:
        """Enqueue a sync of every mailbox behind its wanted id with no live lease, and the
        deeper scan of every mailbox whose scan is running unleased (except those in
        ``already``, just enqueued for another reason: any pass goes on with a running scan)."""
        now = now or datetime.now(UTC)
        self._last_sweep = now
        behind = self.store.behind_mailboxes()
        backlog = self._backlog.update(behind, now)
        if self.observer is not None:
            self.observer.backlog_seen(backlog)
        skip = set(already or ())
        published = [
            self._publish(MailboxChanged(m.mailbox_id, m.wanted_history_id, "sweep"), now)
            for m in behind
            if not m.leased and m.mailbox_id not in skip
        ]
        skip.update(message.mailbox_id for message in published)
        return published + [
            self._publish(MailboxChanged(mailbox_id, None, "deep_scan"), now)
            for mailbox_id in self.store.deep_scans_to_resume()
            if mailbox_id not in skip
        ]

    def _sweep_due(self, now: datetime) -> bool:
        interval = timedelta(seconds=self.schedule.behind_sweep_seconds)
        return self._last_sweep is None or now - self._last_sweep >= interval

    def _publish(self, message: MailboxChanged, now: datetime) -> MailboxChanged:
        self.publisher.publish(message)
        self._last_enqueued[message.mailbox_id] = now
        log.info(
            "enqueued %s for mailbox %s",
            message.reason,
            message.mailbox_id,
            extra={"mailbox_id": message.mailbox_id},
        )
        return message

    def run(self, stop: threading.Event, *, tick_seconds: float = 15.0) -> None:
        """Tick until ``stop`` is set (at least once per sweep interval)."""
        tick = min(tick_seconds, float(self.schedule.behind_sweep_seconds))
        while not stop.is_set():
            try:
                self.run_once()
            except Exception:
                log.exception("scheduler tick failed; trying again next tick")
            stop.wait(tick)
