"""Fixtures for the deploy tests: a PATH without gcloud, a script runner, a recording gcloud."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from deploy_testkit import DEPLOY_DIR, TOOLS, FakeGcloud, Result


@pytest.fixture
def bin_without_gcloud(tmp_path: Path) -> Path:
    """A PATH folder with the usual tools and no gcloud."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool)
        if found:
            (folder / tool).symlink_to(found)
    assert shutil.which("gcloud", path=str(folder)) is None
    return folder


@pytest.fixture
def run_script(bin_without_gcloud: Path, tmp_path: Path):
    """Run ``deploy/<name>`` with arguments on a PATH without gcloud (or on ``path``)."""

    def run(name: str, *args: str, path: Path | None = None, env: dict | None = None) -> Result:
        completed = subprocess.run(
            [str(bin_without_gcloud / "bash"), str(DEPLOY_DIR / name), *args],
            env={"PATH": str(path or bin_without_gcloud), "HOME": str(tmp_path), **(env or {})},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return Result(completed.returncode, completed.stdout, completed.stderr)

    return run


@pytest.fixture
def fake_gcloud(tmp_path: Path, bin_without_gcloud: Path) -> FakeGcloud:
    """A PATH whose gcloud records its calls instead of reaching Google."""
    folder = tmp_path / "fake-bin"
    folder.mkdir()
    for tool in bin_without_gcloud.iterdir():
        (folder / tool.name).symlink_to(tool.resolve())
    gcloud = folder / "gcloud"
    gcloud.write_text((Path(__file__).parent / "fake_gcloud.sh").read_text())
    gcloud.chmod(0o755)
    log_dir = tmp_path / "gcloud-log"
    log_dir.mkdir()
    return FakeGcloud(folder, log_dir)
