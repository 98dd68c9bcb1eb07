"""The web process as the Procfile runs it (gunicorn, two workers) and the scheduler, as real
processes on Google's Pub/Sub emulator and a real database: shared metrics, graceful shutdown."""

from __future__ import annotations

import base64
import itertools
import json
import signal
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pytest
import requests
from ops_testkit import (
    METRICS_TOKEN,
    Process,
    drain_internal_subscription,
    ops_settings,
    procfile_command,
    start_process,
    start_procfile_web,
)
from prometheus_client.multiprocess import MultiProcessCollector

from applytrack.settings import Settings
from applytrack.wiring import store_from_settings
from messaging.admin import bootstrap_pubsub
from receiver.metrics import PUSH_COUNTERS
from sandbox import SandboxServer
from sandbox.emulator import free_port
from storage import Store, Tier
from tests.sync_testkit import new_address, process_env, wait_until

pytestmark = pytest.mark.e2e

PUSH_TOKEN = "push-token-gunicorn-4kQ9"
WRONG_TOKEN = "not-the-push-token"
GUNICORN_WORKERS = 2  # the Procfile's --workers
SENDERS = 6  # concurrent connections sending pushes
VALID_PER_ROUND = 30
REJECTED_PER_ROUND = 5
MAX_ROUNDS = 10  # rounds go on until both workers have answered pushes
SCRAPES = 10
FIRING_THREADS = 4
HELD_HISTORY_ID = 10**9  # far above the ids the firing threads count up to


@dataclass
class Web:
    """gunicorn started from the Procfile, on a database holding one connected mailbox."""

    process: Process
    settings: Settings
    mailbox_id: int
    address: str
    metrics_dir: Path  # PROMETHEUS_MULTIPROC_DIR

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.process.metrics_port}"

    def push(self, history_id: int, *, token: str = PUSH_TOKEN) -> int | str:
        """POST one Gmail notification on a new connection: the status code, or the name of the
        error when no HTTP answer came back."""
        try:
            response = requests.post(
                f"{self.url}/pubsub/gmail?token={token}",
                json=gmail_push(self.address, history_id),
                timeout=10,
            )
        except requests.RequestException as error:
            return type(error).__name__
        return response.status_code

    def serving(self) -> bool:
        """Both workers have built the app (each made its counter file) and /healthz answers."""
        if len(list(self.metrics_dir.glob("counter_*.db"))) < GUNICORN_WORKERS:
            return False
        try:
            return requests.get(f"{self.url}/healthz", timeout=5).status_code == 200
        except requests.ConnectionError:
            return False


def gmail_push(address: str, history_id: int) -> dict:
    """Pub/Sub's push envelope around a Gmail notification."""
    data = json.dumps({"emailAddress": address, "historyId": history_id})
    return {
        "message": {
            "data": base64.b64encode(data.encode()).decode(),
            "messageId": str(history_id),
            "publishTime": "2026-01-01T00:00:00Z",
        },
        "subscription": "projects/x/subscriptions/gmail-notifications-push",
    }


def connected_mailbox(store: Store) -> tuple[int, str]:
    """A connected free-tier mailbox that was never synced: (mailbox id, address)."""
    address = new_address("web")
    user_id = store.create_user(f"owner.{address}")
    mailbox_id = store.connect_mailbox(user_id, address, tier=Tier.FREE, refresh_token="1//r")
    return mailbox_id, address


def database_with_mailbox(
    tmp_path: Path, sandbox: SandboxServer, **changes: object
) -> tuple[Settings, int, str]:
    """Settings on a migrated SQLite file with one mailbox, and the project's Pub/Sub resources."""
    settings = ops_settings(tmp_path, sandbox, f"sqlite:///{tmp_path / 'web.db'}", **changes)
    store = store_from_settings(settings)
    store.database.upgrade()
    bootstrap_pubsub(settings.pubsub, ack_deadline_seconds=10)
    return settings, *connected_mailbox(store)


@pytest.fixture
def web(pubsub_emulator, sandbox: SandboxServer, tmp_path: Path) -> Iterator[Web]:
    settings, mailbox_id, address = database_with_mailbox(
        tmp_path, sandbox, push_shared_token=PUSH_TOKEN
    )
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    env = process_env(
        settings,
        GMAIL_PUSH_TOKEN=PUSH_TOKEN,
        PORT=str(free_port()),
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        METRICS_TOKEN=METRICS_TOKEN,
        # gunicorn's control socket goes there instead of ~/.gunicorn, shared by every run.
        XDG_RUNTIME_DIR=str(tmp_path),
        # A push that goes through is logged at DEBUG ("push published"): the log test reads it.
        LOG_LEVEL="DEBUG",
    )
    web = Web(start_procfile_web(env, tmp_path), settings, mailbox_id, address, metrics_dir)
    try:
        wait_until(web.serving, what="gunicorn and both its workers", timeout=60)
        yield web
    finally:
        if web.process.popen.poll() is None:
            web.process.popen.terminate()
            try:
                web.process.popen.wait(timeout=graceful_timeout() + 10)
            finally:
                web.process.kill()


