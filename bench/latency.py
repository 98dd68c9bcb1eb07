"""New email → status event written, on the premium push path of the local stack.

sandbox (Gmail stand-in) → Gmail topic on Google's Pub/Sub emulator → push subscription → webhook
over HTTP → internal topic → streaming-pull worker → Gmail API → classifier → database.
The clock stops when the worker's transaction that writes the status event (and moves the cursor
past the new message) has committed.

With the emulator, the same run also measures the floor: the same topics, subscriptions and
Pub/Sub clients (a publish like the sandbox's, the push, a publish to the internal topic, the
streaming pull) with handlers that do nothing, so the two numbers show what our code adds.

    python bench/latency.py [--emails 60] [--queue pubsub|inprocess]
"""

from __future__ import annotations

import argparse
import logging
import os
import queue
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from applytrack.localstack import StackOptions, start_local_stack
from applytrack.messaging import MailboxChanged
from sandbox.emulator import PubSubEmulator

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


def wait_for(check, *, timeout: float = 30.0, poll: float = 0.002) -> bool:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if check():
            return True
        time.sleep(poll)
    return False


def measure(queue: str, emails: int) -> list[float]:
    with tempfile.TemporaryDirectory() as state:
        stack = start_local_stack(
            StackOptions(
                state_dir=Path(state),
                queue_backend=queue,
                pubsub_project="applytrack-bench",
                worker_id="bench-worker",
            )
        )
        try:
            address = "latency.bench@gmail.com"
            stack.sandbox.state.deliver(
                address,
                {"from": "hi@example.org", "to": address, "subject": "Hello", "body": "Welcome."},
            )
            user_id, mailbox_id = stack.connect_mailbox("bench@applytrack.test", address)
            store = stack.store
            if not wait_for(lambda: store.mailbox(mailbox_id).watch_expiration, timeout=60):
                raise SystemExit("the initial sync and watch did not finish within 60 s")
            latencies = []
            for number in range(emails):
                started = time.perf_counter()
                answer = stack.sandbox.state.deliver(
                    address, {"to": address, **confirmation(number)}
                )
                target = int(answer["historyId"])
                if not wait_for(
                    lambda t=target: (store.mailbox(mailbox_id).history_cursor or 0) >= t
                ):
                    raise SystemExit(f"email {number} was not processed within 30 s")
                latencies.append(time.perf_counter() - started)
            assert len(store.applications(user_id)) == emails
            return latencies
        finally:
            stack.stop()


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
    """Publish → push → publish to the internal topic → streaming pull, with empty handlers."""
    from applytrack.pubsub_admin import bootstrap_pubsub
    from applytrack.queues import PubSubPublisher, PubSubSubscriber
    from applytrack.settings import Settings
    from sandbox import PubSubNotifier

    received: queue.Queue[float] = queue.Queue()
    with tempfile.TemporaryDirectory() as state:
        settings = Settings.embedded(Path(state), pubsub_project="applytrack-floor")
        internal = PubSubPublisher(settings.pubsub_project, settings.internal_topic)
        server = ThreadingHTTPServer(
            ("127.0.0.1", 0), _relay(lambda: internal.publish(MailboxChanged(1)))
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        bootstrap_pubsub(settings, push_endpoint=f"http://127.0.0.1:{server.server_port}/push")
        subscriber = PubSubSubscriber(settings.pubsub_project, settings.internal_subscription)
        worker = threading.Thread(
            target=subscriber.consume,
            args=(lambda message: received.put(time.perf_counter()),),
            daemon=True,
        )
        worker.start()
        gmail = PubSubNotifier()  # publishes as the sandbox does
        topic = f"projects/{settings.pubsub_project}/topics/{settings.gmail_topic}"
        try:
            time.sleep(1.0)  # the stream is open
            latencies = []
            for number in range(emails):
                started = time.perf_counter()
                gmail.notify(topic, b'{"emailAddress":"floor@example.com"}')
                latencies.append(received.get(timeout=30) - started)
                time.sleep(0.02 + 0.005 * (number % 7))  # not in step with the emulator's loops
            return latencies
        finally:
            subscriber.stop()
            worker.join(timeout=10)
            server.shutdown()
            internal.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=60)
    parser.add_argument("--queue", choices=("pubsub", "inprocess"), default="pubsub")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    emulator = PubSubEmulator() if args.queue == "pubsub" else None
    if emulator:
        os.environ["PUBSUB_EMULATOR_HOST"] = emulator.host  # read by google-cloud-pubsub itself
    try:
        latencies = measure(args.queue, args.emails)
        floor = measure_floor(args.emails) if emulator else None
    finally:
        if emulator:
            emulator.stop()
    ms = [value * 1000 for value in latencies]
    line = (
        f"queue={args.queue} emails={len(ms)} p50_ms={percentile(ms, 0.5):.0f} "
        f"p99_ms={percentile(ms, 0.99):.0f} mean_ms={statistics.mean(ms):.0f} "
        f"max_ms={max(ms):.0f}"
    )
    if floor:
        floor_ms = [value * 1000 for value in floor]
        line += (
            f" emulator_floor_p50_ms={percentile(floor_ms, 0.5):.0f}"
            f" emulator_floor_p99_ms={percentile(floor_ms, 0.99):.0f}"
            f" ours_p50_ms={percentile(ms, 0.5) - percentile(floor_ms, 0.5):.0f}"
        )
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
