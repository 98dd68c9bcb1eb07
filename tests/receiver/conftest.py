"""Receiver fixtures: its config, a store on SQLite, a recording publisher, self-signed push
tokens (the sandbox, the clock and `store` itself are in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from receiver_fakes import (
    AUDIENCE,
    ISSUER,
    METRICS_TOKEN,
    SERVICE_ACCOUNT,
    SHARED_TOKEN,
    CertsServer,
    Pushes,
    RecordingPublisher,
    SigningKey,
)

from applytrack.settings import Settings
from applytrack.wiring import field_cipher
from gmail import GmailConfig, OAuthClientConfig
from receiver import create_app
from receiver.config import PushAuthConfig, ReceiverConfig
from sandbox import SandboxServer
from storage import Store
from tests.sync_testkit import FakeClock, settings_for


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
    """Our stand-in for Google's certs endpoint, running for the whole session."""
    server = CertsServer().start()
    yield server
    server.stop()


@pytest.fixture
def certs_server(running_certs_server: CertsServer, google_key: SigningKey) -> CertsServer:
    """The certs endpoint, publishing only Google's key, with its fetch count at zero."""
    running_certs_server.keys = {google_key.kid: google_key.certificate_pem}
    running_certs_server.fetches = 0
    running_certs_server.raw_body = None
    return running_certs_server


@pytest.fixture
def config(certs_server: CertsServer) -> ReceiverConfig:
    """OIDC and shared-token push auth both configured, a metrics token; Google unreachable."""
    return ReceiverConfig(
        secret_key="test-secret",
        gmail=GmailConfig(
            api_endpoint="http://127.0.0.1:9",
            oauth=OAuthClientConfig(client_id="test-client", client_secret="test-secret"),
        ),
        push_auth=PushAuthConfig(
            audience=AUDIENCE,
            service_account=SERVICE_ACCOUNT,
            certs_url=certs_server.url,
            issuers=(ISSUER, "accounts.google.com"),
            shared_token=SHARED_TOKEN,
        ),
        metrics_token=METRICS_TOKEN,
    )


@pytest.fixture
def settings(tmp_path: Path, sandbox: SandboxServer) -> Settings:
    """The shared settings on a SQLite file: the receiver's tests run on SQLite only."""
    return settings_for(sandbox, tmp_path, f"sqlite:///{tmp_path / 'receiver.db'}")


@pytest.fixture
def still_store(store: Store, settings: Settings, clock: FakeClock) -> Store:
    """The test's store on a clock that stands still, so that timestamps compare exactly."""
    return Store(store.database, field_cipher(settings), clock=clock.wall)


@pytest.fixture
def publisher() -> RecordingPublisher:
    """A publisher that keeps what it is given."""
    return RecordingPublisher()


@pytest.fixture
def app(config: ReceiverConfig, store: Store, publisher: RecordingPublisher) -> Flask:
    """The receiver on the test's config, store and publisher."""
    app = create_app(config, store=store, publisher=publisher)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A client nobody signed in with."""
    return app.test_client()


@pytest.fixture
def pushes(google_key: SigningKey) -> Pushes:
    """Push bodies and tokens signed with Google's key."""
    return Pushes(google_key)
