"""The sync engine under load and failure, on real parts: the sandbox over HTTP (with Gmail's quota
rules and injected faults), google-api-python-client, the real classifier, SQLite and PostgreSQL."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import requests
from sqlalchemy import text

from applytrack.settings import Settings
from applytrack.worker_wiring import mailbox_connector, sync_policy
from gmail import GmailClient
from messaging import MailboxChanged
from messaging.inprocess import InProcessQueue
from processors import MailboxSyncer, Schedule, Scheduler, SyncOutcome, SyncPhase, SyncProgress
from sandbox import SandboxServer
from storage import Store, Tier
from tests import sync_testkit
from tests.sync_testkit import (
    REPO_ROOT,
    doubled_events,
    event_count,
    inbox_ids,
    process_env,
    recorded_ids,
)


def syncer_for(settings: Settings, store: Store, classifier, worker: str) -> MailboxSyncer:
    policy = sync_policy(settings, worker=worker)
    return MailboxSyncer(store, classifier, mailbox_connector(settings), policy)


def generated_mailbox(
    sandbox: SandboxServer, store: Store, *, count: int, tier: Tier = Tier.FREE
) -> tuple[int, int, str]:
    return sync_testkit.generated_mailbox(sandbox, store, count=count, tier=tier, job_share=0.2)


def recorded(store: Store, mailbox_id: int) -> dict[str, int]:
    """Raw counts: records, duplicate message ids, events, and records with two events."""
    ids = recorded_ids(store, mailbox_id)
    return {
        "records": len(ids),
        "duplicate_ids": len(ids) - len(set(ids)),
        "events": event_count(store, mailbox_id),
        "doubled_events": doubled_events(store, mailbox_id),
    }


def test_backfill_of_3000_messages_records_each_once(sandbox, store, settings, classifier):
    _, mailbox_id, address = generated_mailbox(sandbox, store, count=3000)
    expected = inbox_ids(settings, sandbox, address)
    progress: list[SyncProgress] = []
    syncer = MailboxSyncer(
        store,
        classifier,
        mailbox_connector(settings),
        sync_policy(settings, worker="backfill"),
        on_progress=progress.append,
    )

    result = syncer.handle(MailboxChanged(mailbox_id, None, "initial"))

    counts = recorded(store, mailbox_id)
    assert result.messages_seen == len(expected) == counts["records"]
    assert counts["duplicate_ids"] == counts["doubled_events"] == 0
    assert counts["events"] > 0
    rest, first = store.sync_runs(mailbox_id)[:2]
    assert (first.kind, rest.kind) == ("initial:job_mail_first", "initial:rest_of_window")
    assert first.total + rest.total == len(expected), "the window split in two, nothing twice"
    assert (rest.status, rest.processed) == ("ok", rest.total)
    assert first.messages_seen + rest.messages_seen == result.messages_seen
    assert [p.phase for p in (progress[0], progress[-1])] == list(SyncPhase)
    assert (progress[-1].processed, progress[-1].total) == (rest.total, rest.total)


def test_a_second_run_repeats_no_finished_work(sandbox, store, settings, classifier):
    _, mailbox_id, address = generated_mailbox(sandbox, store, count=300)
    syncer = syncer_for(settings, store, classifier, "first")
    syncer.handle(MailboxChanged(mailbox_id, None, "initial"))
    stats = lambda: requests.get(f"{sandbox.url}/sandbox/users/{address}/stats", timeout=5).json()  # noqa: E731
    gets_before = stats()["calls"].get("users.messages.get", 0)

    # Forget the cursor, as if the first run had died before its last chunk.
    with store.database.engine.begin() as connection:
        connection.execute(
            text("UPDATE mailboxes SET history_cursor = NULL WHERE id = :m"), {"m": mailbox_id}
        )
    syncer.handle(MailboxChanged(mailbox_id, None, "initial"))

    assert stats()["calls"].get("users.messages.get", 0) == gets_before
    assert recorded(store, mailbox_id)["duplicate_ids"] == 0


def test_a_429_storm_is_ridden_out(sandbox, store, settings, classifier):
    _, mailbox_id, address = generated_mailbox(sandbox, store, count=200)
    expected = inbox_ids(settings, sandbox, address)
    fault = {"kind": "rate_limit", "method": "messages.get", "count": 10, "email": address}
    requests.post(f"{sandbox.url}/sandbox/faults", json=fault, timeout=5).raise_for_status()

    result = syncer_for(settings, store, classifier, "storm").handle(
        MailboxChanged(mailbox_id, None, "initial")
    )

    assert result.rate_limited > 0
    assert recorded(store, mailbox_id)["records"] == len(expected)
    assert store.mailbox(mailbox_id).history_cursor is not None


def test_a_failure_mid_sync_keeps_the_cursor_and_the_written_chunks(
    sandbox, store, settings, classifier
):
    _, mailbox_id, address = generated_mailbox(sandbox, store, count=200)
    expected = inbox_ids(settings, sandbox, address)
    # Enough 500s on the second batch that the retries give up.
    fault = {
        "kind": "status",
        "status": 500,
        "method": "messages.get",
        "count": 400,
        "email": address,
    }
    syncer = syncer_for(settings, store, classifier, "fragile")
    original_batch = GmailClient.get_metadata_batch
    calls = {"n": 0}

    def fail_on_second_chunk(self, ids):
        calls["n"] += 1
        if calls["n"] == 2:
            requests.post(f"{sandbox.url}/sandbox/faults", json=fault, timeout=5)
        return original_batch(self, ids)

    GmailClient.get_metadata_batch = fail_on_second_chunk  # type: ignore[method-assign]
    try:
        failed = syncer.handle(MailboxChanged(mailbox_id, None, "initial"))
    finally:
        GmailClient.get_metadata_batch = original_batch  # type: ignore[method-assign]
        requests.delete(f"{sandbox.url}/sandbox/faults", timeout=5)

    # Acked, not redelivered: the want stays in the database, unleased, for the sweep.
    assert (failed.outcome, failed.gmail_unreachable) == (SyncOutcome.FAILED, True)
    assert [(m.mailbox_id, m.leased) for m in store.behind_mailboxes()] == [(mailbox_id, False)]
    partial = recorded(store, mailbox_id)["records"]
    assert 0 < partial < len(expected)
    assert store.mailbox(mailbox_id).history_cursor is None
    assert store.sync_runs(mailbox_id)[0].status == "failed"

    [sweep] = Scheduler(store, InProcessQueue(), Schedule()).sweep()
    assert syncer.handle(sweep).outcome is SyncOutcome.SYNCED
    assert recorded(store, mailbox_id)["records"] == len(expected)
    assert store.behind_mailboxes() == []


def test_two_workers_on_one_mailbox_never_both_sync(sandbox, store, settings, classifier):
    _, mailbox_id, address = generated_mailbox(sandbox, store, count=400)
    expected = inbox_ids(settings, sandbox, address)
    outcomes: list[str] = []

    def run(worker: str) -> None:
        result = syncer_for(settings, store, classifier, worker).handle(
            MailboxChanged(mailbox_id, None, "initial")
        )
        outcomes.append(result.outcome.value)

    threads = [threading.Thread(target=run, args=(f"w{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) in (["handed_over", "synced"], ["synced", "synced"])
    counts = recorded(store, mailbox_id)
    assert counts["records"] == len(expected)
    assert counts["duplicate_ids"] == counts["doubled_events"] == 0


def test_the_scheduler_renews_a_lapsed_watch(sandbox, store, settings, classifier):
    _, mailbox_id, address = generated_mailbox(sandbox, store, count=20, tier=Tier.PREMIUM)
    syncer = syncer_for(settings, store, classifier, "watcher")
    syncer.handle(MailboxChanged(mailbox_id, None, "initial"))
    requests.post(
        f"{sandbox.url}/sandbox/faults", json={"kind": "expire_watch", "email": address}, timeout=5
    ).raise_for_status()
    lapsed = datetime.now(UTC) - timedelta(hours=1)
    store.record_watch(mailbox_id, history_id=1, expiration=lapsed)

    queue = InProcessQueue()
    scheduler = Scheduler(store, queue, Schedule())
    published = scheduler.run_once()
    assert [m.reason for m in published] == ["renewal"]
    queue.consume(syncer.handle, max_messages=1, timeout=5)

    renewed = store.mailbox(mailbox_id).watch_expiration
    assert renewed is not None and renewed > datetime.now(UTC) + timedelta(days=6)
    assert store.sync_runs(mailbox_id)[0].kind == "renewal"


def test_free_mailboxes_are_polled_when_due(sandbox, store, settings, classifier):
    _, mailbox_id, _ = generated_mailbox(sandbox, store, count=5)
    queue = InProcessQueue()
    scheduler = Scheduler(store, queue, Schedule(free_poll_seconds=300))
    assert [m.reason for m in scheduler.run_once()] == ["poll"]
    queue.consume(syncer_for(settings, store, classifier, "poller").handle, timeout=2)
    assert scheduler.run_once() == []  # just synced: not due again
    later = datetime.now(UTC) + timedelta(seconds=301)
    assert [m.mailbox_id for m in scheduler.run_once(later)] == [mailbox_id]


def _worker_env(settings: Settings) -> dict[str, str]:
    return process_env(settings, GMAIL_QUOTA_UNITS_PER_SECOND="1000", MAILBOX_LEASE_SECONDS="5")


def test_a_sync_killed_mid_backfill_is_finished_by_the_next(sandbox, store, settings):
    """SIGKILL a real `applytrack sync` process mid-backfill; the next one (after the dead one's
    lease expires) finishes the job without writing anything twice."""
    _, mailbox_id, address = generated_mailbox(sandbox, store, count=600)
    expected = inbox_ids(settings, sandbox, address)
    env = _worker_env(settings)
    command = [
        sys.executable,
        "-m",
        "applytrack.cli",
        "--log-level",
        "WARNING",
        "sync",
        str(mailbox_id),
    ]

    first = subprocess.Popen(
        command, env=env, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while recorded(store, mailbox_id)["records"] == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    partial = recorded(store, mailbox_id)["records"]
    assert 0 < partial < len(expected), "the kill must land mid-backfill"
    assert store.mailbox(mailbox_id).history_cursor is None

    second = subprocess.run(
        command, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=180
    )
    assert second.returncode == 0, second.stderr

    counts = recorded(store, mailbox_id)
    assert counts["records"] == len(expected)
    assert counts["duplicate_ids"] == counts["doubled_events"] == 0
    assert store.mailbox(mailbox_id).history_cursor is not None
    assert f"{len(expected) - partial} new messages" in second.stdout
