"""Receiver fixtures: a real Store on SQLite, a recording publisher, self-signed push tokens."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from receiver_fakes import (
    AUDIENCE,
    ISSUER,
    SERVICE_ACCOUNT,
    SHARED_TOKEN,
    CertsServer,
    Pushes,
    RecordingPublisher,
    SigningKey,
)

from applytrack.settings import Settings
from receiver import create_app
from storage import Database, FieldCipher, Store


@pytest.fixture(scope="session")
def google_key() -> SigningKey:
    """The key our stand-in for Google publishes."""
    return SigningKey.generate("google-key-1")


@pytest.fixture(scope="session")
def foreign_key() -> SigningKey:
    """A key nobody published."""
    return SigningKey.generate("foreign-key")


@pytest.fixture(scope="session")
def running_certs_server() -> Iterator[CertsServer]:
    server = CertsServer().start()
    yield server
    server.stop()


@pytest.fixture
def certs_server(running_certs_server: CertsServer, google_key: SigningKey) -> CertsServer:
    """The certs endpoint, publishing only Google's key, with its fetch count at zero."""
    running_certs_server.keys = {google_key.kid: google_key.certificate_pem}
    running_certs_server.fetches = 0
    return running_certs_server


@pytest.fixture
def settings(tmp_path: Path, certs_server: CertsServer) -> Settings:
    """OIDC and shared-token push auth both configured, SQLite in a temp folder."""
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'receiver.db'}",
        encryption_keys={"k1": os.urandom(32)},
        active_key_id="k1",
        fingerprint_key=os.urandom(32),
        secret_key="test-secret",
        push_audience=AUDIENCE,
        push_service_account=SERVICE_ACCOUNT,
        push_certs_url=certs_server.url,
        push_issuers=(ISSUER, "accounts.google.com"),
        push_shared_token=SHARED_TOKEN,
    )


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    database = Database(settings.database_url)
    database.upgrade()
    cipher = FieldCipher(settings.encryption_keys, settings.active_key_id, settings.fingerprint_key)
    yield Store(database, cipher)
    database.dispose()


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


@pytest.fixture
def app(settings: Settings, store: Store, publisher: RecordingPublisher) -> Flask:
    app = create_app(settings, store=store, publisher=publisher)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def pushes(google_key: SigningKey) -> Pushes:
    return Pushes(google_key)
