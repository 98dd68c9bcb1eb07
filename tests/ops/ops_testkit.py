"""Helpers for the operations tests: real `applytrack` processes against the sandbox and Pub/Sub."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

from applytrack.settings import Settings
from sandbox import SandboxServer
from sandbox.emulator import free_port
from tests.conftest import REPO_ROOT
from tests.sync_testkit import (  # noqa: F401 - re-exported for the ops tests
    doubled_events,
    event_count,
    generated_mailbox,
    inbox_ids,
    process_env,
    recorded_ids,
)


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
