"""Storage fixtures: one suite run on SQLite (a temp file) and PostgreSQL, on a hand-moved clock."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from storage import Database, FieldCipher, IncomingEmail, Label, Store, Tier
from tests.sync_testkit import FakeClock


@pytest.fixture
def database(any_database_url: str) -> Iterator[Database]:
    """The test's database (SQLite, then PostgreSQL), migrated to head."""
    database = Database(any_database_url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def keys() -> dict[str, bytes]:
    return {"k1": os.urandom(32), "k2": os.urandom(32)}


@pytest.fixture
def fingerprint_key() -> bytes:
    return os.urandom(32)


@pytest.fixture
def cipher(keys: dict[str, bytes], fingerprint_key: bytes) -> FieldCipher:
    return FieldCipher(keys, "k1", fingerprint_key)


@pytest.fixture
def store(database: Database, cipher: FieldCipher, clock: FakeClock) -> Store:
    """The data-access API on the test's database, on the test's hand-moved clock."""
    return Store(database, cipher, clock=clock.wall)


@pytest.fixture
def mailbox_id(store: Store) -> int:
    """A connected premium mailbox whose lease is held by ``worker-a``."""
    user_id = store.create_user("seeker@example.com", display_name="Sam Seeker")
    mailbox_id = store.connect_mailbox(
        user_id, "seeker@gmail.com", tier=Tier.PREMIUM, refresh_token="1//refresh-secret-token"
    )
    assert store.acquire_lease(mailbox_id, "worker-a", ttl_seconds=60)
    return mailbox_id


@pytest.fixture
def user_id(store: Store, mailbox_id: int) -> int:
    return store.mailbox(mailbox_id).user_id


EmailFactory = Callable[..., IncomingEmail]


@pytest.fixture
def make_email() -> EmailFactory:
    """Build an `IncomingEmail` with sensible defaults; keyword arguments override them."""
    counter = iter(range(1, 1_000_000))

    def build(**overrides: Any) -> IncomingEmail:
        number = next(counter)
        values: dict[str, Any] = {
            "gmail_message_id": f"msg-{number}",
            "thread_id": f"thread-{number}",
            "rfc822_message_id": f"<{number}.{uuid.uuid4().hex}@mail.acme-careers.example>",
            "sender": "Acme Careers <jobs@acme-careers.example>",
            "subject": f"Your application to Acme Rocketry #{number}",
            "date": datetime(2025, 2, 1, 9, 0, tzinfo=UTC) + timedelta(hours=number),
            "label": Label.APPLIED,
            "confidence": 0.95,
            "company": "Acme Rocketry",
            "role": "Propulsion Engineer",
            "reasons": ("phrase:thank you for applying",),
        }
        values.update(overrides)
        return IncomingEmail(**values)

    return build