def graceful_timeout() -> float:
    """The Procfile's --graceful-timeout."""
    command = procfile_command("web", {})
    return float(command[command.index("--graceful-timeout") + 1])


# --- shared metrics -----------------------------------------------------------------------------


def send_round(web: Web, history_ids: Iterator[int]) -> tuple[list[int], list[int]]:
    """Valid and wrong-token pushes, mixed, over SENDERS connections at once; each must get its
    answer (204, 401). Returns the history ids of the valid and of the rejected pushes."""
    valid = [next(history_ids) for _ in range(VALID_PER_ROUND)]
    rejected = [next(history_ids) for _ in range(REJECTED_PER_ROUND)]
    pushes = [(h, PUSH_TOKEN) for h in valid] + [(h, WRONG_TOKEN) for h in rejected]
    pushes.sort()  # interleave the wrong tokens with the valid ones
    with ThreadPoolExecutor(SENDERS) as pool:
        answers = list(pool.map(lambda push: web.push(push[0], token=push[1]), pushes))
    expected = [204 if token == PUSH_TOKEN else 401 for _, token in pushes]
    assert answers == expected, web.process.stderr()[-3000:]
    return valid, rejected


def received_by_worker(metrics_dir: Path) -> dict[str, float]:
    """applytrack_push_received_total as each worker's own file in the multiprocess dir holds it."""
    received: dict[str, float] = {}
    for path in metrics_dir.glob("counter_*.db"):
        for metric in MultiProcessCollector.merge([str(path)]):
            for sample in metric.samples:
                if sample.name == "applytrack_push_received_total":
                    received[path.stem] = sample.value
    return received


def push_counters(web: Web) -> dict[str, float]:
    """One scrape of /metrics: the webhook counters by short name (received, verified...)."""
    scraped = web.process.metrics()
    return {name: scraped.get((f"applytrack_push_{name}_total", ()), -1) for name in PUSH_COUNTERS}


def test_gunicorn_workers_share_their_metrics(web: Web):
    history_ids = itertools.count(1)
    valid: list[int] = []
    rejected: list[int] = []
    for _ in range(MAX_ROUNDS):
        round_valid, round_rejected = send_round(web, history_ids)
        valid += round_valid
        rejected += round_rejected
        answering = [w for w, n in received_by_worker(web.metrics_dir).items() if n > 0]
        if len(valid) >= 2 * VALID_PER_ROUND and len(answering) >= GUNICORN_WORKERS:
            break
    assert len(answering) >= GUNICORN_WORKERS, f"only {answering} answered pushes"

    expected = dict.fromkeys(PUSH_COUNTERS, 0.0) | {
        "received": len(valid) + len(rejected),
        "verified": len(valid),
        "rejected": len(rejected),
        "published": len(valid),
    }
    # Each scrape is a new connection: either worker may answer it, and must give the sum.
    for _ in range(SCRAPES):
        assert push_counters(web) == expected

    published = drain_internal_subscription(web.settings)
    assert sorted(m.history_id for m in published) == sorted(valid)
    assert {(m.mailbox_id, m.reason) for m in published} == {(web.mailbox_id, "push")}

    # The app's own lines are JSON (gunicorn's are its own), carry the mailbox id, and no address
    # (not even at DEBUG, where every push that goes through has its line).
    app_lines = [json.loads(line) for line in web.process.stderr().splitlines() if line[:1] == "{"]
    published_lines = [line for line in app_lines if line["event"] == "push published"]
    assert [line["mailbox_id"] for line in published_lines] == [web.mailbox_id] * len(valid)
    assert web.address not in web.process.stderr()


# --- graceful shutdown --------------------------------------------------------------------------


@dataclass(frozen=True)
class PushResult:
    """What became of one push sent while gunicorn was running or stopping."""

    history_id: int
    answer: int | str  # the status code, or the error's name when no HTTP answer came
    started: float  # time.monotonic() when the request was sent


def fire_pushes(
    web: Web, history_ids: Iterator[int], results: list[PushResult], stop: threading.Event
) -> None:
    """Send pushes one after another until ``stop`` is set (run in several threads at once)."""
    while not stop.is_set():
        history_id = next(history_ids)  # itertools.count is atomic under the GIL
        started = time.monotonic()
        answer = web.push(history_id)
        results.append(PushResult(history_id, answer, started))
        if isinstance(answer, str):
            time.sleep(0.02)  # nothing listens any more: do not spin


