"""Pushes are served by the webhook's own small app, under one WSGI callable with the pages."""

from __future__ import annotations

from dataclasses import replace

import pytest
from flask import Flask, request
from receiver_fakes import Pushes, RecordingPublisher
from session_helpers import signed_in

from messaging import MailboxChanged
from receiver import create_app
from receiver.config import ReceiverConfig
from storage import Store, Tier

pytestmark = pytest.mark.unit

ADDRESS = "seeker@gmail.com"


@pytest.fixture
def user_and_mailbox(store: Store) -> tuple[int, int]:
    user_id = store.create_user("sam@example.com")
    return user_id, store.connect_mailbox(user_id, ADDRESS, tier=Tier.PREMIUM, refresh_token="1//r")


def push_headers(pushes: Pushes) -> dict[str, str]:
    return {"Authorization": f"Bearer {pushes.token()}", "Content-Type": "application/json"}


def test_a_push_runs_none_of_the_pages_hooks(
    app: Flask,
    pushes: Pushes,
    publisher: RecordingPublisher,
    user_and_mailbox: tuple[int, int],
) -> None:
    seen: list[str] = []
    app.before_request(lambda: seen.append(request.path))
    client = app.test_client()

    push = client.post(
        "/pubsub/gmail", data=pushes.body(ADDRESS, "77"), headers=push_headers(pushes)
    )
    page = client.get("/sign-in")

    assert push.status_code == 204
    assert publisher.messages == [MailboxChanged(user_and_mailbox[1], 77, "push")]
    assert page.status_code == 200
    assert seen == ["/sign-in"]


def test_a_push_from_a_signed_in_browser_gets_no_cookie(
    app: Flask, pushes: Pushes, user_and_mailbox: tuple[int, int]
) -> None:
    client = signed_in(app, user_and_mailbox[0])

    response = client.post(
        "/pubsub/gmail", data=pushes.body(ADDRESS, "78"), headers=push_headers(pushes)
    )

    assert response.status_code == 204
    assert "Set-Cookie" not in response.headers


def test_the_demo_signs_nobody_in_on_a_push(
    config: ReceiverConfig,
    store: Store,
    publisher: RecordingPublisher,
    pushes: Pushes,
    user_and_mailbox: tuple[int, int],
) -> None:
    client = create_app(replace(config, demo=True), store=store, publisher=publisher).test_client()

    push = client.post(
        "/pubsub/gmail", data=pushes.body(ADDRESS, "79"), headers=push_headers(pushes)
    )
    page = client.get("/")

    assert push.status_code == 204
    assert "Set-Cookie" not in push.headers
    assert page.status_code == 200  # the demo user is signed in on the pages, as before
    assert "Set-Cookie" in page.headers


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/pubsub/gmail", 405), ("POST", "/pubsub/outlook", 404), ("GET", "/pubsub/", 404)],
)
def test_other_requests_under_pubsub_get_a_json_error_with_the_headers(
    app: Flask, method: str, path: str, status: int
) -> None:
    response = app.test_client().open(
        path, method=method, environ_base={"REMOTE_ADDR": "203.0.113.9"}
    )

    assert response.status_code == status
    assert response.is_json and response.get_json()["error"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Set-Cookie" not in response.headers
