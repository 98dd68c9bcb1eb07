"""The Account page: change the password (other sessions end), download my data, delete the
account (the Google grant revoked, every row gone)."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from session_helpers import csrf_token
from sqlalchemy import func, select
from test_board_pages import job_email, seed_mail
from test_gmail_connection import connect
from werkzeug.security import generate_password_hash

from gmail import GmailConfig, OAuthClientConfig
from receiver.config import ReceiverConfig
from sandbox import SandboxServer
from storage import Label, Store
from storage.models import (
    Application,
    EmailCorrection,
    EmailRecord,
    Mailbox,
    StatusEvent,
    SyncRun,
    User,
)
from tests.sync_testkit import new_address

pytestmark = pytest.mark.unit

PASSWORD = "a long enough password"
NEW_PASSWORD = "another long password"


@pytest.fixture
def config(config: ReceiverConfig, sandbox: SandboxServer) -> ReceiverConfig:
    """OAuth against the sandbox, so that a deleted account's grant is revoked for real."""
    oauth = OAuthClientConfig(
        client_id="applytrack-test",
        client_secret="applytrack-test-secret",
        auth_uri=f"{sandbox.url}/o/oauth2/auth",
        token_uri=f"{sandbox.url}/token",
        revoke_uri=f"{sandbox.url}/revoke",
    )
    return replace(config, gmail=GmailConfig(api_endpoint=sandbox.url, oauth=oauth))


def signed_up(app: Flask, store: Store, email: str = "sam@example.com") -> tuple[int, FlaskClient]:
    hashed = generate_password_hash(PASSWORD, method="scrypt")
    user_id = store.create_user(email, password_hash=hashed)
    client = app.test_client()
    form = {"email": email, "password": PASSWORD, "csrf_token": csrf_token(client)}
    assert client.post("/sign-in", data=form).status_code == 302
    return user_id, client


def post(client: FlaskClient, path: str, data: dict[str, str]):
    return client.post(path, data=data | {"csrf_token": csrf_token(client, "/account")})


def test_the_account_page_offers_password_data_and_deletion(app: Flask, store: Store) -> None:
    _, client = signed_up(app, store)

    html = client.get("/account").get_data(as_text=True)

    assert "Change password" in html and "Download my data" in html
    assert "Type your password to confirm" in html
    assert client.application.test_client().get("/account").status_code == 302  # signed out


