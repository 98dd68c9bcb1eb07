"""The scheduler's and the sync-lag metric's reads: sized by what is due, and deciding exactly what
reading every mailbox decided (SQLite and PostgreSQL)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from messaging.inprocess import InProcessQueue
from processors.scheduler import Schedule, Scheduler
from storage import Database, MailboxState, Store, Tier
from storage.models import Mailbox
from tests.sync_testkit import FakeClock

pytestmark = pytest.mark.unit

SCHEDULE = Schedule(free_poll_seconds=300, premium_sweep_seconds=1800)
# Around each cutoff, so that both sides of every comparison are drawn.
SYNCED_SECONDS_AGO = (None, 0, 299, 300, 301, 1799, 1800, 1801, 90_000)
WATCH_SECONDS_LEFT = (None, -10, 0, 86_399, 86_400, 86_401, 7 * 86_400)


def _set_row(database: Database, mailbox_id: int, **values: object) -> None:
    with database.session() as session:
        session.execute(update(Mailbox).where(Mailbox.id == mailbox_id).values(**values))


def _mixed_mailboxes(store: Store, database: Database, now: datetime, count: int) -> None:
    draw = random.Random(15)
    for number in range(count):
        user_id = store.create_user(f"user{number}@example.com")
        tier = draw.choice([Tier.FREE, Tier.PREMIUM])
        mailbox_id = store.connect_mailbox(
            user_id, f"box{number}@gmail.com", tier=tier, refresh_token=None
        )
        synced, watch = draw.choice(SYNCED_SECONDS_AGO), draw.choice(WATCH_SECONDS_LEFT)
        _set_row(
            database,
            mailbox_id,
            state=draw.choice(list(MailboxState)),
            history_cursor=draw.choice([None, 1000 + number]),
            last_sync_at=None if synced is None else now - timedelta(seconds=synced),
            watch_expiration=None if watch is None else now + timedelta(seconds=watch),
        )


def test_the_scheduler_enqueues_what_a_look_at_every_mailbox_would(
    store: Store, database: Database, clock: FakeClock
) -> None:
    now = clock.wall()
    _mixed_mailboxes(store, database, now, 120)
    scheduler = Scheduler(store, InProcessQueue(), SCHEDULE)
    expected = {
        mailbox.id: reason
        for mailbox in store.mailboxes()
        if (reason := scheduler.due(mailbox, now)) is not None
    }

    published = scheduler.run_once(now)

    assert expected, "the drawn mailboxes must include due ones"
    assert {message.mailbox_id: message.reason for message in published} == expected
    assert {"poll", "renewal"} <= set(expected.values())


def test_only_mailboxes_that_may_be_due_are_read(
    store: Store, database: Database, clock: FakeClock
):
    now = clock.wall()
    _mixed_mailboxes(store, database, now, 60)

    maybe_due = store.mailboxes_maybe_due(
        renew_by=now + timedelta(days=1),
        premium_synced_before=now - timedelta(seconds=1800),
        free_synced_before=now - timedelta(seconds=300),
    )

    everything = store.mailboxes()
    assert {m.id for m in maybe_due} < {m.id for m in everything}  # a strict subset
    assert all(mailbox.state is MailboxState.ACTIVE for mailbox in maybe_due)


def test_a_mailbox_synced_just_now_is_not_read_again(store: Store, database: Database, clock):
    now = clock.wall()
    user_id = store.create_user("fresh@example.com")
    mailbox_id = store.connect_mailbox(
        user_id, "fresh@gmail.com", tier=Tier.FREE, refresh_token=None
    )
    _set_row(database, mailbox_id, last_sync_at=now - timedelta(seconds=10))

    cutoffs = {"renew_by": now + timedelta(days=1), "premium_synced_before": now}
    assert (
        store.mailboxes_maybe_due(**cutoffs, free_synced_before=now - timedelta(seconds=300)) == []
    )
    due = store.mailboxes_maybe_due(**cutoffs, free_synced_before=now - timedelta(seconds=5))
    assert [mailbox.id for mailbox in due] == [mailbox_id]


def test_the_oldest_sync_per_tier_counts_only_active_synced_mailboxes(
    store: Store, database: Database, clock: FakeClock
) -> None:
    now = clock.wall()
    rows = [
        (Tier.FREE, MailboxState.ACTIVE, 180),
        (Tier.FREE, MailboxState.ACTIVE, 540),
        (Tier.FREE, MailboxState.DISCONNECTED, 30_000),  # not synced any more
        (Tier.FREE, MailboxState.ACTIVE, None),  # never synced yet
        (Tier.PREMIUM, MailboxState.RECONNECT_NEEDED, 9_000),
    ]
    for number, (tier, state, seconds_ago) in enumerate(rows):
        user_id = store.create_user(f"lag{number}@example.com")
        mailbox_id = store.connect_mailbox(
            user_id, f"lag{number}@gmail.com", tier=tier, refresh_token=None
        )
        synced = None if seconds_ago is None else now - timedelta(seconds=seconds_ago)
        _set_row(database, mailbox_id, state=state, last_sync_at=synced)

    assert store.oldest_sync_by_tier() == {Tier.FREE: now - timedelta(seconds=540)}
