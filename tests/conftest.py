"""Fixtures every test package shares: Google's Pub/Sub emulator, the databases, one Gmail sandbox
for the whole run, settings and a store on the test's database, a clock the test moves."""

from __future__ import annotations

import logging
import os
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from applytrack.settings import Settings
from applytrack.wiring import store_from_settings
from sandbox import SandboxServer
from sandbox.emulator import PubSubEmulator
from storage import Store
from tests.sync_testkit import (
    POSTGRES_ADMIN_URL,
    POSTGRES_SQLALCHEMY_URL,
    REPO_ROOT,
    SANDBOX_QUOTA,
    SHARED_DATA,
    FakeClock,
    settings_for,
)


@pytest.fixture(autouse=True)
def restored_logging() -> Iterator[None]:
    """A command under test configures logging for its process (handlers on the root logger,
    exception hooks); put the test run's own back so later tests never write to a closed stream."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    hooks = sys.excepthook, threading.excepthook
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    sys.excepthook, threading.excepthook = hooks


@pytest.fixture(scope="session")
def pubsub_emulator() -> Iterator[str]:
    """Start Google's Pub/Sub emulator for the session; stop it by its pid."""
    previous = os.environ.get("PUBSUB_EMULATOR_HOST")
    with PubSubEmulator() as emulator:
        # google-cloud-pubsub reads the emulator address from the environment itself.
        os.environ["PUBSUB_EMULATOR_HOST"] = emulator.host
        try:
            yield emulator.host
        finally:
            if previous is None:
                os.environ.pop("PUBSUB_EMULATOR_HOST", None)
            else:
                os.environ["PUBSUB_EMULATOR_HOST"] = previous


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """Where tests leave artefacts a person may want to look at (screenshots, reports)."""
    path = Path(os.environ.get("APPLYTRACK_TEST_OUTPUT", REPO_ROOT / "test-output"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data folder beside the repository (skips when it is absent)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is not there")
    return SHARED_DATA


def _postgres_unavailable_reason() -> str | None:
    import psycopg

    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3):
            return None
    except psycopg.OperationalError as exc:
        return f"PostgreSQL at 127.0.0.1:5432 is unreachable ({exc.__class__.__name__})"


@pytest.fixture(scope="session")
def postgres_available() -> bool:
    reason = _postgres_unavailable_reason()
    if reason is None:
        return True
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}, and CI=true requires the PostgreSQL tests to run.")
    pytest.skip(f"{reason}; start PostgreSQL to run these tests (set CI=true to make this fail).")


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped after the test."""
    import psycopg

    request.getfixturevalue("postgres_available")
    schema = f"t_{uuid.uuid4().hex}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES_SQLALCHEMY_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(
    params=[
        pytest.param("sqlite", marks=pytest.mark.unit),
        pytest.param("postgresql", marks=pytest.mark.postgres),
    ]
)
def any_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on SQLite (a temp file) and on PostgreSQL (a fresh schema)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'applytrack.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    """The Gmail and OAuth stand-in the whole run shares: each test uses addresses of its own."""
    with SandboxServer(quota_units_per_second=SANDBOX_QUOTA) as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path, sandbox: SandboxServer, any_database_url: str) -> Settings:
    """Settings on the test's database, pointed at the sandbox, pacing to its quota."""
    return settings_for(
        sandbox,
        tmp_path,
        any_database_url,
        gmail_quota_units_per_second=SANDBOX_QUOTA,
        lease_seconds=30,
        gmail_max_attempts=4,
    )


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    """The data-access API on the settings' database, migrated to head."""
    store = store_from_settings(settings)
    store.database.upgrade()
    yield store
    store.database.dispose()


@pytest.fixture
def clock() -> FakeClock:
    """A clock that moves only when the test moves it."""
    return FakeClock()
