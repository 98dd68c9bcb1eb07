"""New email → status event written, on the premium push path of the local stack.

sandbox (Gmail stand-in) → Gmail topic on Google's Pub/Sub emulator → push subscription → webhook
over HTTP → internal topic → streaming-pull worker → Gmail API → classifier → database.
The clock starts when the email is handed to the sandbox and stops when the worker's transaction
that writes the status event (and moves the cursor past the new message) has committed, as seen
from another database connection. Emails arrive one at a time, a random 0 to 100 ms apart.

With the emulator, one run measures three things side by side:
- one-process: every part in this process, as the demo and the end-to-end tests run them;
- procfile: the webhook under gunicorn and `applytrack worker`, each the Procfile's own command in
  its own process, as production runs them (Gmail, the sandbox, stays in this process);
- emulator-floor: the same sandbox delivery and its publish, topics, subscriptions and Pub/Sub
  clients (the push, a publish to the internal topic, the streaming pull) with handlers that do
  nothing, so the difference shows what our code adds.

    python bench/latency.py [--emails 60] [--queue pubsub|inprocess] [--database-url URL]

With --database-url (for example a PostgreSQL schema of its own), both runs write to that
database, each as its own user and Gmail address; the default is SQLite in a temp folder.
"""

from __future__ import annotations

import argparse
import logging
import os
import queue
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from applytrack.localstack import StackOptions, start_local_stack
from messaging import MailboxChanged
from sandbox import SandboxState
from sandbox.emulator import PubSubEmulator
from storage import Database, Store

REPO = Path(__file__).resolve().parents[1]
COMPANIES = ("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne")


def confirmation(number: int) -> dict:
    company = f"{COMPANIES[number % len(COMPANIES)]} {number}"
    return {
        "from": f"{company} Careers <no-reply@careers{number}.greenhouse.io>",
        "subject": f"Thank you for applying to {company}",
        "body": (
            f"Hi Sam,\n\nThank you for applying for the Data Engineer position at {company}. "
            "We have received your application and will review it shortly.\n\nRecruiting Team"
        ),
    }


# Mail arrives unrelated to the emulator's polling loops (its push loop turns about every 100 ms,
# its streaming pull every 50 ms): sending each email right after the last one was seen would
# keep every email at the same point of those loops, and measure that point, not the stack.
ARRIVALS = random.Random(7)


def pause() -> None:
    """Wait a random while, up to 100 ms, before the next email."""
    time.sleep(ARRIVALS.uniform(0.0, 0.1))


def cursor_reader(database: Database, mailbox_id: int) -> Callable[[], int]:
    """The mailbox's committed history cursor, read by one small query in a read-only
    transaction (on SQLite it takes no write lock, so watching never delays the worker)."""
    query = text("SELECT history_cursor FROM mailboxes WHERE id = :id")

    def read() -> int:
        with database.session(read_only=True) as session:
            return int(session.scalar(query, {"id": mailbox_id}) or 0)

    return read


def wait_for(check, *, timeout: float = 30.0, poll: float = 0.001) -> bool:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if check():
            return True
        time.sleep(poll)
    return False


def address_of(run: str) -> str:
    """The Gmail address of a run's mailbox (each run its own, so runs can share a database)."""
    return f"latency.{run}@gmail.com"


def time_emails(gmail: SandboxState, store: Store, mailbox_id: int, emails: int) -> list[float]:
    """Deliver ``emails`` confirmations one at a time; each one's seconds until its commit."""
    address = store.mailbox(mailbox_id).gmail_address
    gmail.deliver(
        address, {"from": "hi@example.org", "to": address, "subject": "Hello", "body": "Welcome."}
    )
    if not wait_for(lambda: store.mailbox(mailbox_id).watch_expiration, timeout=60):
        raise SystemExit("the initial sync and watch did not finish within 60 s")
    committed_cursor = cursor_reader(store.database, mailbox_id)
    user_id = store.mailbox(mailbox_id).user_id
    latencies = []
    for number in range(emails):
        started = time.perf_counter()
        target = int(gmail.deliver(address, {"to": address, **confirmation(number)})["historyId"])
        if not wait_for(lambda t=target: committed_cursor() >= t):
            raise SystemExit(f"email {number} was not processed within 30 s")
        latencies.append(time.perf_counter() - started)
        pause()
    applications = len(store.applications(user_id))
    if applications != emails:
        raise SystemExit(f"{emails} confirmations made {applications} applications")
    return latencies