def test_changing_the_password_ends_the_other_sessions(app: Flask, store: Store) -> None:
    signed_up(app, store)
    here, elsewhere = app.test_client(), app.test_client()
    for browser in (here, elsewhere):
        form = {"email": "sam@example.com", "password": PASSWORD, "csrf_token": csrf_token(browser)}
        assert browser.post("/sign-in", data=form).status_code == 302

    wrong = post(
        here, "/account/password", {"current_password": "nope", "new_password": NEW_PASSWORD}
    )
    short = post(here, "/account/password", {"current_password": PASSWORD, "new_password": "short"})
    changed = post(
        here, "/account/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )

    assert wrong.status_code == short.status_code == 400
    assert "current_password:" in wrong.get_data(as_text=True)
    assert "new_password:" in short.get_data(as_text=True)
    assert changed.status_code == 302
    assert here.get("/account").status_code == 200  # this browser stays signed in
    assert elsewhere.get("/account").status_code == 302  # the other one is signed out
    fresh = app.test_client()
    old = {"email": "sam@example.com", "password": PASSWORD, "csrf_token": csrf_token(fresh)}
    assert fresh.post("/sign-in", data=old).status_code == 401
    new = old | {"password": NEW_PASSWORD}
    assert fresh.post("/sign-in", data=new).status_code == 302


def test_download_my_data_is_metadata_only(app: Flask, store: Store) -> None:
    user_id, client = signed_up(app, store)
    seed_mail(
        store,
        user_id,
        [
            job_email(1, company="Globex", label=Label.APPLIED, thread="t1"),
            job_email(2, company="Substack", label=Label.INTERVIEWING, thread="t2"),
        ],
    )
    newsletter = next(a for a in store.applications(user_id) if a.company == "Substack")
    email_id = next(e.email.id for e in store.application(user_id, newsletter.id).events if e.email)
    post(client, f"/emails/{email_id}/correction", {"kind": "not_job"})
    post(client, "/applications", {"company": "Initech", "role": "Analyst", "notes": "call back"})

    response = client.get("/account/data.json")

    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == "sam@example.com"
    exported = {a["company"]: a for a in data["applications"]}
    assert set(exported) == {"Globex", "Initech"}
    assert exported["Initech"]["notes"] == "call back"
    assert exported["Initech"]["events"][0]["cause"] == "added"
    globex_email = exported["Globex"]["events"][0]["email"]
    assert globex_email["subject"] == "About your application to Globex"
    assert globex_email["date"] == "2025-02-01T09:00:00Z"
    (correction,) = data["corrections"]
    assert (correction["previous_label"], correction["label"]) == ("interviewing", "none")
    text = response.get_data(as_text=True)
    assert "password" not in text and "refresh" not in text


def test_deleting_the_account_needs_the_password_and_removes_everything(
    app: Flask, store: Store, sandbox: SandboxServer
) -> None:
    user_id, client = signed_up(app, store)
    other_id, _ = signed_up(app, store, "other@example.com")
    post(client, "/applications", {"company": "Initech"})
    connect(client, sandbox, new_address("gone"))
    mailbox_id = store.mailbox_for_user(user_id).id
    token = store.refresh_token(mailbox_id)
    store.start_sync_run(mailbox_id, "initial")
    store.create_api_token(user_id, "script")

    refused = post(client, "/account/delete", {"password": "not it"})
    assert refused.status_code == 400 and "password:" in refused.get_data(as_text=True)
    assert store.user(user_id) is not None

    deleted = client.post(
        "/account/delete",
        data={"password": PASSWORD, "csrf_token": csrf_token(client, "/account")},
        follow_redirects=True,
    )

    assert "Your account is deleted" in deleted.get_data(as_text=True)
    assert store.user(user_id) is None and store.user(other_id) is not None
    with store.database.session(read_only=True) as session:
        for model in (
            User,
            Mailbox,
            Application,
            EmailRecord,
            StatusEvent,
            EmailCorrection,
            SyncRun,
        ):
            rows = session.scalar(select(func.count()).select_from(model))
            assert rows == (1 if model is User else 0), model.__name__
    refused_grant = requests.post(
        f"{sandbox.url}/token",
        data={"grant_type": "refresh_token", "refresh_token": token, "client_id": "c"},
        timeout=10,
    )
    assert refused_grant.json()["error"] == "invalid_grant"
    assert client.get("/").status_code == 302


def test_account_forms_need_the_csrf_token(app: Flask, store: Store) -> None:
    user_id, client = signed_up(app, store)

    for path in ("/account/password", "/account/delete"):
        response = client.post(path, data={"password": PASSWORD})
        assert response.status_code == 400, path
    assert store.user(user_id) is not None


def test_api_tokens_are_created_shown_once_and_revoked(app: Flask, store: Store) -> None:
    user_id, client = signed_up(app, store)

    created = post(client, "/account/tokens", {"name": "my script"})
    unnamed = post(client, "/account/tokens", {"name": ""})

    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    token = re.search(
        r'<code class="token" id="new-token">([^<]+)</code>', created.get_data(as_text=True)
    )
    assert token is not None
    secret = token.group(1)
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {secret}"}
    assert api.get("/api/applications", headers=bearer).status_code == 200
    assert unnamed.status_code == 400 and "name is required" in unnamed.get_data(as_text=True)
    listed = client.get("/account").get_data(as_text=True)
    assert "my script" in listed and secret not in listed

    (view,) = store.api_tokens(user_id)
    revoked = post(client, f"/account/tokens/{view.id}/revoke", {})
    again = post(client, f"/account/tokens/{view.id}/revoke", {})

    assert revoked.status_code == 302 and again.status_code == 404
    assert api.get("/api/applications", headers=bearer).status_code == 401
    _, stranger = signed_up(app, store, "stranger@example.com")
    mine = store.create_api_token(user_id, "other").view
    assert post(stranger, f"/account/tokens/{mine.id}/revoke", {}).status_code == 404
