"""Mailbox leases, on both databases: who holds one, what a lease reads, and why one is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage import (
    LeasedMailbox,
    LeaseRefusal,
    LeaseRefused,
    MailboxState,
    NotFound,
    Store,
)
from tests.storage.storage_testkit import ABOVE_SIGNED_64, TWENTY_DIGITS, lease_columns


def _set_cursor(store: Store, mailbox_id: int, cursor: int, clock) -> None:
    store.record_watch(mailbox_id, history_id=cursor, expiration=clock.wall() + timedelta(days=7))


def test_a_lease_is_held_by_one_owner_until_released_or_expired(store, mailbox_id, clock):
    assert not store.acquire_lease(mailbox_id, "worker-b", ttl_seconds=60)
    assert store.acquire_lease(mailbox_id, "worker-a", ttl_seconds=60)  # renewing our own

    clock.advance(59)
    assert not store.acquire_lease(mailbox_id, "worker-b", ttl_seconds=60)
    clock.advance(2)
    assert store.acquire_lease(mailbox_id, "worker-b", ttl_seconds=60)
    assert not store.acquire_lease(mailbox_id, "worker-a", ttl_seconds=60)

    store.release_lease(mailbox_id, "worker-a")  # not ours any more: no effect
    assert not store.acquire_lease(mailbox_id, "worker-a", ttl_seconds=60)
    store.release_lease(mailbox_id, "worker-b")
    assert store.acquire_lease(mailbox_id, "worker-a", ttl_seconds=60)


def test_lease_arguments_are_checked(store, mailbox_id):
    with pytest.raises(ValueError, match="ttl_seconds must be positive"):
        store.acquire_lease(mailbox_id, "worker-a", ttl_seconds=0)
    with pytest.raises(ValueError, match="non-empty"):
        store.acquire_lease(mailbox_id, "", ttl_seconds=5)
    with pytest.raises(ValueError, match="non-empty"):
        store.lease_mailbox(mailbox_id, "", ttl_seconds=5)


def test_lease_mailbox_reads_the_mailbox_and_token_under_the_lease_it_takes(
    store, mailbox_id, clock
):
    store.set_refresh_token(mailbox_id, "1//leased")
    _set_cursor(store, mailbox_id, 77, clock)

    leased = store.lease_mailbox(mailbox_id, "worker-a", ttl_seconds=60)

    assert isinstance(leased, LeasedMailbox)
    assert leased.refresh_token == "1//leased"
    assert leased.mailbox == store.mailbox(mailbox_id)
    assert leased.mailbox.history_cursor == 77
    assert lease_columns(store, mailbox_id) == ("worker-a", clock.wall() + timedelta(seconds=60))
    clock.advance(61)
    assert isinstance(store.lease_mailbox(mailbox_id, "worker-b", ttl_seconds=60), LeasedMailbox)
    assert not store.acquire_lease(mailbox_id, "worker-a", ttl_seconds=60)


def test_an_unknown_mailbox_is_not_found_rather_than_refused(store):
    with pytest.raises(NotFound, match="no mailbox with id 404"):
        store.lease_mailbox(404, "worker-a", ttl_seconds=60)
    with pytest.raises(NotFound, match="no mailbox with id 404"):
        store.lease_mailbox(404, "worker-a", ttl_seconds=60, history_after=5)


def test_busy_names_the_holder_and_takes_nothing(store, mailbox_id, clock):
    held = lease_columns(store, mailbox_id)
    clock.advance(30)

    refused = store.lease_mailbox(mailbox_id, "worker-b", ttl_seconds=60, history_after=10)

    assert refused == LeaseRefused(mailbox_id, LeaseRefusal.BUSY, holder="worker-a")
    assert lease_columns(store, mailbox_id) == held
    clock.advance(31)  # worker-a's lease ran out at its own expiry, not extended by the refusal
    assert isinstance(store.lease_mailbox(mailbox_id, "worker-b", ttl_seconds=60), LeasedMailbox)


@pytest.mark.parametrize("state", [MailboxState.RECONNECT_NEEDED, MailboxState.DISCONNECTED])
def test_inactive_is_refused_and_takes_nothing(store, mailbox_id, state):
    store.release_lease(mailbox_id, "worker-a")
    store.set_mailbox_state(mailbox_id, state)

    refused = store.lease_mailbox(mailbox_id, "worker-b", ttl_seconds=60)

    assert refused == LeaseRefused(mailbox_id, LeaseRefusal.INACTIVE)
    assert lease_columns(store, mailbox_id) == (None, None)


def test_covered_is_refused_and_takes_nothing(store, mailbox_id, clock):
    store.release_lease(mailbox_id, "worker-a")
    _set_cursor(store, mailbox_id, ABOVE_SIGNED_64, clock)

    for history_after in (ABOVE_SIGNED_64 - 1, ABOVE_SIGNED_64):
        refused = store.lease_mailbox(mailbox_id, "w", ttl_seconds=60, history_after=history_after)
        assert refused == LeaseRefused(mailbox_id, LeaseRefusal.COVERED)
    assert lease_columns(store, mailbox_id) == (None, None)

    leased = store.lease_mailbox(mailbox_id, "w", ttl_seconds=60, history_after=ABOVE_SIGNED_64 + 1)
    assert isinstance(leased, LeasedMailbox)
    assert leased.mailbox.history_cursor == ABOVE_SIGNED_64


def test_history_ids_above_2_63_are_compared_as_numbers_not_as_text(store, mailbox_id, clock):
    store.release_lease(mailbox_id, "worker-a")
    _set_cursor(store, mailbox_id, ABOVE_SIGNED_64, clock)
    # As unpadded text "9223..." sorts after "1000...": the 20-digit id must still be ahead.
    leased = store.lease_mailbox(mailbox_id, "w", ttl_seconds=60, history_after=TWENTY_DIGITS)
    assert isinstance(leased, LeasedMailbox)

    store.apply_sync_batch(mailbox_id, "w", [], new_cursor=TWENTY_DIGITS)
    store.release_lease(mailbox_id, "w")
    # And the other way round: the 20-digit cursor has passed the 19-digit id.
    refused = store.lease_mailbox(mailbox_id, "w", ttl_seconds=60, history_after=ABOVE_SIGNED_64)
    assert refused == LeaseRefused(mailbox_id, LeaseRefusal.COVERED)


def test_inactive_comes_before_covered_and_covered_before_busy(store, mailbox_id, clock):
    _set_cursor(store, mailbox_id, 500, clock)  # worker-a holds the lease throughout

    covered = store.lease_mailbox(mailbox_id, "worker-b", ttl_seconds=60, history_after=500)
    assert covered == LeaseRefused(mailbox_id, LeaseRefusal.COVERED)

    store.set_mailbox_state(mailbox_id, MailboxState.RECONNECT_NEEDED)
    inactive = store.lease_mailbox(mailbox_id, "worker-b", ttl_seconds=60, history_after=500)
    assert inactive == LeaseRefused(mailbox_id, LeaseRefusal.INACTIVE)
    assert lease_columns(store, mailbox_id)[0] == "worker-a"


def test_the_owner_is_refused_its_own_lease_of_an_inactive_mailbox(store, mailbox_id):
    store.set_mailbox_state(mailbox_id, MailboxState.DISCONNECTED)
    held = lease_columns(store, mailbox_id)

    refused = store.lease_mailbox(mailbox_id, "worker-a", ttl_seconds=600)

    assert refused == LeaseRefused(mailbox_id, LeaseRefusal.INACTIVE)
    assert lease_columns(store, mailbox_id) == held


def test_the_reason_is_read_in_the_refused_transaction(store, mailbox_id, monkeypatch):
    opened = 0
    session = store.database.session

    def counting_session(**options):
        nonlocal opened
        opened += 1
        return session(**options)

    monkeypatch.setattr(store.database, "session", counting_session)
    refused = store.lease_mailbox(mailbox_id, "worker-b", ttl_seconds=60)

    assert refused.reason is LeaseRefusal.BUSY
    assert opened == 1
