"""The `applytrack` command line: how every subcommand logs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def test_every_applytrack_command_logs_as_the_environment_says(tmp_path: Path) -> None:
    def logged(*flags: str, **environ: str) -> str:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "applytrack.cli",
                *flags,
                "db",
                "upgrade",
                "--database-url",
                f"sqlite:///{tmp_path / 'logs.db'}",
            ],
            env={**os.environ, **environ},
            capture_output=True,
            text=True,
            check=True,
        ).stderr

    assert '"level": "info"' in logged(LOG_LEVEL="INFO")
    assert logged(LOG_LEVEL="WARNING") == ""  # the worker and scheduler obey it as gunicorn does
    assert '"level": "info"' in logged("--log-level", "info", LOG_LEVEL="WARNING")
    text_lines = logged(LOG_LEVEL="INFO", LOG_FORMAT="text")
    assert "INFO" in text_lines and not text_lines.lstrip().startswith("{")
