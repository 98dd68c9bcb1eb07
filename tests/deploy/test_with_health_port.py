"""deploy/with_health_port.py: health checks on $PORT beside a process, signals passed on."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.request

import pytest
from deploy_testkit import DEPLOY_DIR

from sandbox.emulator import free_port

pytestmark = pytest.mark.unit

WRAPPER = str(DEPLOY_DIR / "with_health_port.py")
# Exits 7 on SIGTERM; creates the file named by argv[1] once it is listening for it.
WAIT_FOR_TERM = (
    "import pathlib, signal, sys, time\n"
    "signal.signal(signal.SIGTERM, lambda *_: sys.exit(7))\n"
    "pathlib.Path(sys.argv[1]).touch()\n"
    "while True: time.sleep(0.05)\n"
)


def wrapper(*command: str, port: int | str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, WRAPPER, *command],
        env={"PORT": str(port), "PATH": "/usr/bin:/bin"},
        stderr=subprocess.PIPE,
        text=True,
    )


def health(port: int, *, timeout: float = 30.0) -> tuple[int, str]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                return response.status, response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_answers_health_checks_and_passes_sigterm_on(tmp_path) -> None:
    port = free_port()
    ready = tmp_path / "ready"
    process = wrapper(sys.executable, "-c", WAIT_FOR_TERM, str(ready), port=port)
    try:
        assert health(port) == (200, "ok\n")
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert time.monotonic() < deadline, "the command never started"
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 7
    finally:
        process.kill()
        process.wait()


@pytest.mark.parametrize("status", [0, 3])
def test_exits_with_the_commands_status(status: int) -> None:
    process = wrapper(sys.executable, "-c", f"raise SystemExit({status})", port=free_port())
    assert process.wait(timeout=30) == status


def test_a_bad_port_is_named() -> None:
    process = wrapper(sys.executable, "-c", "pass", port="eighty")
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 1
    assert "PORT is 'eighty'" in stderr


def test_a_missing_command_is_reported() -> None:
    process = wrapper("no-such-command-here", port=free_port())
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 127
    assert "no-such-command-here" in stderr


def test_without_a_command_it_shows_usage() -> None:
    process = wrapper(port=free_port())
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "usage: with-health-port" in stderr
