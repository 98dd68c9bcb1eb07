"""Each process imports only its own stack: a worker run through `applytrack worker` loads no
Flask, no receiver, no Alembic and no HTML-to-text converter before it needs one (they cost it
memory, issue #15), and neither the web process nor the scheduler loads the classifier."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from storage import Database
from tests.applytrack.cli_testkit import cli_settings

pytestmark = pytest.mark.e2e

WEB_STACK = {"flask", "werkzeug", "wtforms", "flask_login", "flask_wtf", "dateparser", "receiver"}
CLASSIFIER_STACK = {"spacy", "thinc", "classifier"}
MIGRATIONS = {"alembic"}  # only `applytrack db upgrade` and the demo migrate
HTML_TO_TEXT = {"inscriptis", "lxml"}  # only for the first mail without a readable text part

# Runs the given code, then prints the top-level packages the process imported, one line.
LOADED_PACKAGES = "print(' '.join(sorted({name.split('.')[0] for name in sys.modules})))"


def _packages_loaded(code: str, database_url: str) -> set[str]:
    env = {
        **os.environ,
        **cli_settings({"k1": os.urandom(32)}, "k1", os.urandom(32)),
        "DATABASE_URL": database_url,
        "GMAIL_PUSH_TOKEN": "test",
        "LOG_LEVEL": "WARNING",
    }
    finished = subprocess.run(
        [sys.executable, "-c", f"import sys\n{code}\n{LOADED_PACKAGES}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return set(finished.stdout.split())


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'processes.db'}"
    database = Database(url)
    database.upgrade()
    database.dispose()
    return url


def test_the_worker_command_runs_without_the_web_stack(database_url: str) -> None:
    worker = (
        "from applytrack.cli import main\n"
        "main(['worker', '--idle-timeout', '0', '--metrics-port', '0'])"
    )

    loaded = _packages_loaded(worker, database_url)

    assert {"spacy", "classifier", "processors"} <= loaded  # it did build a worker
    unneeded = WEB_STACK | MIGRATIONS | HTML_TO_TEXT
    assert loaded.isdisjoint(unneeded), sorted(loaded & unneeded)


def test_the_web_app_is_built_without_the_classifier(database_url: str) -> None:
    web = "from applytrack.wsgi import create_wsgi_app\ncreate_wsgi_app()"

    loaded = _packages_loaded(web, database_url)

    assert {"flask", "receiver"} <= loaded
    assert loaded.isdisjoint(CLASSIFIER_STACK | {"processors"}), sorted(loaded & CLASSIFIER_STACK)


def test_the_scheduler_command_runs_without_the_classifier_or_the_web_stack(
    database_url: str,
) -> None:
    scheduler = "from applytrack.cli import main\nmain(['scheduler', '--once'])"

    loaded = _packages_loaded(scheduler, database_url)

    assert "processors" in loaded  # it did run a scheduler tick
    assert loaded.isdisjoint(CLASSIFIER_STACK | WEB_STACK), sorted(
        loaded & (CLASSIFIER_STACK | WEB_STACK)
    )
