"""`GET /`: the server-rendered Applications page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from applytrack.settings import Settings
from receiver import create_app
from storage import IncomingEmail, Label, Status, Store, Tier

pytestmark = pytest.mark.unit


def seed_user(store: Store, *, company: str, label: Label = Label.APPLIED) -> tuple[int, int]:
    user_id = store.create_user("sam@example.com")
    mailbox_id = store.connect_mailbox(
        user_id, "sam@gmail.com", tier=Tier.FREE, refresh_token="1//r"
    )
    assert store.acquire_lease(mailbox_id, "test", ttl_seconds=60)
    store.apply_sync_batch(
        mailbox_id,
        "test",
        [
            IncomingEmail(
                gmail_message_id="m1",
                thread_id="t1",
                rfc822_message_id="<m1@x>",
                sender="Jobs <jobs@example.com>",
                subject="Thanks for applying",
                date=datetime(2025, 2, 1, 9, 0, tzinfo=UTC),
                label=label,
                confidence=0.9,
                company=company,
                role="Data Analyst",
            )
        ],
        new_cursor=7,
    )
    (application,) = store.applications(user_id)
    return user_id, application.id


def page(app: Flask, user_id: int | None) -> tuple[int, str]:
    app.config["CURRENT_USER_LOADER"] = lambda store: user_id
    response = app.test_client().get("/")
    return response.status_code, response.get_data(as_text=True)


def test_lists_the_signed_in_users_applications(app: Flask, store: Store) -> None:
    user_id, application_id = seed_user(store, company="Globex")
    store.set_status_manually(user_id, application_id, Status.OFFER)

    status, html = page(app, user_id)

    assert status == 200
    assert "Globex" in html
    assert "Data Analyst" in html
    assert "Offer Extended" in html
    assert "sam@gmail.com" in html
    assert '<meta name="viewport"' in html


def test_company_names_are_escaped(app: Flask, store: Store) -> None:
    user_id, _ = seed_user(store, company="<script>alert(1)</script>")

    _, html = page(app, user_id)

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_an_empty_account_says_so(app: Flask, store: Store) -> None:
    user_id = store.create_user("new@example.com")

    status, html = page(app, user_id)

    assert status == 200
    assert "No applications yet" in html
    assert "No Gmail mailbox is connected" in html


def test_nobody_signed_in_gets_401(client: FlaskClient) -> None:
    response = client.get("/")

    assert response.status_code == 401
    assert "not signed in" in response.get_data(as_text=True)


def test_demo_mode_shows_the_demo_users_page(settings: Settings, store: Store) -> None:
    seed_user(store, company="Initech")
    client = create_app(settings.replace(demo=True), store=store, publisher=None).test_client()

    response = client.get("/")

    assert response.status_code == 200
    assert "Initech" in response.get_data(as_text=True)


def test_the_stylesheet_is_served(client: FlaskClient) -> None:
    with client.get("/static/style.css") as response:
        assert response.status_code == 200
        assert "@media" in response.get_data(as_text=True)
