"""The fault suite (issue #16), on real processes: `applytrack worker` and `applytrack scheduler`
subprocesses, Google's Pub/Sub emulator, the Gmail sandbox over HTTP and a real database (for the
outage, a PostgreSQL cluster of the test's own, stopped and started again).

Each test writes what it measured to ``test-output/faults.txt``.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from ops_testkit import (
    Process,
    drain_dead_letters,
    ops_settings,
    start_process,
    worker_metric,
    worker_outcomes,
)
from private_postgres import PrivatePostgres, postgres_bin, wait_until_down

from applytrack.settings import Settings
from applytrack.wiring import store_from_settings
from messaging import MailboxChanged
from messaging.admin import DeliveryPolicy, bootstrap_pubsub
from messaging.pubsub import PubSubPublisher
from sandbox import SandboxServer
from storage import Store
from tests.sync_testkit import (
    doubled_events,
    generated_mailbox,
    inbox_ids,
    process_env,
    recorded_ids,
    wait_until,
)

pytestmark = [pytest.mark.faults, pytest.mark.e2e]

LEASE_SECONDS = 10
SWEEP_SECONDS = 5
STREAM_DEADLINE_SECONDS = 60  # google-cloud-pubsub's, for the messages a new stream delivers
STRICT_DELIVERY = DeliveryPolicy(min_retry_delay_seconds=1, max_delivery_attempts=5)
JOB_EMAIL = {
    "from": "Greenhouse <no-reply@greenhouse.io>",
    "subject": "Thank you for applying to Northwind Traders",
    "body": "Hi, thank you for applying for the Data Engineer role at Northwind Traders. "
    "We have received your application and will review it shortly.",
}


def _note(output_dir: Path, line: str) -> None:
    with (output_dir / "faults.txt").open("a") as notes:
        notes.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {line}\n")


def _synced(store: Store, mailbox_id: int, expected: set[str], newest: int = 0) -> bool:
    cursor = store.mailbox(mailbox_id).history_cursor
    return (
        cursor is not None and cursor >= newest and set(recorded_ids(store, mailbox_id)) == expected
    )


def _assert_written_once(store: Store, mailbox_id: int) -> None:
    ids = recorded_ids(store, mailbox_id)
    assert len(ids) == len(set(ids)), f"mailbox {mailbox_id}: a message was recorded twice"
    assert doubled_events(store, mailbox_id) == 0


def _processes(
    env: dict[str, str], log_dir: Path, workers: int, *, scheduler: bool = True
) -> list[Process]:
    """``workers`` workers serving metrics, and the scheduler (ticking every second) first."""
    started = [
        start_process(env, log_dir, f"worker{n}", "worker", with_metrics=True)
        for n in range(1, workers + 1)
    ]
    wait_until(lambda: all(p.serving() for p in started), what="the workers to start")
    if scheduler:
        started.insert(
            0, start_process(env, log_dir, "scheduler", "scheduler", "--tick-seconds", "1")
        )
    return started


def _stop_all(processes: list[Process]) -> None:
    for process in processes:
        process.kill()


def test_a_worker_killed_mid_sync_is_replaced_within_one_sweep(
    pubsub_emulator, sandbox: SandboxServer, tmp_path: Path, output_dir: Path
) -> None:
    """SIGKILL mid-backfill, then a new worker: the sweep finds the mailbox behind once the dead
    worker's lease has expired, and the new worker finishes it; nobody runs `applytrack sync`."""
    settings = ops_settings(
        tmp_path,
        sandbox,
        f"sqlite:///{tmp_path / 'faults.db'}",
        gmail_quota_units_per_second=400.0,
        lease_seconds=LEASE_SECONDS,
    )
    store = store_from_settings(settings)
    store.database.upgrade()
    bootstrap_pubsub(settings.pubsub, ack_deadline_seconds=10)
    _, mailbox_id, address = generated_mailbox(sandbox, store, count=600)
    expected = inbox_ids(settings, sandbox, address)
    env = process_env(settings, BEHIND_SWEEP_INTERVAL_SECONDS=str(SWEEP_SECONDS))
    processes = _processes(env, tmp_path, workers=1)
    publisher = PubSubPublisher(settings.pubsub.project, settings.pubsub.internal_topic)
    try:
        publisher.publish(MailboxChanged(mailbox_id, None, "initial"))
        wait_until(lambda: len(recorded_ids(store, mailbox_id)) > 0, what="the first chunk")
        processes[1].popen.kill()  # SIGKILL: no release, no hand-back, its stream left open
        killed_at = time.monotonic()
        processes[1].popen.wait(timeout=10)
        partial = len(set(recorded_ids(store, mailbox_id)))
        assert 0 < partial < len(expected), "the kill must land mid-backfill"
        assert store.mailbox(mailbox_id).history_cursor is None

        restarted = start_process(env, tmp_path, "restarted", "worker", with_metrics=True)
        processes.append(restarted)
        # The bound counts from a worker that is up: how long a busy machine takes to start a
        # process is not what this measures.
        wait_until(lambda: restarted.serving(), what="the restarted worker to start", timeout=120)
        ready_at = time.monotonic()
        # The lease runs out, one sweep, the rest synced. The emulator never drops the killed
        # worker's stream and may go on handing it the sweeps' messages; the first comes back
        # once the deadline the client gave that stream's messages has passed.
        bound = LEASE_SECONDS + SWEEP_SECONDS + STREAM_DEADLINE_SECONDS + 30
        wait_until(
            # Caught up with every request: a redelivered one may ask for another pass.
            lambda: _synced(store, mailbox_id, expected) and not store.behind_mailboxes(),
            what="the restarted worker to finish the mailbox",
            timeout=bound,
        )
        recovered = time.monotonic() - killed_at
        after_ready = time.monotonic() - ready_at
    finally:
        publisher.close()
        _stop_all(processes)

    _assert_written_once(store, mailbox_id)
    _note(
        output_dir,
        f"sigkill: {partial}/{len(expected)} written at the kill; mailbox complete "
        f"{recovered:.1f} s after it, {after_ready:.1f} s after the new worker was up "
        f"(lease {LEASE_SECONDS} s, sweep {SWEEP_SECONDS} s)",
    )


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL cluster of this test's own, which it may stop."""
    if postgres_bin() is None:
        pytest.fail("PostgreSQL's binaries are missing: the outage test needs pg_ctl and initdb")
    cluster = PrivatePostgres()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.destroy()


