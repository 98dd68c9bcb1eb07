"""Connect Gmail over OAuth 2.0 (PKCE + state) against the real sandbox, Sync Now, Disconnect,
Reconnect, and the errors a person can hit on the way."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from receiver_fakes import RecordingPublisher
from session_helpers import csrf_token, signed_in

from gmail import GMAIL_READONLY_SCOPE, GmailConfig, OAuthClientConfig
from messaging import MailboxChanged
from receiver.config import ReceiverConfig
from sandbox import SandboxServer
from storage import MailboxState, Store, Tier
from tests.sync_testkit import new_address

pytestmark = pytest.mark.unit


@pytest.fixture
def config(config: ReceiverConfig, sandbox: SandboxServer) -> ReceiverConfig:
    """The receiver's config, talking OAuth and Gmail to the sandbox."""
    oauth = OAuthClientConfig(
        client_id="applytrack-test",
        client_secret="applytrack-test-secret",
        auth_uri=f"{sandbox.url}/o/oauth2/auth",
        token_uri=f"{sandbox.url}/token",
        revoke_uri=f"{sandbox.url}/revoke",
    )
    return replace(
        config, gmail=GmailConfig(api_endpoint=sandbox.url, oauth=oauth), default_tier="premium"
    )


def start_connect(client: FlaskClient, *, tier: str = "premium") -> dict[str, str]:
    """Press Connect Gmail; return the authorization request's query parameters."""
    response = client.post(
        "/settings/integrations/gmail/connect",
        data={"tier": tier, "csrf_token": csrf_token(client, "/settings/integrations")},
    )
    assert response.status_code == 302
    return {k: v[0] for k, v in parse_qs(urlsplit(response.headers["Location"]).query).items()}


def consent(
    sandbox: SandboxServer,
    params: dict[str, str],
    address: str,
    *,
    decision: str = "allow",
    scopes: list[str] | None = None,
) -> str:
    """Answer the sandbox consent page; return the callback path and query to follow."""
    form = params | {"email": address, "decision": decision}
    form["granted_scope"] = scopes if scopes is not None else params["scope"].split()
    answer = requests.post(
        f"{sandbox.url}/o/oauth2/auth", data=form, allow_redirects=False, timeout=10
    )
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    return f"{location.path}?{location.query}"


def connect(client: FlaskClient, sandbox: SandboxServer, address: str, **options) -> str:
    params = start_connect(client)
    callback = consent(sandbox, params, address, **options)
    response = client.get(callback, follow_redirects=True)
    return response.get_data(as_text=True)


def new_user(store: Store, app: Flask, email: str) -> tuple[int, FlaskClient]:
    user_id = store.create_user(email)
    return user_id, signed_in(app, user_id)


def test_the_authorization_request_uses_pkce_state_and_offline_readonly_access(
    app: Flask, store: Store
) -> None:
    _, client = new_user(store, app, "sam@example.com")

    params = start_connect(client)

    assert params["scope"] == GMAIL_READONLY_SCOPE
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert params["access_type"] == "offline"
    assert params["prompt"] == "consent"
    assert params["response_type"] == "code"
    assert len(params["state"]) >= 32
    assert params["redirect_uri"].endswith("/oauth/gmail/callback")


def test_connecting_stores_the_token_and_queues_the_initial_sync(
    app: Flask, store: Store, sandbox: SandboxServer, publisher: RecordingPublisher
) -> None:
    user_id, client = new_user(store, app, "sam@example.com")

    address = new_address("Sam.Seeker")

    page = connect(client, sandbox, address)

    assert "Gmail connected" in page
    mailbox = store.mailbox_for_user(user_id)
    assert address != address.lower()
    assert mailbox.gmail_address == address.lower()
    assert (mailbox.state, mailbox.tier) == (MailboxState.ACTIVE, Tier.PREMIUM)
    assert store.refresh_token(mailbox.id)
    assert publisher.messages == [MailboxChanged(mailbox.id, None, "initial")]


def test_a_replayed_or_forged_state_is_refused(
    app: Flask, store: Store, sandbox: SandboxServer, publisher: RecordingPublisher
) -> None:
    user_id, client = new_user(store, app, "sam@example.com")
    params = start_connect(client)
    callback = consent(sandbox, params | {"state": "forged-state"}, new_address("sam"))

    page = client.get(callback, follow_redirects=True).get_data(as_text=True)

    assert "did not match the request this browser started" in page
    assert store.mailbox_for_user(user_id) is None
    assert publisher.messages == []


