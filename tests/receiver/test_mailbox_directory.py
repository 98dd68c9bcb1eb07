"""`MailboxDirectory`: brief caching of found mailboxes, never of misses; throttled push times."""

from __future__ import annotations

from datetime import datetime

import pytest

from receiver.mailbox_directory import MailboxDirectory
from storage import MailboxState, MailboxView, Store, Tier
from tests.sync_testkit import CLOCK_START, FakeClock

pytestmark = pytest.mark.unit


class CountingStore:
    """Passes calls to a real Store and counts the address lookups."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.lookups = 0

    def mailbox_by_address(self, address: str) -> MailboxView | None:
        self.lookups += 1
        return self.store.mailbox_by_address(address)

    def record_push(self, mailbox_id: int, *, at: datetime | None = None) -> None:
        self.store.record_push(mailbox_id, at=at)


@pytest.fixture
def counting(store: Store) -> CountingStore:
    return CountingStore(store)


@pytest.fixture
def directory(counting: CountingStore, clock: FakeClock) -> MailboxDirectory:
    return MailboxDirectory(
        counting,  # type: ignore[arg-type]
        ttl_seconds=10,
        clock=clock,
        now=clock.wall,
    )


def connect(store: Store, address: str = "sam@gmail.com") -> int:
    user_id = store.create_user(f"owner-of-{address}")
    return store.connect_mailbox(user_id, address, tier=Tier.PREMIUM, refresh_token="1//r")


def test_a_found_mailbox_is_remembered_for_the_ttl(
    directory: MailboxDirectory, counting: CountingStore, clock: FakeClock, store: Store
) -> None:
    mailbox_id = connect(store)

    assert directory.connected_mailbox("sam@gmail.com").id == mailbox_id
    clock.advance(9)
    assert directory.connected_mailbox("SAM@gmail.com").id == mailbox_id
    assert counting.lookups == 1

    clock.advance(2)
    assert directory.connected_mailbox("sam@gmail.com").id == mailbox_id
    assert counting.lookups == 2


def test_a_miss_is_never_remembered(
    directory: MailboxDirectory, counting: CountingStore, store: Store
) -> None:
    assert directory.connected_mailbox("sam@gmail.com") is None

    mailbox_id = connect(store)

    assert directory.connected_mailbox("sam@gmail.com").id == mailbox_id
    assert counting.lookups == 2


def test_a_disconnected_mailbox_is_dropped_once_the_ttl_has_passed(
    directory: MailboxDirectory, clock: FakeClock, store: Store
) -> None:
    mailbox_id = connect(store)
    assert directory.connected_mailbox("sam@gmail.com") is not None

    store.set_mailbox_state(mailbox_id, MailboxState.DISCONNECTED)
    clock.advance(11)

    assert directory.connected_mailbox("sam@gmail.com") is None


def test_push_times_are_written_at_most_once_a_minute(
    directory: MailboxDirectory, clock: FakeClock, store: Store
) -> None:
    mailbox_id = connect(store)

    directory.note_push(mailbox_id)
    first = store.mailbox(mailbox_id).last_push_at
    clock.advance(30)
    directory.note_push(mailbox_id)
    assert store.mailbox(mailbox_id).last_push_at == first == CLOCK_START

    clock.advance(31)
    directory.note_push(mailbox_id)
    assert store.mailbox(mailbox_id).last_push_at == clock.wall()