class PushBurst:
    """Delivers mail to the sandbox mailboxes and publishes each push twice, until stopped."""

    def __init__(
        self, sandbox: SandboxServer, publisher: PubSubPublisher, mailboxes: list[tuple[int, str]]
    ) -> None:
        self._sandbox = sandbox
        self._publisher = publisher
        self._mailboxes = mailboxes
        self.newest: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PushBurst:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        n = 0
        while not self._stop.wait(0.1):
            mailbox_id, address = self._mailboxes[n % len(self._mailboxes)]
            email = {**JOB_EMAIL, "to": address, "subject": f"{JOB_EMAIL['subject']} #{n}"}
            history_id = int(self._sandbox.state.deliver(address, email)["historyId"])
            self.newest[mailbox_id] = history_id
            for _ in range(2):  # Gmail may notify twice; Pub/Sub may deliver twice
                self._publisher.publish(MailboxChanged(mailbox_id, history_id, "push"))
            n += 1


def test_a_database_outage_mid_burst_dead_letters_nothing(
    pubsub_emulator,
    sandbox: SandboxServer,
    tmp_path: Path,
    output_dir: Path,
    private_postgres: PrivatePostgres,
) -> None:
    """PostgreSQL stops for 10 s while pushes keep coming: the workers hold their messages
    (breaker open) instead of nacking them; everything is synced within 60 s of its return."""
    settings = ops_settings(tmp_path, sandbox, private_postgres.url, lease_seconds=30)
    store = store_from_settings(settings)
    store.database.upgrade()
    # Far stricter than production's policy: nacked, the messages would be dead-lettered within
    # the outage, so only the breaker (holding them) can keep the dead-letter topic empty.
    bootstrap_pubsub(settings.pubsub, policy=STRICT_DELIVERY)
    mailboxes = [generated_mailbox(sandbox, store, count=30, seed=n)[1:] for n in range(4)]
    env = process_env(settings, BEHIND_SWEEP_INTERVAL_SECONDS=str(SWEEP_SECONDS))
    processes = _processes(env, tmp_path, workers=2)
    publisher = PubSubPublisher(settings.pubsub.project, settings.pubsub.internal_topic)
    try:
        for mailbox_id, _ in mailboxes:
            publisher.publish(MailboxChanged(mailbox_id, None, "initial"))
        with PushBurst(sandbox, publisher, mailboxes) as burst:
            time.sleep(4)
            private_postgres.stop()
            wait_until_down(private_postgres.port)
            time.sleep(10)
            private_postgres.start()
            returned = time.monotonic()
            time.sleep(3)
        expected = {mid: inbox_ids(settings, sandbox, address) for mid, address in mailboxes}
        wait_until(
            lambda: all(_synced(store, m, expected[m], burst.newest[m]) for m, _ in mailboxes),
            what="every mailbox to be synced after the outage",
            timeout=max(1.0, 60 - (time.monotonic() - returned)),
        )
        caught_up = time.monotonic() - returned
        trips = sum(
            worker_metric(w, "applytrack_worker_breaker_trips_total") for w in processes[1:]
        )
        outcomes = sum((worker_outcomes(w) for w in processes[1:]), Counter())
    finally:
        publisher.close()
        _stop_all(processes)

    dead = drain_dead_letters(settings)
    assert dead == [], f"{len(dead)} messages were dead-lettered"
    assert trips >= 1, "the outage never reached a worker: the test proved nothing"
    for mailbox_id, _ in mailboxes:
        _assert_written_once(store, mailbox_id)
    _note(
        output_dir,
        f"postgres outage 10 s: synced {caught_up:.1f} s after its return; breaker trips "
        f"{trips:.0f}; dead letters 0; messages {dict(outcomes)}",
    )


