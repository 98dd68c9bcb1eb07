"""Sign-up, sign-in, sign-out, session cookie flags, CSRF, and isolation between users."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from session_helpers import csrf_token, signed_in

from receiver import create_app
from receiver.config import ReceiverConfig, SignInLimits
from storage import IncomingEmail, Label, Store, Tier

pytestmark = pytest.mark.unit

PASSWORD = "a long enough password"


def sign_up(client: FlaskClient, email: str, password: str = PASSWORD, **extra: str):
    form = {"email": email, "password": password, "csrf_token": csrf_token(client, "/sign-up")}
    return client.post("/sign-up", data=form | extra)


def seed_application(store: Store, user_id: int, address: str, company: str) -> int:
    mailbox_id = store.connect_mailbox(user_id, address, tier=Tier.FREE, refresh_token="1//r")
    assert store.acquire_lease(mailbox_id, "test", ttl_seconds=60)
    store.apply_sync_batch(
        mailbox_id,
        "test",
        [
            IncomingEmail(
                gmail_message_id=f"m-{company}",
                thread_id=f"t-{company}",
                rfc822_message_id=None,
                sender=f"Jobs <jobs@{company.lower()}.example>",
                subject=f"Thanks for applying to {company}",
                date=datetime(2025, 2, 1, 9, 0, tzinfo=UTC),
                label=Label.APPLIED,
                confidence=0.95,
                company=company,
                role="Analyst",
            )
        ],
        new_cursor=5,
    )
    (application,) = store.applications(user_id)
    return application.id


def test_sign_up_hashes_the_password_and_signs_in(client: FlaskClient, store: Store) -> None:
    response = sign_up(client, "New.Person@Example.com", display_name="New Person")

    assert response.status_code == 302
    assert response.headers["Location"] == "/settings/integrations"
    user = store.user_by_email("new.person@example.com")
    assert user is not None and user.display_name == "New Person"
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash
    page = client.get("/settings/integrations").get_data(as_text=True)
    assert "Connect Gmail" in page and "New Person" in page


def test_sign_up_refuses_a_short_password_and_a_taken_email(client: FlaskClient) -> None:
    short = sign_up(client, "a@example.com", password="short")
    assert short.status_code == 400
    assert "at least 10 characters" in short.get_data(as_text=True)

    assert sign_up(client, "b@example.com").status_code == 302
    other = signed_in(client.application, None)
    taken = sign_up(other, "B@example.com")
    assert taken.status_code == 400
    assert "already exists" in taken.get_data(as_text=True)


def test_sign_in_checks_the_password(app: Flask, store: Store) -> None:
    sign_up(app.test_client(), "sam@example.com")
    client = app.test_client()

    wrong = client.post(
        "/sign-in",
        data={
            "email": "sam@example.com",
            "password": "not it at all",
            "csrf_token": csrf_token(client),
        },
    )
    unknown = client.post(
        "/sign-in",
        data={
            "email": "nobody@example.com",
            "password": PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    right = client.post(
        "/sign-in",
        data={
            "email": "SAM@example.com",
            "password": PASSWORD,
            "csrf_token": csrf_token(client),
            "next": "/settings/integrations",
        },
    )

    assert wrong.status_code == 401 and "do not match" in wrong.get_data(as_text=True)
    assert unknown.status_code == 401 and "do not match" in unknown.get_data(as_text=True)
    assert right.status_code == 302
    assert right.headers["Location"] == "/settings/integrations"
    assert client.get("/").status_code == 200


def sign_in(client: FlaskClient, email: str, password: str):
    form = {"email": email, "password": password, "csrf_token": csrf_token(client)}
    return client.post("/sign-in", data=form)


def test_failed_sign_ins_past_the_limit_lock_that_address_only(
    config: ReceiverConfig, store: Store, publisher
) -> None:
    throttled = replace(config, sign_in_limits=SignInLimits(failures="3 per 2 seconds"))
    app = create_app(throttled, store=store, publisher=publisher)
    sign_up(app.test_client(), "sam@example.com")
    sign_up(app.test_client(), "alex@example.com")
    client = app.test_client()

    failures = [sign_in(client, "sam@example.com", "guess") for _ in range(3)]
    locked = sign_in(client, "Sam@Example.com", PASSWORD)  # even the right password waits
    other = sign_in(app.test_client(), "alex@example.com", PASSWORD)

    assert [response.status_code for response in failures] == [401, 401, 401]
    assert locked.status_code == 429 and "Too many failed sign-ins" in locked.get_data(as_text=True)
    assert other.status_code == 302
    time.sleep(2.1)  # the window moves on
    assert sign_in(client, "sam@example.com", PASSWORD).status_code == 302


def test_sign_in_never_redirects_to_another_site(app: Flask) -> None:
    sign_up(app.test_client(), "sam@example.com")
    client = app.test_client()
    form = {"email": "sam@example.com", "password": PASSWORD, "next": "//evil.example/x"}

    response = client.post("/sign-in", data=form | {"csrf_token": csrf_token(client)})

    assert response.headers["Location"] == "/"


def test_sign_out_ends_the_session(client: FlaskClient) -> None:
    sign_up(client, "sam@example.com")
    token = csrf_token(client, "/")

    response = client.post("/sign-out", data={"csrf_token": token})

    assert response.status_code == 302
    assert client.get("/").status_code == 302
    assert client.get("/api/applications").status_code == 401


def test_every_form_post_needs_the_csrf_token(client: FlaskClient, store: Store) -> None:
    sign_up(client, "sam@example.com")
    user_id = store.user_by_email("sam@example.com").id
    application_id = seed_application(store, user_id, "sam@gmail.com", "Globex")
    paths = [
        "/sign-out",
        "/settings/integrations/gmail/sync",
        "/settings/integrations/gmail/disconnect",
        "/settings/integrations/gmail/connect",
        f"/applications/{application_id}/status",
    ]

    for path in paths:
        response = client.post(path, data={"status": "offer"})
        assert response.status_code == 400, path
        assert "CSRF" in response.get_data(as_text=True)
    assert store.applications(user_id)[0].status.value == "applied"
    assert store.mailbox_for_user(user_id).state.value == "active"


def test_a_sign_up_without_the_csrf_token_is_refused(client: FlaskClient, store: Store) -> None:
    response = client.post("/sign-up", data={"email": "x@example.com", "password": PASSWORD})

    assert response.status_code == 400
    assert store.user_by_email("x@example.com") is None


def test_session_cookie_flags_on_loopback_and_elsewhere(app: Flask) -> None:
    local = app.test_client()
    remote = app.test_client()

    local_cookie = sign_up(local, "a@example.com").headers["Set-Cookie"]
    remote_form = {"email": "b@example.com", "password": PASSWORD}
    token = csrf_token_from(remote, "https://tracker.example")
    remote_cookie = remote.post(
        "/sign-up",
        data=remote_form | {"csrf_token": token},
        base_url="https://tracker.example",
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
        headers={"Referer": "https://tracker.example/sign-up"},  # HTTPS CSRF checks the referrer
    ).headers["Set-Cookie"]

    for cookie in (local_cookie, remote_cookie):
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in local_cookie
    assert "Secure" in remote_cookie


def csrf_token_from(client: FlaskClient, base_url: str) -> str:
    import re

    html = client.get(
        "/sign-up", base_url=base_url, environ_base={"REMOTE_ADDR": "203.0.113.9"}
    ).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_pages_show_only_the_signed_in_users_data(app: Flask, store: Store) -> None:
    sam = store.create_user("sam@example.com")
    alex = store.create_user("alex@example.com")
    sams = seed_application(store, sam, "sam@gmail.com", "Globex")
    alexs = seed_application(store, alex, "alex@gmail.com", "Initech")
    client = signed_in(app, sam)

    board = client.get("/").get_data(as_text=True)
    foreign_page = client.get(f"/applications/{alexs}")
    foreign_change = client.post(
        f"/applications/{alexs}/status",
        data={"status": "offer", "csrf_token": csrf_token(client, "/")},
    )

    assert "Globex" in board and "Initech" not in board
    assert client.get(f"/applications/{sams}").status_code == 200
    assert foreign_page.status_code == 404
    assert "Initech" not in foreign_page.get_data(as_text=True)
    assert foreign_change.status_code == 404
    assert store.applications(alex)[0].status.value == "applied"
    settings_page = client.get("/settings/integrations").get_data(as_text=True)
    assert "sam@gmail.com" in settings_page and "alex@gmail.com" not in settings_page


def test_demo_sign_in_happens_on_loopback_only(config: ReceiverConfig, store: Store) -> None:
    user_id = store.create_user("demo@example.com")
    seed_application(store, user_id, "demo@gmail.com", "Umbrella")
    app = create_app(replace(config, demo=True), store=store, publisher=None)

    local = app.test_client().get("/api/applications")
    remote = app.test_client().get(
        "/api/applications", environ_base={"REMOTE_ADDR": "198.51.100.7"}
    )

    assert local.status_code == 200 and local.get_json()[0]["company"] == "Umbrella"
    assert remote.status_code == 401
