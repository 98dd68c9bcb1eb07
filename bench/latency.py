"""New email → status event written, on the premium push path of the local stack.

sandbox (Gmail stand-in) → Gmail topic on Google's Pub/Sub emulator → push subscription → webhook
over HTTP → internal topic → streaming-pull worker → Gmail API → classifier → database.
The clock stops when the worker's transaction that writes the status event (and moves the cursor
past the new message) has committed.

    python bench/latency.py [--emails 60] [--queue pubsub|inprocess]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from applytrack.localstack import StackOptions, start_local_stack
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
    finally:
        if emulator:
            emulator.stop()
    ms = [value * 1000 for value in latencies]
    print(
        f"queue={args.queue} emails={len(ms)} p50_ms={percentile(ms, 0.5):.0f} "
        f"p99_ms={percentile(ms, 0.99):.0f} mean_ms={statistics.mean(ms):.0f} "
        f"max_ms={max(ms):.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