def test_a_burst_of_1200_duplicate_pushes_costs_a_handful_of_syncs(
    pubsub_emulator, sandbox: SandboxServer, tmp_path: Path, output_dir: Path
) -> None:
    """400 new emails, each notified three times, in random order, to two workers: every
    message is acked on its one delivery, both workers take some, and the mailbox costs a few
    syncs, not one per message."""
    settings = ops_settings(
        tmp_path, sandbox, f"sqlite:///{tmp_path / 'burst.db'}", gmail_quota_units_per_second=2000.0
    )
    store = store_from_settings(settings)
    store.database.upgrade()
    bootstrap_pubsub(settings.pubsub)
    _, mailbox_id, address = generated_mailbox(sandbox, store, count=5)
    env = process_env(settings)
    workers = _processes(env, tmp_path, workers=2, scheduler=False)
    publisher = PubSubPublisher(settings.pubsub.project, settings.pubsub.internal_topic)
    try:
        publisher.publish(MailboxChanged(mailbox_id, None, "initial"))
        # Its run is recorded just after the cursor moves: wait for the row, then count.
        wait_until(lambda: store.sync_runs(mailbox_id), what="the initial sync")
        syncs_before = len(store.sync_runs(mailbox_id, limit=10_000))
        history = [
            int(sandbox.state.deliver(address, {**JOB_EMAIL, "to": address})["historyId"])
            for _ in range(400)
        ]
        pushes = [MailboxChanged(mailbox_id, h, "push") for h in history * 3]
        random.Random(16).shuffle(pushes)
        started = time.monotonic()
        _publish_all(settings, pushes)
        expected = inbox_ids(settings, sandbox, address)
        wait_until(
            lambda: (
                _synced(store, mailbox_id, expected, max(history))
                and sum(sum(worker_outcomes(w).values()) for w in workers) >= len(pushes) + 1
            ),
            what="the burst to drain",
            timeout=120,
        )
        drained = time.monotonic() - started
        time.sleep(2)  # anything redelivered would show up now
        per_worker = [worker_outcomes(w) for w in workers]
        syncs = len(store.sync_runs(mailbox_id, limit=10_000)) - syncs_before
    finally:
        publisher.close()
        _stop_all(workers)

    handled = sum(per_worker, Counter())
    assert sum(handled.values()) == len(pushes) + 1, f"redelivered or lost: {handled}"
    assert all(sum(o.values()) > 0 for o in per_worker), f"one worker took all: {per_worker}"
    assert 1 <= syncs <= 5, f"{syncs} syncs for {len(pushes)} pushes"
    _assert_written_once(store, mailbox_id)
    _note(
        output_dir,
        f"burst of {len(pushes)} pushes (400 emails x3): {syncs} syncs, drained in "
        f"{drained:.1f} s; per worker {[dict(o) for o in per_worker]}",
    )


def _publish_all(settings: Settings, messages: list[MailboxChanged]) -> None:
    """Publish as a burst: every message in flight at once, then wait for all of them."""
    from google.cloud import pubsub_v1

    client = pubsub_v1.PublisherClient()
    topic = client.topic_path(settings.pubsub.project, settings.pubsub.internal_topic)
    try:
        futures = [client.publish(topic, message.to_bytes()) for message in messages]
        for future in futures:
            future.result(timeout=60)
    finally:
        client.stop()
