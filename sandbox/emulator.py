"""Starts and stops Google's Pub/Sub emulator (installed with the Google Cloud SDK) for local runs.

Used by the tests' session fixture and by the benchmarks; production never starts it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

EMULATOR_BINARY = Path(
    "/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator"
)


class EmulatorNotInstalled(RuntimeError):
    """Neither the emulator's launcher nor gcloud is on this machine."""


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, *, timeout: float = 60.0) -> None:
    """Block until something accepts connections on 127.0.0.1:``port``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listened on port {port} within {timeout} s")


def _command(port: int, data_dir: Path) -> list[str]:
    if EMULATOR_BINARY.exists():
        return [str(EMULATOR_BINARY), "--host=127.0.0.1", f"--port={port}"]
    gcloud = shutil.which("gcloud")
    if gcloud:
        return [
            gcloud,
            "beta",
            "emulators",
            "pubsub",
            "start",
            f"--host-port=127.0.0.1:{port}",
            f"--data-dir={data_dir}",
        ]
    raise EmulatorNotInstalled(
        f"Google's Pub/Sub emulator is not installed: expected {EMULATOR_BINARY} or gcloud on PATH."
    )


class PubSubEmulator:
    """A running emulator; `host` is what PUBSUB_EMULATOR_HOST must be set to."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.host = f"127.0.0.1:{self.port}"
        self._data_dir = Path(tempfile.mkdtemp(prefix="pubsub-emulator-"))
        self._log = (self._data_dir / "emulator.log").open("wb")
        self._process = subprocess.Popen(
            _command(self.port, self._data_dir),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_for_port(self.port)
        except TimeoutError:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop the emulator (its whole process group, found by its pid)."""
        if self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()
        self._log.close()
        shutil.rmtree(self._data_dir, ignore_errors=True)

    def __enter__(self) -> PubSubEmulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
