"""`applytrack demo` stops cleanly on Ctrl-C, also while it is still starting."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def _interruptible() -> None:
    # A test runner started in the background may hand its children SIGINT ignored.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_while_the_demo_is_starting_stops_every_part(tmp_path: Path) -> None:
    command = ["demo", "--port", "0", "--sandbox-port", "0", "--state-dir", str(tmp_path / "demo")]
    demo = subprocess.Popen(
        [sys.executable, "-m", "applytrack.cli", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=_interruptible,
    )
    try:
        assert demo.stdout is not None
        for line in demo.stdout:  # the sandbox is up: the database and the mailbox come next
            if "sandbox serving at" in line:
                break
        demo.send_signal(signal.SIGINT)
        output, _ = demo.communicate(timeout=60)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()

    assert "Press Ctrl-C to stop." not in output  # interrupted while starting
    assert "Stopped cleanly." in output
    assert demo.returncode == 0
