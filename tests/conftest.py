"""Session fixtures for every test package: Google's Pub/Sub emulator, paths, output folder."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.emulator import PubSubEmulator

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
POSTGRES_SQLALCHEMY_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


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