def measure(queue: str, emails: int, database_url: str | None) -> list[float]:
    """The local stack, every part in this process (as the demo and the end-to-end tests)."""
    with tempfile.TemporaryDirectory() as state:
        stack = start_local_stack(
            StackOptions(
                state_dir=Path(state),
                queue_backend=queue,
                pubsub_project="applytrack-bench",
                worker_id="bench-worker",
                settings_overrides={"database_url": database_url} if database_url else {},
            )
        )
        try:
            address = address_of("one-process")
            _, mailbox_id = stack.connect_mailbox("one-process@applytrack.test", address)
            return time_emails(stack.sandbox.state, stack.store, mailbox_id, emails)
        finally:
            stack.stop()


def measure_processes(emails: int, database_url: str | None) -> list[float]:
    """The Procfile's processes: the webhook under gunicorn and `applytrack worker`, each in its
    own process, as production runs them; Gmail (the sandbox) and the clock stay here."""
    from applytrack.settings import Settings
    from applytrack.wiring import store_from_settings
    from messaging.admin import PubSubNames, bootstrap_pubsub
    from messaging.pubsub import PubSubPublisher
    from sandbox import PubSubNotifier, SandboxServer
    from sandbox.emulator import free_port, wait_for_port
    from storage import Tier
    from tests.sync_testkit import process_env

    token = secrets.token_urlsafe(24)
    port = free_port()
    address = address_of("procfile")
    database = {"database_url": database_url} if database_url else {}
    with tempfile.TemporaryDirectory() as state, SandboxServer(notifier=PubSubNotifier()) as gmail:
        settings = Settings.embedded(
            Path(state),
            queue_backend="pubsub",
            pubsub=PubSubNames(project="applytrack-procs"),
            gmail_api_endpoint=gmail.url,
            oauth_token_uri=f"{gmail.url}/token",
            push_shared_token=token,
            demo=False,
            **database,
        )
        store = store_from_settings(settings)
        store.database.upgrade()
        bootstrap_pubsub(
            settings.pubsub, push_endpoint=f"http://127.0.0.1:{port}/pubsub/gmail?token={token}"
        )
        env = process_env(
            settings,
            GMAIL_PUSH_TOKEN=token,
            LOG_LEVEL="INFO",  # production's logging, written to files in the state folder
            PORT=str(port),
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        )
        processes = [
            procfile_process(name, env, Path(state) / f"{name}.log") for name in ("web", "worker")
        ]
        try:
            wait_for_port(port)
            user_id = store.create_user("procfile@applytrack.test")
            mailbox_id = store.connect_mailbox(
                user_id,
                address,
                tier=Tier.PREMIUM,
                refresh_token=gmail.state.grant(address)["refresh_token"],
            )
            publisher = PubSubPublisher(settings.pubsub.project, settings.pubsub.internal_topic)
            publisher.publish(MailboxChanged(mailbox_id, None, "initial"))
            publisher.close()
            return time_emails(gmail.state, store, mailbox_id, emails)
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=30)


