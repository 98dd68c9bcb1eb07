"""Writers that race: separate engines (as separate processes would have) on one database."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import func, select

from storage import Database, Label, Store
from storage.models import EmailRecord, StatusEvent


def _race(workers: list[Callable[[], Any]]) -> list[Any]:
    """Run the callables at the same moment, each on its own thread; return their results."""
    barrier = threading.Barrier(len(workers))

    def run(work: Callable[[], Any]) -> Any:
        barrier.wait()
        return work()

    with ThreadPoolExecutor(max_workers=len(workers)) as pool:
        return [future.result() for future in [pool.submit(run, w) for w in workers]]


def _second_store(any_database_url: str, cipher, clock) -> tuple[Database, Store]:
    database = Database(any_database_url)
    return database, Store(database, cipher, clock=clock.wall)


def test_two_writers_racing_on_the_same_emails_write_one_event_each(
    any_database_url, database, store, cipher, clock, mailbox_id, make_email
):
    emails = [
        make_email(label=label, company=f"Company {n % 3}", thread_id=f"race-{n % 5}")
        for n, label in enumerate([Label.APPLIED, Label.INTERVIEWING, Label.OFFER] * 6)
    ]
    other_database, other_store = _second_store(any_database_url, cipher, clock)
    try:
        outcomes = _race(
            [
                lambda: store.apply_sync_batch(mailbox_id, "worker-a", emails, new_cursor=100),
                lambda: other_store.apply_sync_batch(mailbox_id, "worker-a", emails, new_cursor=90),
            ]
        )
    finally:
        other_database.dispose()

    assert sum(outcome.emails_new for outcome in outcomes) == len(emails)
    assert sum(o.events_written + o.events_logged for o in outcomes) == len(emails)
    with database.session(read_only=True) as session:
        per_email = session.execute(
            select(StatusEvent.email_record_id, func.count()).group_by(StatusEvent.email_record_id)
        ).all()
        records = session.scalar(select(func.count()).select_from(EmailRecord))
    assert records == len(emails)
    assert sorted(count for _, count in per_email) == [1] * len(emails)
    assert store.mailbox(mailbox_id).history_cursor == 100


def test_only_one_of_two_racing_owners_gets_the_lease(any_database_url, store, cipher, clock):
    user_id = store.create_user("racer@example.com")
    mailbox_id = store.connect_mailbox(user_id, "racer@gmail.com", tier="free", refresh_token=None)
    other_database, other_store = _second_store(any_database_url, cipher, clock)
    take_a = functools.partial(store.acquire_lease, mailbox_id, "worker-a", ttl_seconds=30)
    take_b = functools.partial(other_store.acquire_lease, mailbox_id, "worker-b", ttl_seconds=30)
    try:
        for round_number in range(5):
            store.release_lease(mailbox_id, "worker-a")
            store.release_lease(mailbox_id, "worker-b")
            results = _race([take_a, take_b])
            assert sorted(results) == [False, True], f"round {round_number}: {results}"
    finally:
        other_database.dispose()


def test_the_readiness_ping_does_not_wait_for_a_writer(any_database_url, database):
    probe = Database(any_database_url)
    answered = threading.Event()
    try:
        with database.session():  # a writer: on SQLite it holds the write lock until it ends
            thread = threading.Thread(target=lambda: (probe.ping(), answered.set()))
            thread.start()
            assert answered.wait(timeout=5), "the ping queued behind the writer"
        thread.join(timeout=5)
    finally:
        probe.dispose()