def acceptable(answer: int | str) -> bool:
    """204 (published), a 5xx (Pub/Sub retries it) or a refused/reset connection."""
    return (
        answer == 204 or answer == "ConnectionError" or (isinstance(answer, int) and answer >= 500)
    )


@dataclass
class HeldPush:
    """A push whose headers a worker has read and answered with `100 Continue`: the webhook is
    running and waits for the body, which the test sends when it chooses."""

    connection: socket.socket
    replies: BinaryIO
    body: bytes

    @classmethod
    def start(cls, web: Web, history_id: int) -> HeldPush:
        body = json.dumps(gmail_push(web.address, history_id)).encode()
        head = (
            f"POST /pubsub/gmail?token={PUSH_TOKEN} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Expect: 100-continue\r\n\r\n"
        )
        connection = socket.create_connection(("127.0.0.1", web.process.metrics_port), timeout=30)
        connection.sendall(head.encode())
        held = cls(connection, connection.makefile("rb"), body)
        assert held.read_status() == 100
        return held

    def finish(self) -> int:
        """Send the body; the final status code."""
        try:
            self.connection.sendall(self.body)
            return self.read_status()
        finally:
            self.replies.close()
            self.connection.close()

    def read_status(self) -> int:
        """The next response's status code (its headers read; 100 and 204 carry no body)."""
        status = int(self.replies.readline().split()[1])
        while self.replies.readline() not in (b"\r\n", b""):
            pass
        return status


def answered(results: list[PushResult], status: int) -> int:
    return sum(1 for r in results if r.answer == status)


def test_gunicorn_finishes_requests_in_flight_on_sigterm(web: Web):
    results: list[PushResult] = []
    stop = threading.Event()
    history_ids = itertools.count(1)
    threads = [
        threading.Thread(target=fire_pushes, args=(web, history_ids, results, stop), daemon=True)
        for _ in range(FIRING_THREADS)
    ]
    for thread in threads:
        thread.start()
    try:
        wait_until(lambda: answered(results, 204) >= 40, what="pushes before SIGTERM", timeout=30)
        held = HeldPush.start(web, HELD_HISTORY_ID)
        web.process.popen.send_signal(signal.SIGTERM)
        # The worker without the held push is gone: SIGTERM has reached the workers.
        wait_until(lambda: "Worker exiting" in web.process.stderr(), what="a worker to exit")
        assert web.process.popen.poll() is None, "gunicorn exited with a request in flight"
        held_answer = held.finish()
        exit_code = web.process.popen.wait(timeout=graceful_timeout())
        exited = time.monotonic()
        wait_until(
            lambda: sum(r.started > exited for r in results) >= 3 * FIRING_THREADS,
            what="pushes sent after gunicorn exited",
            timeout=30,
        )
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
    assert exit_code == 0, web.process.stderr()[-3000:]
    assert held_answer == 204

    # A 5xx makes Pub/Sub retry; anything else but a 204 or a refused connection is wrong.
    wrong = [r for r in results if not acceptable(r.answer)]
    assert not wrong, wrong[:10]
    late = [r for r in results if r.started > exited]
    assert {r.answer for r in late} == {"ConnectionError"}

    accepted = {r.history_id for r in results if r.answer == 204} | {HELD_HISTORY_ID}
    published = drain_internal_subscription(web.settings)
    assert len(published) >= len(accepted)
    assert not accepted - {m.history_id for m in published}, "a push got 204 but was not published"


# --- scheduler ----------------------------------------------------------------------------------


def enqueued_polls(scheduler: Process) -> float:
    """applytrack_scheduler_enqueued_total{reason="poll"}; 0 while nothing serves metrics yet."""
    try:
        metrics = scheduler.metrics()
    except requests.ConnectionError:
        return 0.0
    return metrics.get(("applytrack_scheduler_enqueued_total", (("reason", "poll"),)), 0.0)


def test_scheduler_exits_cleanly_on_sigterm(pubsub_emulator, sandbox, tmp_path: Path):
    # The mailbox was never synced, so the first tick enqueues a poll for it.
    settings, _, _ = database_with_mailbox(tmp_path, sandbox)
    env = process_env(settings)
    scheduler = start_process(env, tmp_path, "scheduler", "scheduler", with_metrics=True)
    try:
        wait_until(lambda: enqueued_polls(scheduler) >= 1, what="a scheduler tick", timeout=60)
        assert scheduler.stop(timeout=10) == 0, scheduler.stderr()
    finally:
        scheduler.kill()
    assert any("SIGTERM received" in e["event"] for e in scheduler.log_entries())