def test_declined_consent_says_how_to_try_again(
    app: Flask, store: Store, sandbox: SandboxServer
) -> None:
    user_id, client = new_user(store, app, "sam@example.com")

    page = connect(client, sandbox, new_address("sam"), decision="deny")

    assert "access was declined" in page and "Connect Gmail" in page
    assert store.mailbox_for_user(user_id) is None


def test_a_missing_scope_asks_to_grant_all_permissions(
    app: Flask, store: Store, sandbox: SandboxServer
) -> None:
    user_id, client = new_user(store, app, "sam@example.com")

    page = connect(client, sandbox, new_address("sam"), scopes=[])

    assert "Insufficient permissions: reconnect and grant all permissions" in page
    assert store.mailbox_for_user(user_id) is None


def test_a_gmail_address_of_another_account_is_refused(
    app: Flask, store: Store, sandbox: SandboxServer
) -> None:
    shared = new_address("shared")
    _, first = new_user(store, app, "sam@example.com")
    connect(first, sandbox, shared)
    second_id, second = new_user(store, app, "alex@example.com")

    page = connect(second, sandbox, shared)

    assert "already connected to another ApplyTrack account" in page
    assert store.mailbox_for_user(second_id) is None


def test_sync_now_disconnect_and_reconnect(
    app: Flask, store: Store, sandbox: SandboxServer, publisher: RecordingPublisher
) -> None:
    address = new_address("keep")
    user_id, client = new_user(store, app, "sam@example.com")
    connect(client, sandbox, address)
    mailbox_id = store.mailbox_for_user(user_id).id
    store.record_watch(
        mailbox_id, history_id=4242, expiration=datetime.now(UTC) + timedelta(days=7)
    )
    token = store.refresh_token(mailbox_id)

    token_form = {"csrf_token": csrf_token(client, "/settings/integrations")}
    synced = client.post("/settings/integrations/gmail/sync", data=token_form)
    gone = client.post("/settings/integrations/gmail/disconnect", data=token_form)

    assert synced.status_code == gone.status_code == 302
    assert publisher.messages[-1] == MailboxChanged(mailbox_id, None, "sync_now")
    mailbox = store.mailbox(mailbox_id)
    assert mailbox.state is MailboxState.DISCONNECTED
    assert store.refresh_token(mailbox_id) is None
    refused = requests.post(
        f"{sandbox.url}/token",
        data={"grant_type": "refresh_token", "refresh_token": token, "client_id": "c"},
        timeout=10,
    )
    assert refused.json()["error"] == "invalid_grant"  # revoked at the provider
    page = client.get("/settings/integrations").get_data(as_text=True)
    assert "Disconnected" in page and "Reconnect" in page

    page = connect(client, sandbox, address)

    assert "Gmail connected" in page
    mailbox = store.mailbox(mailbox_id)
    assert (mailbox.state, mailbox.history_cursor) == (MailboxState.ACTIVE, 4242)
    assert publisher.messages[-1] == MailboxChanged(mailbox_id, None, "sync_now")


def test_reconnect_needed_shows_the_reconnect_button(app: Flask, store: Store) -> None:
    user_id, client = new_user(store, app, "sam@example.com")
    mailbox_id = store.connect_mailbox(user_id, "r@gmail.com", tier=Tier.FREE, refresh_token="x")
    store.set_mailbox_state(mailbox_id, MailboxState.RECONNECT_NEEDED)

    page = client.get("/settings/integrations").get_data(as_text=True)

    assert "Reconnect needed" in page
    assert ">Reconnect</button>" in page
    assert "Sync Now" not in page
    assert "Last Sync" in page and "Threads monitored" in page


def test_a_running_sync_shows_its_progress(app: Flask, store: Store) -> None:
    user_id, client = new_user(store, app, "progress@example.com")
    mailbox_id = store.connect_mailbox(user_id, "p@gmail.com", tier=Tier.FREE, refresh_token="x")
    run_id = store.start_sync_run(mailbox_id, "initial")
    store.update_sync_progress(run_id, processed=1200, total=3000)

    page = client.get("/settings/integrations").get_data(as_text=True)

    assert '<progress value="1200" max="3000"' in page
    assert "1200 of 3000" in page
