"""The deeper historical scan on real parts: the sandbox over HTTP (Gmail's wire format and quota
rules), google-api-python-client, the real classifier, SQLite and PostgreSQL. The mail 31 to 90
days old is read once through the sync's write path, the cursor never moves back, a second scan
reads nothing, and a scan whose worker died is resumed by the sweep and ends as an unbroken one."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime

import pytest
import requests
from sqlalchemy import text

from applytrack.settings import Settings
from applytrack.wiring import gmail_config
from applytrack.worker_wiring import mailbox_connector, sync_policy
from gmail import GmailClient
from messaging import MailboxChanged
from messaging.inprocess import InProcessQueue
from processors import MailboxSyncer, Schedule, Scheduler, SyncOutcome, SyncPhase, SyncProgress
from processors.sync import WINDOW_QUERY
from sandbox import SandboxServer
from storage import Store, Tier
from storage.sync_runs import DeepScanState
from tests.sync_testkit import (
    REPO_ROOT,
    doubled_events,
    event_count,
    messages_get_calls,
    new_address,
    process_env,
    recorded_ids,
)

GENERATED_DAYS = 85  # mail 0 to 85 days old: well inside a 90-day scan's window


class WorkerKilled(BaseException):
    """Stands in for SIGKILL: nothing of ours catches it, so the lease is never released."""


def aged_mailbox(
    sandbox: SandboxServer, store: Store, *, count: int, seed: int = 23
) -> tuple[int, str]:
    """A Free-tier mailbox of ``count`` generated messages spread over 85 days: (id, address)."""
    address = new_address("deep")
    body = {"count": count, "days": GENERATED_DAYS, "seed": seed, "job_share": 0.3}
    answer = requests.post(f"{sandbox.url}/sandbox/users/{address}/generate", json=body, timeout=60)
    answer.raise_for_status()
    user_id = store.create_user(f"owner.{address}")
    token = sandbox.state.grant(address)["refresh_token"]
    return store.connect_mailbox(user_id, address, tier=Tier.FREE, refresh_token=token), address


def listed_ids(settings: Settings, sandbox: SandboxServer, address: str, days: int) -> set[str]:
    """The inbox message ids of the last ``days`` days, asked through the real client."""
    gmail = GmailClient(gmail_config(settings), sandbox.state.grant(address)["refresh_token"])
    try:
        return {ref.id for ref in gmail.list_messages(f"newer_than:{days}d {WINDOW_QUERY}")}
    finally:
        gmail.close()


def syncer_for(settings: Settings, store: Store, classifier, worker: str, **kw) -> MailboxSyncer:
    policy = sync_policy(settings, worker=worker)
    return MailboxSyncer(store, classifier, mailbox_connector(settings), policy, **kw)


def board(store: Store, mailbox_id: int) -> list[tuple[str | None, str | None, str]]:
    user_id = store.mailbox(mailbox_id).user_id
    return sorted((a.company, a.role, a.status.value) for a in store.applications(user_id))


def first_synced(settings, store, classifier, sandbox, *, count: int, seed: int = 23):
    mailbox_id, address = aged_mailbox(sandbox, store, count=count, seed=seed)
    syncer_for(settings, store, classifier, "first").handle(
        MailboxChanged(mailbox_id, None, "initial")
    )
    return mailbox_id, address


def test_a_deep_scan_reads_the_older_mail_once_and_leaves_the_cursor(
    sandbox, store, settings, classifier
):
    mailbox_id, address = first_synced(settings, store, classifier, sandbox, count=360)
    first_window = listed_ids(settings, sandbox, address, 30)
    assert sorted(recorded_ids(store, mailbox_id)) == sorted(first_window)
    cursor = store.mailbox(mailbox_id).history_cursor
    events_before = event_count(store, mailbox_id)

    scan = store.request_deep_scan(mailbox_id, days=90)
    assert (scan.state, scan.days, scan.total) == (DeepScanState.RUNNING, 90, None)
    result = syncer_for(settings, store, classifier, "deep").handle(
        MailboxChanged(mailbox_id, None, "deep_scan")
    )

    everything = listed_ids(settings, sandbox, address, 90)
    older = everything - first_window
    assert len(older) > 100, "the sandbox holds mail 31 to 85 days old"
    assert sorted(recorded_ids(store, mailbox_id)) == sorted(everything), "each message once"
    assert result.outcome is SyncOutcome.SYNCED and result.messages_seen == len(older)
    assert doubled_events(store, mailbox_id) == 0
    assert event_count(store, mailbox_id) > events_before, "older job mail made status events"
    assert store.mailbox(mailbox_id).history_cursor == cursor, "the scan never moves the cursor"
    done = store.deep_scan(mailbox_id)
    assert (done.state, done.processed, done.total) == (
        DeepScanState.FINISHED,
        len(older),
        len(older),
    )
    assert done.started_at is not None and done.finished_at is not None
    rest, first = store.sync_runs(mailbox_id)[:2]
    assert (first.kind, rest.kind) == ("deep_scan:job_mail_first", "deep_scan:rest_of_window")
    assert first.messages_seen + rest.messages_seen == len(older)
    assert (rest.status, rest.processed, rest.total) == ("ok", rest.total, rest.total)

    # A second scan lists the window again and reads nothing: everything is recorded.
    gets_before = messages_get_calls(sandbox, address)
    store.request_deep_scan(mailbox_id, days=90)
    again = syncer_for(settings, store, classifier, "again").handle(
        MailboxChanged(mailbox_id, None, "deep_scan")
    )
    assert again.messages_seen == 0 and messages_get_calls(sandbox, address) == gets_before
    assert sorted(recorded_ids(store, mailbox_id)) == sorted(everything)
    assert store.deep_scan(mailbox_id).state is DeepScanState.FINISHED
    assert store.mailbox(mailbox_id).history_cursor == cursor


def test_new_mail_during_a_scan_moves_the_cursor_forward_only(sandbox, store, settings, classifier):
    mailbox_id, address = first_synced(settings, store, classifier, sandbox, count=80)
    cursor = store.mailbox(mailbox_id).history_cursor
    assert cursor is not None
    store.request_deep_scan(mailbox_id, days=60)
    arrived = sandbox.state.deliver(
        address,
        {
            "from": "Jobs <no-reply@hire.lever.co>",
            "to": address,
            "subject": "Interview invitation: Data Analyst at Quill Maps",
            "body": "We would like to invite you to an interview for the Data Analyst role.",
        },
    )

    # A poll reads the new mail from the cursor, then goes on with the running scan.
    syncer_for(settings, store, classifier, "poll").handle(MailboxChanged(mailbox_id, None, "poll"))

    assert store.mailbox(mailbox_id).history_cursor > cursor
    assert arrived["id"] in recorded_ids(store, mailbox_id)
    assert store.deep_scan(mailbox_id).state is DeepScanState.FINISHED
    assert sorted(recorded_ids(store, mailbox_id)) == sorted(
        listed_ids(settings, sandbox, address, 60)
    )


def test_a_scan_whose_worker_died_is_resumed_by_the_sweep_and_ends_as_an_unbroken_one(
    sandbox, store, settings, classifier
):
    broken_id, broken_address = first_synced(settings, store, classifier, sandbox, count=400)
    whole_id, whole_address = first_synced(settings, store, classifier, sandbox, count=400)
    store.request_deep_scan(broken_id, days=90)
    store.request_deep_scan(whole_id, days=90)

    def die_mid_scan(progress: SyncProgress) -> None:
        if progress.phase is SyncPhase.REST_OF_WINDOW and progress.processed >= 100:
            raise WorkerKilled

    doomed = syncer_for(settings, store, classifier, "doomed", on_progress=die_mid_scan)
    with pytest.raises(WorkerKilled):
        doomed.handle(MailboxChanged(broken_id, None, "deep_scan"))
    left = store.deep_scan(broken_id)
    assert left.state is DeepScanState.RUNNING and 0 < left.processed < (left.total or 0)
    written_before_death = set(recorded_ids(store, broken_id))

    queue = InProcessQueue()
    scheduler = Scheduler(store, queue, Schedule())
    swept = [message.mailbox_id for message in scheduler.sweep()]
    assert swept == [whole_id], "the dead worker's lease is still live; the other scan waits"
    with store.database.engine.begin() as connection:  # the lease runs out
        connection.execute(
            text("UPDATE mailboxes SET lease_expires_at = :past WHERE id = :m"),
            {"past": datetime(2000, 1, 1, tzinfo=UTC), "m": broken_id},
        )
    [resume] = [message for message in scheduler.sweep() if message.mailbox_id == broken_id]
    gets_before = messages_get_calls(sandbox, broken_address)
    syncer_for(settings, store, classifier, "heir").handle(resume)
    syncer_for(settings, store, classifier, "whole").handle(
        MailboxChanged(whole_id, None, "deep_scan")
    )

    broken, whole = store.deep_scan(broken_id), store.deep_scan(whole_id)
    assert broken.state is whole.state is DeepScanState.FINISHED
    assert broken.processed == broken.total == whole.total
    ids = recorded_ids(store, broken_id)
    assert sorted(ids) == sorted(listed_ids(settings, sandbox, broken_address, 90))
    assert len(ids) == len(recorded_ids(store, whole_id))
    assert doubled_events(store, broken_id) == doubled_events(store, whole_id) == 0
    assert event_count(store, broken_id) == event_count(store, whole_id)
    assert board(store, broken_id) == board(store, whole_id)
    resumed_gets = messages_get_calls(sandbox, broken_address) - gets_before
    assert resumed_gets <= len(set(ids) - written_before_death) * 2, "nothing written is read"
    assert messages_get_calls(sandbox, broken_address) == messages_get_calls(sandbox, whole_address)
    assert scheduler.sweep() == []


def test_the_scan_spends_the_mailboxs_shared_quota_and_rides_out_429s(
    sandbox, store, settings, classifier
):
    mailbox_id, address = first_synced(settings, store, classifier, sandbox, count=200)
    store.request_deep_scan(mailbox_id, days=90)
    with store.database.engine.begin() as connection:
        connection.execute(
            text("UPDATE mailboxes SET quota_window = NULL WHERE id = :m"), {"m": mailbox_id}
        )
    fault = {"kind": "rate_limit", "method": "messages.get", "count": 6, "email": address}
    requests.post(f"{sandbox.url}/sandbox/faults", json=fault, timeout=5).raise_for_status()
    try:
        result = syncer_for(settings, store, classifier, "quota").handle(
            MailboxChanged(mailbox_id, None, "deep_scan")
        )
    finally:
        requests.delete(f"{sandbox.url}/sandbox/faults", timeout=5)

    assert result.rate_limited > 0
    assert store.deep_scan(mailbox_id).state is DeepScanState.FINISHED
    assert sorted(recorded_ids(store, mailbox_id)) == sorted(
        listed_ids(settings, sandbox, address, 90)
    )
    with store.database.engine.connect() as connection:
        window = connection.execute(
            text("SELECT quota_window FROM mailboxes WHERE id = :m"), {"m": mailbox_id}
        ).scalar()
    # The lease hands on what the scan spent through it: the next holder counts it.
    assert sum(units for _, units in json.loads(window or "[]")) > 0


def test_applytrack_sync_with_days_scans_in_the_foreground(sandbox, store, settings, classifier):
    mailbox_id, address = first_synced(settings, store, classifier, sandbox, count=120)
    command = [sys.executable, "-m", "applytrack.cli", "--log-level", "WARNING", "sync"]
    env = process_env(settings)

    refused = subprocess.run(
        [*command, str(mailbox_id), "--days", "20"],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    done = subprocess.run(
        [*command, str(mailbox_id), "--days", "90"],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert refused.returncode == 2 and "31 to 90" in refused.stdout
    assert done.returncode == 0, done.stderr
    assert store.deep_scan(mailbox_id).state is DeepScanState.FINISHED
    assert sorted(recorded_ids(store, mailbox_id)) == sorted(
        listed_ids(settings, sandbox, address, 90)
    )
