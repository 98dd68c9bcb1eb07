"""A burst of duplicate pushes for one mailbox, drained by real `applytrack worker` processes.

New emails land in one sandbox mailbox; each is announced several times (Gmail may notify twice,
Pub/Sub may deliver twice), in random order, straight onto the internal topic of Google's Pub/Sub
emulator. Measures how long the workers take to drain the burst and how many syncs it cost
(sync runs written for the mailbox). Before issue #16 such a burst went to one worker through
one ordering key, which handled its messages one by one. At Gmail's 250 units/s per user, the
messages' metadata alone (5 units each) sets a floor of emails / 50 seconds.

    python bench/burst.py [--emails 400] [--copies 3] [--workers 2] [--database-url URL]

Ends with one line:
    pushes=1200 emails=400 workers=2 syncs=S drain_seconds=D pushes_per_second=R
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from messaging import MailboxChanged

REPO = Path(__file__).resolve().parents[1]
EMAIL = {
    "from": "Greenhouse <no-reply@greenhouse.io>",
    "subject": "Thank you for applying to Northwind Traders",
    "body": "Thank you for applying for the Data Engineer role. We received your application.",
}


def wait_for(check: Callable[[], bool], *, what: str, timeout: float = 300.0) -> None:
    """Poll ``check`` until it is true; exit naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.05)


def handled(ports: list[int]) -> int:
    """Messages the workers have handled so far, from their metrics endpoints."""
    import requests
    from prometheus_client.parser import text_string_to_metric_families

    total = 0
    for port in ports:
        body = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        for family in text_string_to_metric_families(body):
            if family.name == "applytrack_worker_messages":
                total += sum(int(s.value) for s in family.samples if s.name.endswith("_total"))
    return total


def publish_all(project: str, topic: str, messages: list[MailboxChanged]) -> None:
    """Every message in flight at once, then wait for all of them."""
    from google.cloud import pubsub_v1

    client = pubsub_v1.PublisherClient()
    path = client.topic_path(project, topic)
    try:
        for future in [client.publish(path, m.to_bytes()) for m in messages]:
            future.result(timeout=60)
    finally:
        client.stop()


def start_workers(count: int, env: dict[str, str], logs: Path) -> tuple[list, list[int]]:
    """``count`` worker processes, each serving metrics on a port of its own."""
    from sandbox.emulator import free_port, wait_for_port

    ports = [free_port() for _ in range(count)]
    workers = []
    for n, port in enumerate(ports):
        with (logs / f"worker{n}.log").open("wb") as log:
            command = [sys.executable, "-m", "applytrack.cli", "--log-level", "WARNING", "worker"]
            workers.append(
                subprocess.Popen(
                    [*command, "--metrics-port", str(port)], cwd=REPO, env=env, stderr=log
                )
            )
    try:
        for port in ports:
            wait_for_port(port)
    except BaseException:
        stop_workers(workers)  # a worker that never came up must not outlive the bench
        raise
    return workers, ports


def stop_workers(workers: list) -> None:
    """Terminate the worker processes and wait for them."""
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.wait(timeout=30)


def run(args: argparse.Namespace, state: Path) -> str:
    """Set up, burst, drain; return the summary line."""
    from applytrack.settings import Settings
    from applytrack.wiring import store_from_settings
    from messaging.admin import PubSubNames, bootstrap_pubsub
    from messaging.pubsub import PubSubPublisher
    from sandbox import SandboxServer
    from storage import Tier
    from tests.sync_testkit import process_env

    with SandboxServer(quota_units_per_second=args.quota) as gmail:
        overrides: dict[str, object] = (
            {"database_url": args.database_url} if args.database_url else {}
        )
        settings = Settings.embedded(
            state,
            queue_backend="pubsub",
            pubsub=PubSubNames(project=f"applytrack-burst-{int(time.time())}"),
            gmail_api_endpoint=gmail.url,
            oauth_token_uri=f"{gmail.url}/token",
            gmail_quota_units_per_second=args.quota,
            demo=False,
            **overrides,
        )
        store = store_from_settings(settings)
        store.database.upgrade()
        bootstrap_pubsub(settings.pubsub)
        address = "burst.bench@gmail.com"
        gmail.state.deliver(address, {**EMAIL, "to": address})
        user_id = store.create_user("burst@applytrack.test")
        token = gmail.state.grant(address)["refresh_token"]
        mailbox_id = store.connect_mailbox(user_id, address, tier=Tier.FREE, refresh_token=token)
        workers, ports = start_workers(args.workers, process_env(settings), state)
        try:
            publisher = PubSubPublisher(settings.pubsub.project, settings.pubsub.internal_topic)
            publisher.publish(MailboxChanged(mailbox_id, None, "initial"))
            publisher.close()
            # Its run is recorded just after the cursor moves: wait for the row, then count.
            wait_for(lambda: bool(store.sync_runs(mailbox_id)), what="the initial sync")
            syncs_before = len(store.sync_runs(mailbox_id, limit=100_000))
            history = [
                int(gmail.state.deliver(address, {**EMAIL, "to": address})["historyId"])
                for _ in range(args.emails)
            ]
            pushes = [MailboxChanged(mailbox_id, h, "push") for h in history * args.copies]
            random.Random(16).shuffle(pushes)
            started = time.monotonic()
            publish_all(settings.pubsub.project, settings.pubsub.internal_topic, pushes)
            wait_for(
                lambda: (
                    (store.mailbox(mailbox_id).history_cursor or 0) >= max(history)
                    and handled(ports) >= len(pushes) + 1
                ),
                what="the burst to drain",
            )
            seconds = time.monotonic() - started
            syncs = len(store.sync_runs(mailbox_id, limit=100_000)) - syncs_before
        finally:
            stop_workers(workers)
    return (
        f"pushes={len(pushes)} emails={args.emails} workers={args.workers} syncs={syncs} "
        f"drain_seconds={seconds:.2f} pushes_per_second={len(pushes) / seconds:.0f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=400)
    parser.add_argument("--copies", type=int, default=3, help="pushes per email")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quota", type=float, default=250.0, help="Gmail units/s per user")
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp folder")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    from sandbox.emulator import PubSubEmulator

    with PubSubEmulator() as emulator, tempfile.TemporaryDirectory() as state:
        os.environ["PUBSUB_EMULATOR_HOST"] = emulator.host
        print(run(args, Path(state)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
