"""Helpers every test package may use (the fixtures are in tests/conftest.py): paths, a clock the
test moves, waiting, settings pointed at the Gmail sandbox, and generated mailboxes synced and
checked in the database afterwards."""

from __future__ import annotations

import base64
import itertools
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import requests
from sqlalchemy import text

from applytrack.settings import Settings
from applytrack.wiring import gmail_config
from gmail import GmailClient
from processors.sync import WINDOW_QUERY
from sandbox import SandboxServer
from storage import Store, Tier

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
POSTGRES_SQLALCHEMY_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SANDBOX_QUOTA = 5000.0  # units/s: Gmail's quota rules, fast enough that no test waits on them
CLOCK_START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

T = TypeVar("T")
_addresses = itertools.count(1)


class FakeClock:
    """A clock that moves only when the test moves it: seconds since the epoch when called."""

    def __init__(self) -> None:
        self.now = CLOCK_START.timestamp()
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def wall(self) -> datetime:
        """The same moment as an aware UTC datetime."""
        return datetime.fromtimestamp(self.now, UTC)

    def advance(self, seconds: float) -> None:
        """Move the clock on."""
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        """Stand in for `time.sleep`: note the wait and move the clock on at once."""
        self.slept.append(seconds)
        self.now += seconds


def wait_until(check: Callable[[], T], *, what: str, timeout: float = 90.0) -> T:
    """Poll ``check`` until it returns something truthy and return that; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def new_address(name: str) -> str:
    """A Gmail address no other test of the run uses, so that tests can share one sandbox."""
    return f"{name}.{next(_addresses)}@gmail.com"


def settings_for(
    sandbox: SandboxServer, state_dir: Path, database_url: str, **changes: object
) -> Settings:
    """Settings on ``database_url`` (keys kept in ``state_dir``) with Gmail and OAuth pointed at
    ``sandbox``; ``changes`` override any field."""
    values: dict[str, object] = {
        "database_url": database_url,
        "gmail_api_endpoint": sandbox.url,
        "oauth_auth_uri": f"{sandbox.url}/o/oauth2/auth",
        "oauth_token_uri": f"{sandbox.url}/token",
        "oauth_revoke_uri": f"{sandbox.url}/revoke",
        "demo": False,
    }
    values.update(changes)
    return Settings.embedded(state_dir, **values)


def generated_mailbox(
    sandbox: SandboxServer,
    store: Store,
    *,
    count: int,
    tier: Tier = Tier.FREE,
    seed: int = 7,
    job_share: float = 0.3,
) -> tuple[int, int, str]:
    """A sandbox mailbox with ``count`` generated messages over 20 days, connected in ``store``:
    (user id, mailbox id, address)."""
    address = new_address("gen")
    body = {"count": count, "days": 20, "seed": seed, "job_share": job_share}
    answer = requests.post(f"{sandbox.url}/sandbox/users/{address}/generate", json=body, timeout=60)
    answer.raise_for_status()
    grant = sandbox.state.grant(address)
    user_id = store.create_user(f"owner.{address}")
    mailbox_id = store.connect_mailbox(
        user_id, address, tier=tier, refresh_token=grant["refresh_token"]
    )
    return user_id, mailbox_id, address


def inbox_ids(settings: Settings, sandbox: SandboxServer, address: str) -> set[str]:
    """The message ids a full sync of ``address`` must record (asked through the real client)."""
    token = sandbox.state.grant(address)["refresh_token"]
    gmail = GmailClient(gmail_config(settings), token)
    try:
        return {ref.id for ref in gmail.list_messages(f"newer_than:30d {WINDOW_QUERY}")}
    finally:
        gmail.close()


def messages_get_calls(sandbox: SandboxServer, address: str) -> int:
    """How many messages.get the sandbox answered for the mailbox (batched ones included)."""
    return int(sandbox.state.stats(address)["calls"].get("users.messages.get", 0))


def recorded_ids(store: Store, mailbox_id: int) -> list[str]:
    """Every Gmail message id recorded for the mailbox, duplicates included."""
    with store.database.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT gmail_message_id FROM email_records WHERE mailbox_id = :m"),
            {"m": mailbox_id},
        )
        return [row[0] for row in rows]


def doubled_events(store: Store, mailbox_id: int) -> int:
    """How many (email, application) pairs have more than one status event."""
    sql = (
        "SELECT count(*) FROM (SELECT e.email_record_id FROM status_events e "
        "JOIN email_records r ON r.id = e.email_record_id WHERE r.mailbox_id = :m "
        "GROUP BY e.email_record_id, e.application_id HAVING count(*) > 1) d"
    )
    with store.database.engine.connect() as connection:
        return int(connection.execute(text(sql), {"m": mailbox_id}).scalar() or 0)


def event_count(store: Store, mailbox_id: int) -> int:
    """Status events written for the mailbox's emails."""
    sql = (
        "SELECT count(*) FROM status_events e JOIN email_records r "
        "ON r.id = e.email_record_id WHERE r.mailbox_id = :m"
    )
    with store.database.engine.connect() as connection:
        return int(connection.execute(text(sql), {"m": mailbox_id}).scalar() or 0)


def process_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment a real `applytrack` process needs to run on ``settings``."""

    def b64(key: bytes) -> str:
        return base64.b64encode(key).decode()

    keys = ",".join(f"{kid}:{b64(key)}" for kid, key in settings.encryption_keys.items())
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "APPLYTRACK_ENCRYPTION_KEYS": keys,
        "APPLYTRACK_ACTIVE_KEY_ID": settings.active_key_id,
        "APPLYTRACK_FINGERPRINT_KEY": b64(settings.fingerprint_key),
        "APPLYTRACK_SECRET_KEY": settings.secret_key,
        "APPLYTRACK_QUEUE": settings.queue_backend,
        "PUBSUB_PROJECT": settings.pubsub.project,
        "INTERNAL_PUBSUB_TOPIC": settings.pubsub.internal_topic,
        "INTERNAL_SUBSCRIPTION": settings.pubsub.internal_subscription,
        "INTERNAL_DEAD_LETTER_TOPIC": settings.pubsub.internal_dead_letter_topic,
        "GMAIL_API_ENDPOINT": settings.gmail_api_endpoint,
        "GOOGLE_TOKEN_URI": settings.oauth_token_uri,
        "GOOGLE_OAUTH_CLIENT_ID": settings.oauth_client_id,
        "GOOGLE_OAUTH_CLIENT_SECRET": settings.oauth_client_secret,
        "GMAIL_QUOTA_UNITS_PER_SECOND": str(settings.gmail_quota_units_per_second),
        "MAILBOX_LEASE_SECONDS": str(settings.lease_seconds),
    }
    env.pop("METRICS_PORT", None)
    env.update(extra)
    return env
