"""What the container image holds, checked without Docker: the wheel built as the Dockerfile
builds it, installed on its own and run from outside the repository, must carry everything the
processes read at run time (migrations, the trained model, templates)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sync_testkit import REPO_ROOT

pytestmark = pytest.mark.e2e

PROBE = """
import json, applytrack
from applytrack.wsgi import create_wsgi_app
from classifier import Email, load_classifier

client = create_wsgi_app().test_client()
verdict = load_classifier().classify(Email(
    sender="Acme Careers <no-reply@acme.greenhouse.io>",
    subject="Thank you for applying to Acme",
    body="Hi Sam, thank you for applying for the Data Engineer role at Acme. "
    "We have received your application and will review it shortly.",
))
print(json.dumps({
    "package": applytrack.__file__,
    "healthz": client.get("/healthz").status_code,
    "sign_in": client.get("/sign-in").status_code,
    "label": verdict.label,
    "company": verdict.company,
}))
"""


def dockerfile_sources(destination: Path) -> Path:
    """Copy what the Dockerfile's build stage copies (its COPY lines) into ``destination``."""
    for line in (REPO_ROOT / "Dockerfile").read_text().splitlines():
        words = line.split()
        if words[:1] != ["COPY"] or any(word.startswith("--") for word in words):
            continue
        for source in words[1:-1]:
            path = REPO_ROOT / source
            if path.is_dir():
                shutil.copytree(
                    path, destination / source, ignore=shutil.ignore_patterns("__pycache__")
                )
            else:
                (destination / source).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, destination / source)
    return destination


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel (`pip wheel --no-deps .` on the Dockerfile's copy of the sources, as
    its build stage does) installed alone."""
    work = tmp_path_factory.mktemp("image")
    sources = dockerfile_sources(work / "src")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    build = subprocess.run(
        [*pip, "wheel", "--no-deps", "--wheel-dir", str(work / "wheels"), str(sources)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    wheels = sorted((work / "wheels").glob("*.whl"))
    target = work / "site"
    install = subprocess.run(
        [*pip, "install", "--no-deps", "--target", str(target), *map(str, wheels)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr
    return target


def run_installed(site: Path, cwd: Path, *args: str, env: dict[str, str]) -> str:
    """Run Python from ``cwd`` with the installed package first on the path; its stdout."""
    environment = {**os.environ, **env, "PYTHONPATH": str(site)}
    result = subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_installed_package_migrates_serves_and_classifies(installed: Path, tmp_path: Path):
    database = f"sqlite:///{tmp_path / 'image.db'}"
    key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="  # 32 bytes, base64
    env = {
        "DATABASE_URL": database,
        "APPLYTRACK_ENCRYPTION_KEYS": f"k1:{key}",
        "APPLYTRACK_ACTIVE_KEY_ID": "k1",
        "APPLYTRACK_FINGERPRINT_KEY": key,
        "APPLYTRACK_SECRET_KEY": "image-test-secret",
        "APPLYTRACK_QUEUE": "inprocess",
        "PUBSUB_PROJECT": "applytrack-image",
        "GOOGLE_OAUTH_CLIENT_ID": "client",
        "GOOGLE_OAUTH_CLIENT_SECRET": "secret",
        "GMAIL_PUSH_AUDIENCE": "https://applytrack.example/pubsub/gmail",
        "GMAIL_PUSH_SERVICE_ACCOUNT": "applytrack-push@applytrack-image.iam.gserviceaccount.com",
        "LOG_LEVEL": "WARNING",
    }
    run_installed(installed, tmp_path, "-m", "applytrack.cli", "db", "upgrade", env=env)
    report = json.loads(run_installed(installed, tmp_path, "-c", PROBE, env=env).splitlines()[-1])

    assert Path(report["package"]).is_relative_to(installed), "ran the repository, not the wheel"
    assert (report["healthz"], report["sign_in"]) == (200, 200)
    assert (report["label"], report["company"]) == ("applied", "Acme")
