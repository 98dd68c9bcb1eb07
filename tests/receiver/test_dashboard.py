"""`GET /`: the server-rendered Applications page."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from session_helpers import csrf_token, signed_in

from receiver import create_app
from receiver.config import ReceiverConfig
from storage import IncomingEmail, Label, MailboxState, Status, Store, Tier

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
    response = signed_in(app, user_id).get("/")
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


def test_nobody_signed_in_is_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_demo_mode_shows_the_demo_users_page(config: ReceiverConfig, store: Store) -> None:
    seed_user(store, company="Initech")
    client = create_app(replace(config, demo=True), store=store, publisher=None).test_client()

    response = client.get("/")

    assert response.status_code == 200
    assert "Initech" in response.get_data(as_text=True)


def test_the_stylesheet_is_served(client: FlaskClient) -> None:
    with client.get("/static/style.css") as response:
        assert response.status_code == 200
        assert "@media" in response.get_data(as_text=True)


def test_the_board_filters_by_status_and_draws_the_pipeline(app: Flask, store: Store) -> None:
    user_id, application_id = seed_user(store, company="Globex")
    store.set_status_manually(user_id, application_id, Status.REJECTED)
    client = signed_in(app, user_id)

    everything = client.get("/").get_data(as_text=True)
    rejected = client.get("/?status=rejected").get_data(as_text=True)
    offers = client.get("/?status=offer").get_data(as_text=True)

    assert "<svg" in everything and "Rejected: 1" in everything
    assert "Applied → Rejected: 1" in everything  # how they moved
    assert "Globex" in rejected
    assert "Globex" not in offers and "No applications are Offer Extended" in offers
    assert '<label for="status-filter">' in everything


def test_the_detail_page_shows_the_activity_log_with_causes(app: Flask, store: Store) -> None:
    user_id, application_id = seed_user(store, company="Globex")
    store.set_status_manually(user_id, application_id, Status.INTERVIEWING)

    html = signed_in(app, user_id).get(f"/applications/{application_id}").get_data(as_text=True)

    assert "Activity Log" in html
    assert "Changed by you" in html
    assert "Jobs &lt;jobs@example.com&gt;" in html and "Thanks for applying" in html
    assert '<label for="status">' in html


def test_a_manual_status_change_through_the_form(app: Flask, store: Store) -> None:
    user_id, application_id = seed_user(store, company="Globex")
    client = signed_in(app, user_id)

    response = client.post(
        f"/applications/{application_id}/status",
        data={"status": "offer", "csrf_token": csrf_token(client, "/")},
        follow_redirects=True,
    )
    bad = client.post(
        f"/applications/{application_id}/status",
        data={"status": "hired", "csrf_token": csrf_token(client, "/")},
        follow_redirects=True,
    )

    assert "It stays set by you until you return" in response.get_data(as_text=True)
    assert bad.status_code == 400
    assert "status: choose one of the listed statuses" in bad.get_data(as_text=True)
    assert store.application(user_id, application_id).status is Status.OFFER


def test_a_manual_status_is_set_by_you_until_tracking_returns(app: Flask, store: Store) -> None:
    user_id, application_id = seed_user(store, company="Globex")
    client = signed_in(app, user_id)
    store.set_status_manually(user_id, application_id, Status.OFFER)

    manual = client.get(f"/applications/{application_id}").get_data(as_text=True)
    assert "set by you" in manual and "Return to automatic tracking" in manual

    response = client.post(
        f"/applications/{application_id}/tracking",
        data={"csrf_token": csrf_token(client, "/")},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Automatic tracking is back" in page
    assert "Return to automatic tracking</button>" not in page
    assert store.application(user_id, application_id).status is Status.APPLIED
    stranger = signed_in(app, store.create_user("x@example.com"))
    refused = stranger.post(
        f"/applications/{application_id}/tracking", data={"csrf_token": csrf_token(stranger, "/")}
    )
    assert refused.status_code == 404


def test_flagged_emails_can_be_accepted_or_dismissed(app: Flask, store: Store) -> None:
    user_id, application_id = seed_user(store, company="Globex")
    mailbox_id = store.mailbox_for_user(user_id).id
    unsure = [
        IncomingEmail(
            gmail_message_id=f"r{n}",
            thread_id=f"t{n}",
            rfc822_message_id=None,
            sender="Recruiter <r@globex.example>",
            subject=f"Maybe an interview {n}",
            date=datetime(2025, 2, 3 + n, 9, 0, tzinfo=UTC),
            label=Label.INTERVIEWING,
            confidence=0.4,
            needs_review=True,
            company="Globex",
            role="Data Analyst",
        )
        for n in (1, 2)
    ]
    store.apply_sync_batch(mailbox_id, "test", unsure, new_cursor=9)
    client = signed_in(app, user_id)
    board = client.get("/").get_data(as_text=True)
    assert "Maybe an interview 1" in board and "Maybe an interview 2" in board
    first, second = sorted(store.emails_for_review(user_id), key=lambda r: r.subject)
    token = csrf_token(client, "/")

    client.post(f"/reviews/{first.id}/accept", data={"csrf_token": token})
    client.post(f"/reviews/{second.id}/dismiss", data={"csrf_token": token})
    again = client.post(
        f"/reviews/{second.id}/dismiss", data={"csrf_token": token}, follow_redirects=True
    )

    assert store.application(user_id, application_id).status is Status.INTERVIEWING
    assert store.emails_for_review(user_id) == []
    assert "already reviewed" in again.get_data(as_text=True)


def test_unsure_mail_of_one_thread_is_one_review_item(app: Flask, store: Store) -> None:
    user_id, application_id = seed_user(store, company="Globex")
    mailbox_id = store.mailbox_for_user(user_id).id
    unsure = [
        IncomingEmail(
            gmail_message_id=f"r{n}",
            thread_id="t1",
            rfc822_message_id=None,
            sender="Recruiter <r@globex.example>",
            subject=f"Re: Maybe an interview ({n})",
            date=datetime(2025, 2, 3 + n, 9, 0, tzinfo=UTC),
            label=Label.INTERVIEWING,
            confidence=0.4,
            needs_review=True,
        )
        for n in (1, 2, 3)
    ]
    store.apply_sync_batch(mailbox_id, "test", unsure, new_cursor=9)

    detail = signed_in(app, user_id).get(f"/applications/{application_id}")

    page = detail.get_data(as_text=True)
    assert "Re: Maybe an interview (3)" in page
    assert "Re: Maybe an interview (1)" not in page
    assert "+2 more in this thread" in page


def test_the_change_marker_moves_when_the_pipeline_writes(app: Flask, store: Store) -> None:
    user_id, application_id = seed_user(store, company="Globex")
    client = signed_in(app, user_id)
    before = client.get("/api/changes").get_json()["marker"]

    store.set_status_manually(user_id, application_id, Status.OFFER)

    assert client.get("/api/changes").get_json()["marker"] != before
    assert signed_in(app, None).get("/api/changes").status_code == 401


def test_another_users_application_page_is_not_found(app: Flask, store: Store) -> None:
    _, application_id = seed_user(store, company="Globex")
    stranger = store.create_user("stranger@example.com")

    response = signed_in(app, stranger).get(f"/applications/{application_id}")

    assert response.status_code == 404
    assert "Globex" not in response.get_data(as_text=True)


def pending_review(store: Store, user_id: int) -> int:
    mailbox_id = store.mailbox_for_user(user_id).id
    unsure = IncomingEmail(
        gmail_message_id="r1",
        thread_id="t-review",
        rfc822_message_id=None,
        sender="Recruiter <r@globex.example>",
        subject="Maybe an interview",
        date=datetime(2025, 2, 4, 9, 0, tzinfo=UTC),
        label=Label.INTERVIEWING,
        confidence=0.4,
        needs_review=True,
    )
    store.apply_sync_batch(mailbox_id, "test", [unsure], new_cursor=9)
    (review,) = store.emails_for_review(user_id)
    return review.id


@pytest.mark.parametrize(
    "target",
    ["/\t/evil.example", "/\n/evil.example", "//evil.example", "/\\evil.example", "https://e.x"],
)
@pytest.mark.parametrize("decision", ["accept", "dismiss"])
def test_review_forms_never_send_the_browser_off_site(
    app: Flask, store: Store, decision: str, target: str
) -> None:
    user_id, _ = seed_user(store, company="Globex")
    review_id = pending_review(store, user_id)
    client = signed_in(app, user_id)

    response = client.post(
        f"/reviews/{review_id}/{decision}",
        data={"next": target, "csrf_token": csrf_token(client, "/")},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_review_forms_go_back_to_the_page_they_were_on(app: Flask, store: Store) -> None:
    user_id, application_id = seed_user(store, company="Globex")
    review_id = pending_review(store, user_id)
    client = signed_in(app, user_id)

    response = client.post(
        f"/reviews/{review_id}/accept",
        data={"next": f"/applications/{application_id}", "csrf_token": csrf_token(client, "/")},
    )

    assert response.headers["Location"] == f"/applications/{application_id}"


def test_a_change_made_while_a_page_is_built_still_refreshes_it(
    app: Flask, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page takes its change marker before reading what it shows. The worker turns the
    mailbox to "Reconnect needed" just after the Integrations page read it: the page shows
    Active, and its marker differs from the next poll's, so the page refreshes itself."""
    user_id, _ = seed_user(store, company="Globex")
    mailbox = store.mailbox_for_user(user_id)
    assert mailbox is not None
    read_integration = store.integration

    def read_then_the_worker_writes(reader_id: int):
        integration = read_integration(reader_id)
        store.set_mailbox_state(mailbox.id, MailboxState.RECONNECT_NEEDED)
        return integration

    monkeypatch.setattr(store, "integration", read_then_the_worker_writes)
    client = signed_in(app, user_id)
    html = client.get("/settings/integrations").get_data(as_text=True)

    assert 'id="gmail-state">Active</p>' in html
    found = re.search(r'data-live-marker="([^"]*)"', html)
    assert found is not None
    assert client.get("/api/changes").get_json()["marker"] != unescape(found.group(1))
