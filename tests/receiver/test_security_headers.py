"""Security headers on every answer, and pages that work under their Content-Security-Policy."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from session_helpers import signed_in

from receiver import create_app
from receiver.config import ReceiverConfig
from storage import IncomingEmail, Label, Store, Tier

pytestmark = pytest.mark.unit

REMOTE = {"REMOTE_ADDR": "203.0.113.9"}
# Anything the policy would block: inline scripts, style attributes or elements, event handlers.
INLINE_CODE = re.compile(
    r"<script(?![^>]*\ssrc=)[^>]*>|<style[\s>]|\sstyle\s*=|\son[a-z]+\s*=|javascript:", re.I
)


def seed(store: Store) -> tuple[int, int]:
    """A user with a mailbox, one application and one email waiting for review."""
    user_id = store.create_user("sam@example.com", display_name="Sam")
    mailbox_id = store.connect_mailbox(user_id, "sam@gmail.com", tier=Tier.FREE, refresh_token="r")
    assert store.acquire_lease(mailbox_id, "test", ttl_seconds=60)
    emails = [
        IncomingEmail(
            gmail_message_id=f"m{n}",
            thread_id=f"t{n}",
            rfc822_message_id=None,
            sender="Jobs <jobs@globex.example>",
            subject=f"About your application {n}",
            date=datetime(2025, 2, n, 9, 0, tzinfo=UTC),
            label=Label.APPLIED if n == 1 else Label.INTERVIEWING,
            confidence=0.9 if n == 1 else 0.4,
            company="Globex",
            role="Analyst",
            needs_review=n == 2,
        )
        for n in (1, 2)
    ]
    store.apply_sync_batch(mailbox_id, "test", emails, new_cursor=5)
    (application,) = store.applications(user_id)
    return user_id, application.id


def answers(app: Flask, client: FlaskClient) -> dict[str, object]:
    """One answer of each kind the web process gives."""
    return {
        "page": client.get("/sign-in"),
        "redirect": client.get("/"),
        "json 401": client.get("/api/applications"),
        "webhook 401": client.post("/pubsub/gmail", data=b"{}"),
        "static file": client.get("/static/style.css"),
        "404 page": client.get("/no-such-page"),
        "healthz": client.get("/healthz"),
        "metrics": client.get("/metrics"),
    }


@pytest.mark.parametrize("environ", [{}, REMOTE], ids=["loopback", "remote"])
def test_every_answer_carries_the_security_headers(app: Flask, environ: dict[str, str]) -> None:
    client = app.test_client()
    client.environ_base.update(environ)

    for kind, response in answers(app, client).items():
        headers = response.headers  # type: ignore[attr-defined]
        policy = headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in policy, kind
        assert "script-src 'self'" in policy and "style-src 'self'" in policy, kind
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, kind
        assert headers.get("X-Frame-Options") == "DENY", kind
        assert headers.get("X-Content-Type-Options") == "nosniff", kind
        assert headers.get("Referrer-Policy") == "same-origin", kind


def test_hsts_is_sent_off_loopback_only(client: FlaskClient) -> None:
    local = client.get("/sign-in")
    remote = client.get("/sign-in", base_url="https://tracker.example", environ_base=REMOTE)

    assert "Strict-Transport-Security" not in local.headers
    assert remote.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_an_unexpected_error_still_carries_the_headers(
    config: ReceiverConfig, store: Store
) -> None:
    app = create_app(config, store=store, publisher=None)

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")

    assert response.status_code == 500
    assert response.headers["X-Frame-Options"] == "DENY"


def test_forms_may_lead_to_googles_consent_page(config: ReceiverConfig, store: Store) -> None:
    oauth = replace(config.gmail.oauth, auth_uri="https://accounts.example:8443/o/oauth2/auth")
    app = create_app(replace(config, gmail=replace(config.gmail, oauth=oauth)), store=store)

    policy = app.test_client().get("/sign-in").headers["Content-Security-Policy"]

    assert "form-action 'self' https://accounts.example:8443;" in policy


def test_no_page_needs_inline_script_or_style(app: Flask, store: Store) -> None:
    user_id, application_id = seed(store)
    visitor = app.test_client()
    client = signed_in(app, user_id)
    pages = {
        "sign in": visitor.get("/sign-in"),
        "sign up": visitor.get("/sign-up"),
        "not found": visitor.get("/no-such-page"),
        "applications": client.get("/"),
        "applications, filtered": client.get("/?status=applied"),
        "application": client.get(f"/applications/{application_id}"),
        "integrations": client.get("/settings/integrations"),
    }

    for name, response in pages.items():
        html = response.get_data(as_text=True)
        assert response.status_code in (200, 404), name
        assert INLINE_CODE.search(html) is None, f"{name}: {INLINE_CODE.search(html)}"
    assert "Needs your review" in pages["applications"].get_data(as_text=True)
