"""Helpers for the operations tests: real `applytrack` processes against the sandbox and Pub/Sub."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

from applytrack.settings import Settings
from messaging import MailboxChanged
from messaging.admin import PubSubNames, dead_letter_subscription
from sandbox import SandboxServer
from sandbox.emulator import free_port
from tests.sync_testkit import REPO_ROOT, settings_for

# The web process serves /metrics only to this token (METRICS_TOKEN); the others ignore it.
METRICS_TOKEN = "ops-metrics-scrape-token"
METRICS_AUTHORIZATION = {"Authorization": f"Bearer {METRICS_TOKEN}"}


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
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        body = requests.get(url, headers=METRICS_AUTHORIZATION, timeout=10).text
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(body)
            for sample in family.samples
        }

    def serving(self) -> bool:
        """Whether its metrics endpoint answers yet (it is up once it does)."""
        try:
            self.metrics()
        except OSError:
            return False
        return True

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


def procfile_command(process_type: str, env: dict[str, str]) -> list[str]:
    """The Procfile's command for ``process_type``, with ``${VAR:-default}`` taken from ``env``
    and the program run by this interpreter (`python -m gunicorn` for `gunicorn`)."""
    for line in (REPO_ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == process_type:
            program, *args = shlex.split(command)
            return [sys.executable, "-m", program, *(_expand(arg, env) for arg in args)]
    raise AssertionError(f"the Procfile has no {process_type!r} process")


def _expand(arg: str, env: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        return env.get(match["name"]) or match["default"] or ""

    return re.sub(r"\$\{(?P<name>\w+)(?::-(?P<default>[^}]*))?\}", value, arg)


def start_procfile_web(env: dict[str, str], log_dir: Path, name: str = "web") -> Process:
    """Start the Procfile's `web` process (gunicorn) on ``env["PORT"]``, stderr in ``log_dir``.

    Its `/metrics` is on that port, so `Process.metrics` scrapes it."""
    stderr_path = log_dir / f"{name}.stderr"
    with stderr_path.open("wb") as stderr:
        popen = subprocess.Popen(
            procfile_command("web", env),
            env=env,
            cwd=REPO_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    return Process(popen, stderr_path, int(env["PORT"]))


def worker_outcomes(process: Process) -> Counter[str]:
    """Messages a worker handled, by outcome, as its metrics endpoint reports them."""
    outcomes: Counter[str] = Counter()
    for (name, labels), value in process.metrics().items():
        if name == "applytrack_worker_messages_total":
            outcomes[dict(labels)["outcome"]] += int(value)
    return outcomes


def worker_metric(process: Process, name: str) -> float:
    """The sum of a metric's samples (all labels) in a scrape of the process."""
    return sum(value for (sample, _), value in process.metrics().items() if sample == name)


def drain_dead_letters(settings: Settings) -> list[MailboxChanged]:
    """Every message the internal subscription dead-lettered (pulled from its hold)."""
    hold = dead_letter_subscription(settings.pubsub.internal_dead_letter_topic)
    return _drain(settings.pubsub.project, hold, wait_seconds=3.0)


def drain_internal_subscription(
    settings: Settings, *, wait_seconds: float = 3.0
) -> list[MailboxChanged]:
    """Pull and ack every message on the internal subscription, until a pull brings nothing."""
    return _drain(
        settings.pubsub.project, settings.pubsub.internal_subscription, wait_seconds=wait_seconds
    )


def _drain(project: str, subscription: str, *, wait_seconds: float) -> list[MailboxChanged]:
    from google.api_core.exceptions import DeadlineExceeded, RetryError
    from google.cloud import pubsub_v1

    subscriber = pubsub_v1.SubscriberClient()
    path = subscriber.subscription_path(project, subscription)
    messages: list[MailboxChanged] = []
    try:
        while True:
            try:
                response = subscriber.pull(
                    request={"subscription": path, "max_messages": 100}, timeout=wait_seconds
                )
            except (DeadlineExceeded, RetryError):
                break
            received = list(response.received_messages)
            if not received:
                break
            messages += [MailboxChanged.from_bytes(r.message.data) for r in received]
            subscriber.acknowledge(
                request={"subscription": path, "ack_ids": [r.ack_id for r in received]}
            )
    finally:
        subscriber.close()
    return messages


def ops_settings(
    tmp_path: Path, sandbox: SandboxServer, database_url: str, **changes: object
) -> Settings:
    """Settings for the test and its processes: the sandbox, a Pub/Sub project of its own."""
    values: dict[str, object] = {
        "queue_backend": "pubsub",
        "pubsub": PubSubNames(project=f"ops-{uuid.uuid4().hex[:10]}"),
        "gmail_quota_units_per_second": 1000.0,
        "lease_seconds": 30,
    }
    values.update(changes)
    return settings_for(sandbox, tmp_path / "state", database_url, **values)