def procfile_process(name: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start the Procfile's ``name`` line, exactly as written there; its logs go to ``log``."""
    for line in (REPO / "Procfile").read_text().splitlines():
        kind, _, command = line.partition(":")
        if kind.strip() == name:
            with log.open("ab") as log_file:  # the child keeps its own handle
                return subprocess.Popen(
                    ["bash", "-c", f"exec {command.strip()}"], cwd=REPO, env=env, stderr=log_file
                )
    raise SystemExit(f"the Procfile has no {name} process")


def _relay(forward: Callable[[], None]) -> type[BaseHTTPRequestHandler]:
    """A push endpoint that only forwards the message to the internal topic."""

    class Relay(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            forward()
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    return Relay


def measure_floor(emails: int) -> list[float]:
    """The sandbox delivers and publishes → push → publish to the internal topic → streaming
    pull, with handlers that do nothing: everything on the path that is not ApplyTrack's code."""
    from messaging.admin import PubSubNames, bootstrap_pubsub
    from messaging.pubsub import PubSubPublisher, PubSubSubscriber
    from sandbox import PubSubNotifier, SandboxServer

    received: queue.Queue[float] = queue.Queue()
    names = PubSubNames(project="applytrack-floor")
    internal = PubSubPublisher(names.project, names.internal_topic)
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), _relay(lambda: internal.publish(MailboxChanged(1)))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    bootstrap_pubsub(names, push_endpoint=f"http://127.0.0.1:{server.server_port}/push")
    subscriber = PubSubSubscriber(names.project, names.internal_subscription)
    worker = threading.Thread(
        target=subscriber.consume,
        args=(lambda message: received.put(time.perf_counter()),),
        daemon=True,
    )
    worker.start()
    gmail = SandboxServer(notifier=PubSubNotifier()).start()
    address = address_of("floor")
    gmail.state.ensure_mailbox(address)
    topic = names.gmail_topic_path
    gmail.state.watch(address, {"topicName": topic, "labelIds": ["INBOX"]})
    try:
        time.sleep(1.0)  # the stream is open
        latencies = []
        for number in range(emails):
            started = time.perf_counter()
            gmail.state.deliver(address, {"to": address, **confirmation(number)})
            latencies.append(received.get(timeout=30) - started)
            pause()
        return latencies
    finally:
        subscriber.stop()
        worker.join(timeout=10)
        server.shutdown()
        internal.close()
        gmail.stop()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def log_production_lines(path: Path) -> None:
    """This process logs as production does (INFO, scrubbed JSON lines), into ``path``; only
    warnings reach the terminal."""
    from applytrack.logs import JsonLineFormatter

    to_file = logging.FileHandler(path, mode="w")
    to_file.setFormatter(JsonLineFormatter())
    to_terminal = logging.StreamHandler()
    to_terminal.setLevel(logging.WARNING)
    root = logging.getLogger()
    root.handlers[:] = [to_file, to_terminal]
    root.setLevel(logging.INFO)
    # The one-process stack serves with werkzeug, whose request lines gunicorn would not write.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def summary(name: str, queue: str, database: str, latencies: list[float]) -> str:
    ms = [value * 1000 for value in latencies]
    return (
        f"run={name} queue={queue} database={database} emails={len(ms)} "
        f"p50_ms={percentile(ms, 0.5):.0f} "
        f"p99_ms={percentile(ms, 0.99):.0f} mean_ms={statistics.mean(ms):.0f} "
        f"max_ms={max(ms):.0f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=60)
    parser.add_argument("--queue", choices=("pubsub", "inprocess"), default="pubsub")
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp folder")
    args = parser.parse_args()
    database = urlsplit(args.database_url).scheme.split("+")[0] if args.database_url else "sqlite"
    log_production_lines(Path(tempfile.gettempdir()) / "applytrack-latency-bench.log")
    if args.queue == "inprocess":
        latencies = measure(args.queue, args.emails, args.database_url)
        print(summary("one-process", args.queue, database, latencies))
        return 0
    with PubSubEmulator() as emulator:
        os.environ["PUBSUB_EMULATOR_HOST"] = emulator.host  # read by google-cloud-pubsub itself
        runs = {
            "one-process": measure(args.queue, args.emails, args.database_url),
            "procfile": measure_processes(args.emails, args.database_url),
            "emulator-floor": measure_floor(args.emails),
        }
    for name, latencies in runs.items():
        used = "none" if name == "emulator-floor" else database
        print(summary(name, args.queue, used, latencies))
    floor = percentile(runs["emulator-floor"], 0.5)
    print(
        "ours_p50_ms (above the emulator floor): "
        f"one-process={1000 * (percentile(runs['one-process'], 0.5) - floor):.0f} "
        f"procfile={1000 * (percentile(runs['procfile'], 0.5) - floor):.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
