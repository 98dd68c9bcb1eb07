"""A push's lease and the end of its pass, on both databases: `request_sync` raising the wanted id
as it takes a free lease, and `end_sync_pass` writing a pass's last batch, its finished run and
the lease's release (or keep) in one transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from storage import FinishedRun, LeaseLost, LeaseRefusal, LeaseRefused
from storage.leases import ANOTHER_PASS, LeaseGrant
from tests.storage.storage_testkit import ABOVE_SIGNED_64, TWENTY_DIGITS, lease_columns

TTL = 60


def _push_run(clock, *, seen: int = 1, events: int = 0) -> FinishedRun:
    return FinishedRun("push", clock.wall(), "ok", messages_seen=seen, events_written=events)


def test_a_push_raises_the_wanted_id_as_a_number_and_never_lowers_it(store, mailbox_id, clock):
    store.release_lease(mailbox_id, "worker-a")

    first = store.request_sync(mailbox_id, "b", ttl_seconds=TTL, history_id=ABOVE_SIGNED_64)
    assert isinstance(first, LeaseGrant) and first.wanted_history_id == ABOVE_SIGNED_64
    clock.advance(TTL + 1)  # b died: its lease expired, its want stays
    raised = store.request_sync(mailbox_id, "c", ttl_seconds=TTL, history_id=TWENTY_DIGITS)
    assert isinstance(raised, LeaseGrant) and raised.wanted_history_id == TWENTY_DIGITS

    busy = store.request_sync(mailbox_id, "web", ttl_seconds=TTL, history_id=None)  # Sync Now
    assert isinstance(busy, LeaseRefused) and busy.reason is LeaseRefusal.BUSY
    clock.advance(TTL + 1)
    kept = store.request_sync(mailbox_id, "d", ttl_seconds=TTL, history_id=TWENTY_DIGITS + 1)

    assert isinstance(kept, LeaseGrant) and kept.wanted_history_id == ANOTHER_PASS
    assert lease_columns(store, mailbox_id) == ("d", clock.wall() + timedelta(seconds=TTL))


def test_a_covered_push_takes_nothing(store, mailbox_id, clock):
    store.end_sync_pass(
        mailbox_id,
        "worker-a",
        [],
        new_cursor=500,
        run=_push_run(clock, seen=0),
        wanted_seen=None,
        ttl_seconds=TTL,
    )

    refused = store.request_sync(mailbox_id, "b", ttl_seconds=TTL, history_id=500)

    assert refused == LeaseRefused(mailbox_id, LeaseRefusal.COVERED)
    assert lease_columns(store, mailbox_id) == (None, None)


def test_a_push_opens_a_transaction_only_for_a_busy_mailbox(store, mailbox_id, clock):
    """On PostgreSQL a free or covered mailbox's push commits each statement by itself (no BEGIN
    and COMMIT round trips); a busy one's hand-over is judged and written under the row's lock."""
    if store.database.dialect != "postgresql":
        pytest.skip("SQLite's round trips cost nothing: its sessions keep their transaction")
    from psycopg.pq import TransactionStatus

    statements: list[tuple[str, bool]] = []

    def seen(connection, _cursor, statement, *_args) -> None:
        status = connection.connection.driver_connection.info.transaction_status
        statements.append((statement.split()[0], status is TransactionStatus.INTRANS))

    event.listen(store.database.engine, "after_cursor_execute", seen)
    store.release_lease(mailbox_id, "worker-a")
    statements.clear()

    granted = store.request_sync(mailbox_id, "a", ttl_seconds=TTL, history_id=600)
    assert isinstance(granted, LeaseGrant) and statements == [("UPDATE", False)]
    statements.clear()
    busy = store.request_sync(mailbox_id, "b", ttl_seconds=TTL, history_id=800)
    assert isinstance(busy, LeaseRefused) and busy.holder == "a"
    assert statements[:2] == [("UPDATE", False), ("SELECT", False)]
    assert statements[2:] and all(in_transaction for _, in_transaction in statements[2:])
    ended = store.end_sync_pass(
        mailbox_id,
        "a",
        [],
        new_cursor=700,
        run=_push_run(clock, seen=0),
        wanted_seen=granted.wanted_history_id,
        ttl_seconds=TTL,
    )
    assert ended.next_pass is not None  # b's push was handed over: a syncs once more
    store.release_lease(mailbox_id, "a")
    statements.clear()
    covered = store.request_sync(mailbox_id, "c", ttl_seconds=TTL, history_id=650)
    assert covered == LeaseRefused(mailbox_id, LeaseRefusal.COVERED)
    assert statements == [("UPDATE", False), ("SELECT", False)]


def test_the_last_batch_writes_the_run_and_releases_the_lease(store, mailbox_id, make_email, clock):
    ended = store.end_sync_pass(
        mailbox_id,
        "worker-a",
        [make_email()],
        new_cursor=700,
        run=_push_run(clock, events=2),  # two events in the pass's earlier batches
        wanted_seen=None,
        ttl_seconds=TTL,
    )

    assert ended.next_pass is None
    assert (ended.outcome.emails_new, ended.outcome.events_written) == (1, 1)
    [run] = store.sync_runs(mailbox_id)
    assert (run.id, run.kind, run.status) == (ended.run_id, "push", "ok")
    assert (run.messages_seen, run.events_written) == (1, 3)
    assert run.finished_at == clock.wall()
    assert store.mailbox(mailbox_id).history_cursor == 700
    assert lease_columns(store, mailbox_id) == (None, None)
    assert store.behind_mailboxes() == []


def test_the_last_batch_keeps_the_lease_when_more_was_wanted_meanwhile(
    store, mailbox_id, make_email, clock
):
    granted = store.request_sync(mailbox_id, "worker-a", ttl_seconds=TTL, history_id=600)
    assert isinstance(granted, LeaseGrant)
    busy = store.request_sync(mailbox_id, "worker-b", ttl_seconds=TTL, history_id=800)
    assert isinstance(busy, LeaseRefused) and busy.holder == "worker-a"
    clock.advance(30)

    ended = store.end_sync_pass(
        mailbox_id,
        "worker-a",
        [make_email()],
        new_cursor=700,
        run=_push_run(clock),
        wanted_seen=granted.wanted_history_id,
        ttl_seconds=TTL,
    )

    assert ended.next_pass is not None
    assert ended.next_pass.wanted_history_id == 800
    assert ended.next_pass.mailbox.history_cursor == 700
    assert lease_columns(store, mailbox_id) == ("worker-a", clock.wall() + timedelta(seconds=TTL))
    assert len(store.sync_runs(mailbox_id)) == 1

    last = store.end_sync_pass(
        mailbox_id,
        "worker-a",
        [],
        new_cursor=800,
        run=_push_run(clock, seen=0),
        wanted_seen=800,
        ttl_seconds=TTL,
    )
    assert last.next_pass is None
    assert lease_columns(store, mailbox_id) == (None, None)


def test_a_pass_that_lost_its_lease_writes_nothing(store, mailbox_id, make_email, clock):
    email = make_email()
    clock.advance(TTL + 1)
    assert store.acquire_lease(mailbox_id, "worker-b", ttl_seconds=TTL)

    with pytest.raises(LeaseLost):
        store.end_sync_pass(
            mailbox_id,
            "worker-a",
            [email],
            new_cursor=700,
            run=_push_run(clock),
            wanted_seen=None,
            ttl_seconds=TTL,
        )

    assert store.sync_runs(mailbox_id) == []
    assert store.mailbox(mailbox_id).history_cursor is None
    assert store.known_message_ids(mailbox_id, [email.gmail_message_id]) == set()
    assert lease_columns(store, mailbox_id)[0] == "worker-b"
