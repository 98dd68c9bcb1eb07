"""The per-mailbox Gmail quota: admitted in memory under the lease and handed on with it, on
SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from processors.quota import MailboxQuota, QuotaPolicy
from storage import Store, Tier
from tests.sync_testkit import CLOCK_START, FakeClock

POLICY = QuotaPolicy(units_per_second=250.0, window_seconds=1.0, margin_seconds=0.05)
START = CLOCK_START.timestamp()  # where the `clock` fixture starts, in seconds since the epoch


def quota(clock: FakeClock, spends: tuple[tuple[float, int], ...] = ()) -> MailboxQuota:
    return MailboxQuota(POLICY, spends, sleep=clock.sleep, clock=clock)


@pytest.fixture
def mailbox_id(store: Store) -> int:
    user_id = store.create_user("quota@applytrack.test")
    return store.connect_mailbox(user_id, "quota@gmail.com", tier=Tier.FREE, refresh_token="r")


def test_a_holder_uses_the_whole_budget_then_waits_for_the_window(clock: FakeClock) -> None:
    gate = quota(clock)
    for _ in range(50):  # 50 messages.get: exactly the 250 units of one window
        gate.spend(5)
    assert clock.slept == []
    gate.spend(5)
    # The first spend leaves the window (1 s + margin) after it was made.
    assert clock.slept == [pytest.approx(POLICY.span)]
    assert gate.waited_seconds == pytest.approx(POLICY.span)


def test_a_spend_larger_than_the_budget_goes_through_on_an_empty_window(clock: FakeClock) -> None:
    gate = quota(clock)
    gate.spend(300)
    assert clock.slept == []
    gate.spend(1)
    assert clock.slept == [pytest.approx(POLICY.span)]


def test_what_is_handed_on_is_only_what_still_counts(clock: FakeClock) -> None:
    gate = quota(clock)
    gate.spend(100)
    clock.advance(0.6)
    gate.spend(2)
    clock.advance(0.6)  # the 100 units are 1.2 s old now, past the 1.05 s window
    assert gate.spends() == [(START + 0.6, 2)]


def test_the_next_holder_starts_from_the_window_the_last_one_released(
    store, mailbox_id, clock: FakeClock
):
    leased = store.lease_mailbox(mailbox_id, "worker-a", ttl_seconds=60)
    first = quota(clock, leased.quota_spends)
    for _ in range(48):
        first.spend(5)  # 240 units
    store.release_lease(mailbox_id, "worker-a", quota_spends=first.spends())

    clock.advance(0.2)
    leased = store.lease_mailbox(mailbox_id, "worker-b", ttl_seconds=60)  # another process
    assert sum(units for _, units in leased.quota_spends) == 240
    second = quota(clock, leased.quota_spends)
    second.spend(5)  # 245: still room
    assert clock.slept == []
    second.spend(10)  # 255 would break the limit: wait until the first spends leave the window
    assert clock.slept == [pytest.approx(POLICY.span - 0.2)]


def test_a_release_by_a_worker_that_lost_the_lease_hands_nothing_on(store, mailbox_id):
    store.lease_mailbox(mailbox_id, "worker-a", ttl_seconds=60)
    store.release_lease(mailbox_id, "worker-a", quota_spends=[(START, 5)])
    store.lease_mailbox(mailbox_id, "worker-b", ttl_seconds=60)
    store.release_lease(mailbox_id, "worker-a", quota_spends=[(START + 1, 250)])  # not its lease
    leased = store.lease_mailbox(mailbox_id, "worker-b", ttl_seconds=60)
    assert leased.quota_spends == ((START, 5),)


def test_an_unreadable_window_counts_as_empty_and_the_lease_still_works(store, mailbox_id):
    with store.database.engine.begin() as connection:
        connection.execute(
            text("UPDATE mailboxes SET quota_window = 'not json' WHERE id = :id"),
            {"id": mailbox_id},
        )
    leased = store.lease_mailbox(mailbox_id, "worker-a", ttl_seconds=60)
    assert leased is not None
    assert leased.quota_spends == ()
