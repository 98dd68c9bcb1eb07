"""The scheduler's backlog sweep, on a real database: what is behind, what it enqueues, the lag."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from messaging import MailboxChanged
from messaging.inprocess import InProcessQueue
from processors import Schedule, Scheduler, SchedulerMetrics
from processors.scheduler import BacklogClock
from storage import BehindMailbox, LeasedMailbox, MailboxState, Store, Tier

NOW = datetime.now(UTC)


def _mailbox(store: Store, name: str, *, cursor: int | None = 100) -> int:
    user_id = store.create_user(f"{name}@example.com")
    mailbox_id = store.connect_mailbox(
        user_id, f"{name}@gmail.com", tier=Tier.FREE, refresh_token="t"
    )
    if cursor is not None:  # synced once: the cursor is set, and no poll is due
        assert store.acquire_lease(mailbox_id, "setup", ttl_seconds=60)
        store.apply_sync_batch(mailbox_id, "setup", [], new_cursor=cursor)
        store.release_lease(mailbox_id, "setup")
    return mailbox_id


def _scheduler(store: Store, queue: InProcessQueue, metrics: SchedulerMetrics | None = None):
    # Polls far away, so that only the sweep publishes.
    schedule = Schedule(
        free_poll_seconds=10**6, premium_sweep_seconds=10**6, behind_sweep_seconds=60
    )
    return Scheduler(store, queue, schedule, observer=metrics)


def test_the_sweep_enqueues_mailboxes_behind_with_no_live_lease(store):
    stalled = _mailbox(store, "stalled")
    syncing = _mailbox(store, "syncing")
    _mailbox(store, "idle")
    disconnected = _mailbox(store, "gone")
    # A worker recorded a push for each, then the first one's worker died (its lease expired).
    leased = store.request_sync(stalled, "dead-worker", ttl_seconds=0.2, history_id=150)
    assert isinstance(leased, LeasedMailbox)
    assert isinstance(
        store.request_sync(syncing, "live", ttl_seconds=60, history_id=120), LeasedMailbox
    )
    store.request_sync(disconnected, "w", ttl_seconds=60, history_id=130)
    store.set_mailbox_state(disconnected, MailboxState.DISCONNECTED)
    time.sleep(0.3)

    queue, metrics = InProcessQueue(), SchedulerMetrics()
    published = _scheduler(store, queue, metrics).sweep()

    assert published == [MailboxChanged(stalled, 150, "sweep")]
    value = metrics.registry.get_sample_value
    assert value("applytrack_mailboxes_behind", {"lease": "none"}) == 1
    assert value("applytrack_mailboxes_behind", {"lease": "held"}) == 1


def test_a_mailbox_never_synced_is_behind_once_a_sync_was_asked_for(store):
    fresh = _mailbox(store, "fresh", cursor=None)
    assert store.behind_mailboxes() == []
    store.request_sync(fresh, "dies", ttl_seconds=0.1)  # the initial sync's message
    store.release_lease(fresh, "dies")
    assert [(m.mailbox_id, m.history_cursor) for m in store.behind_mailboxes()] == [(fresh, None)]


def test_wanted_ids_above_2_63_are_compared_as_numbers(store):
    mailbox_id = _mailbox(store, "huge", cursor=2**63 + 9)
    store.request_sync(mailbox_id, "w", ttl_seconds=60, history_id=2**63 + 10)
    store.release_lease(mailbox_id, "w")
    assert [m.wanted_history_id for m in store.behind_mailboxes()] == [2**63 + 10]
    covered = store.request_sync(mailbox_id, "w", ttl_seconds=60, history_id=2**63 + 9)
    assert not isinstance(covered, LeasedMailbox)


def test_the_sweep_runs_once_per_interval(store):
    mailbox_id = _mailbox(store, "again")
    store.request_sync(mailbox_id, "w", ttl_seconds=60, history_id=101)
    store.release_lease(mailbox_id, "w")
    queue = InProcessQueue()
    scheduler = _scheduler(store, queue)

    def sweeps(at: datetime) -> list[MailboxChanged]:
        return [m for m in scheduler.run_once(at) if m.reason == "sweep"]

    assert sweeps(NOW) == [MailboxChanged(mailbox_id, 101, "sweep")]
    assert sweeps(NOW + timedelta(seconds=30)) == []
    assert len(sweeps(NOW + timedelta(seconds=61))) == 1


def test_a_mailbox_polled_in_the_same_tick_is_not_also_swept(store):
    never_synced = _mailbox(store, "never", cursor=None)
    store.request_sync(never_synced, "w", ttl_seconds=60)
    store.release_lease(never_synced, "w")
    published = _scheduler(store, InProcessQueue()).run_once(NOW)
    assert [m.reason for m in published] == ["poll"]


def test_the_backlog_age_is_the_oldest_unsatisfied_want():
    clock = BacklogClock()

    def behind(mailbox_id: int, wanted: int, cursor: int) -> BehindMailbox:
        return BehindMailbox(mailbox_id, wanted, cursor, leased=False)

    assert clock.update([behind(1, 10, 5)], NOW).oldest_seconds == 0
    later = NOW + timedelta(seconds=90)
    # Still short of 10 (though more is wanted now): waiting since the first sweep saw it.
    assert clock.update([behind(1, 12, 8), behind(2, 7, 1)], later).oldest_seconds == 90
    # Mailbox 1 reached 10 and is behind again on a newer want: its clock starts again.
    latest = later + timedelta(seconds=60)
    backlog = clock.update([behind(1, 15, 12), behind(2, 7, 1)], latest)
    assert (backlog.unleased, backlog.oldest_seconds) == (2, 60)
    assert clock.update([], latest).oldest_seconds == 0
