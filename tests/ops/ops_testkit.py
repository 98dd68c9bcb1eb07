"""Helpers for the operations tests: real `applytrack` processes against the sandbox and Pub/Sub."""

from __future__ import annotations

import base64
import itertools
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from applytrack.gmail import GmailClient, gmail_config
from applytrack.settings import Settings
from processors.sync import WINDOW_QUERY
from sandbox import SandboxServer
from sandbox.emulator import free_port
from storage import Store, Tier
from tests.conftest import REPO_ROOT

_numbers = itertools.count(1)


def generated_mailbox(
    sandbox: SandboxServer, store: Store, *, count: int, tier: Tier = Tier.FREE, seed: int = 7
) -> tuple[int, str]:
    """A sandbox mailbox with ``count`` generated messages, connected in ``store``."""
    address = f"ops{next(_numbers)}.{os.getpid()}.{time.monotonic_ns()}@gmail.com"
    body = {"count": count, "days": 20, "seed": seed, "job_share": 0.3}
    answer = requests.post(f"{sandbox.url}/sandbox/users/{address}/generate", json=body, timeout=60)
    answer.raise_for_status()
    grant = sandbox.state.grant(address)
    user_id = store.create_user(f"owner.{address}")
    mailbox_id = store.connect_mailbox(
        user_id, address, tier=tier, refresh_token=grant["refresh_token"]
    )
    return mailbox_id, address


def inbox_ids(settings: Settings, sandbox: SandboxServer, address: str) -> set[str]:
    """The message ids a full sync of ``address`` must record (asked through the real client)."""
    token = sandbox.state.grant(address)["refresh_token"]
    gmail = GmailClient(gmail_config(settings), token)
    try:
        return {ref.id for ref in gmail.list_messages(f"newer_than:30d {WINDOW_QUERY}")}
    finally:
        gmail.close()


def recorded_ids(store: Store, mailbox_id: int) -> list[str]:
    """Every Gmail message id recorded for the mailbox, duplicates included."""
    with store.database.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT gmail_message_id FROM email_records WHERE mailbox_id = :m"),
            {"m": mailbox_id},
        )
        return [row[0] for row in rows]


def doubled_events(store: Store, mailbox_id: int) -> int:
    """How many (email, application) pairs have more than one status event."""
    sql = (
        "SELECT count(*) FROM (SELECT e.email_record_id FROM status_events e "
        "JOIN email_records r ON r.id = e.email_record_id WHERE r.mailbox_id = :m "
        "GROUP BY e.email_record_id, e.application_id HAVING count(*) > 1) d"
    )
    with store.database.engine.connect() as connection:
        return int(connection.execute(text(sql), {"m": mailbox_id}).scalar() or 0)


def event_count(store: Store, mailbox_id: int) -> int:
    """Status events written for the mailbox's emails."""
    sql = (
        "SELECT count(*) FROM status_events e JOIN email_records r "
        "ON r.id = e.email_record_id WHERE r.mailbox_id = :m"
    )
    with store.database.engine.connect() as connection:
        return int(connection.execute(text(sql), {"m": mailbox_id}).scalar() or 0)


def process_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment a real `applytrack` process needs to run on ``settings``."""

    def b64(key: bytes) -> str:
        return base64.b64encode(key).decode()

    keys = ",".join(f"{kid}:{b64(key)}" for kid, key in settings.encryption_keys.items())
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "APPLYTRACK_ENCRYPTION_KEYS": keys,
        "APPLYTRACK_ACTIVE_KEY_ID": settings.active_key_id,
        "APPLYTRACK_FINGERPRINT_KEY": b64(settings.fingerprint_key),
        "APPLYTRACK_SECRET_KEY": settings.secret_key,
        "APPLYTRACK_QUEUE": settings.queue_backend,
        "PUBSUB_PROJECT": settings.pubsub_project,
        "INTERNAL_PUBSUB_TOPIC": settings.internal_topic,
        "INTERNAL_SUBSCRIPTION": settings.internal_subscription,
        "INTERNAL_DEAD_LETTER_TOPIC": settings.internal_dead_letter_topic,
        "GMAIL_API_ENDPOINT": settings.gmail_api_endpoint,
        "GOOGLE_TOKEN_URI": settings.oauth_token_uri,
        "GOOGLE_OAUTH_CLIENT_ID": settings.oauth_client_id,
        "GOOGLE_OAUTH_CLIENT_SECRET": settings.oauth_client_secret,
        "GMAIL_QUOTA_UNITS_PER_SECOND": str(settings.gmail_quota_units_per_second),
        "MAILBOX_LEASE_SECONDS": str(settings.lease_seconds),
    }
    env.pop("METRICS_PORT", None)
    env.update(extra)
    return env


@dataclass
class Process:
    """A running `applytrack` subcommand whose stderr goes to a file."""

    popen: subprocess.Popen
    stderr_path: Path
    metrics_port: int | None = None

    def stderr(self) -> str:
        """Everything the process has logged so far."""
        return self.stderr_path.read_text(errors="replace")

    def log_entries(self) -> list[dict]:
        """Its stderr as JSON objects (fails on a line that is not one)."""
        return [json.loads(line) for line in self.stderr().splitlines() if line.strip()]

    def metrics(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        """A scrape of its metrics endpoint: (sample name, sorted labels) -> value."""
        assert self.metrics_port is not None, "this process serves no metrics"
        body = requests.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=10).text
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(body)
            for sample in family.samples
        }

    def stop(self, *, timeout: float = 15.0) -> int:
        """SIGTERM, then wait for the exit code."""
        if self.popen.poll() is None:
            self.popen.terminate()
        return self.popen.wait(timeout=timeout)

    def kill(self) -> None:
        """Make sure it is gone (test cleanup)."""
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(timeout=10)


def start_process(
    env: dict[str, str],
    log_dir: Path,
    name: str,
    *args: str,
    log_level: str = "INFO",
    with_metrics: bool = False,
) -> Process:
    """Start `applytrack --log-level LEVEL <args>` with stderr captured in ``log_dir/name``."""
    port = free_port() if with_metrics else None
    command = [sys.executable, "-m", "applytrack.cli", "--log-level", log_level, *args]
    if port is not None:
        command += ["--metrics-port", str(port)]
    stderr_path = log_dir / f"{name}.stderr"
    with stderr_path.open("wb") as stderr:
        popen = subprocess.Popen(
            command, env=env, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=stderr
        )
    return Process(popen, stderr_path, port)


def wait_until(condition: Callable[[], bool], *, what: str, timeout: float = 90.0) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def ops_settings(tmp_path: Path, sandbox: SandboxServer, database_url: str, **changes) -> Settings:
    """Settings for the test and its processes: the sandbox, a Pub/Sub project of its own."""
    values: dict[str, object] = {
        "database_url": database_url,
        "queue_backend": "pubsub",
        "pubsub_project": f"ops-{uuid.uuid4().hex[:10]}",
        "gmail_api_endpoint": sandbox.url,
        "oauth_token_uri": f"{sandbox.url}/token",
        "gmail_quota_units_per_second": 1000.0,
        "lease_seconds": 30,
        "demo": False,
    }
    values.update(changes)
    return Settings.embedded(tmp_path / "state", **values)
