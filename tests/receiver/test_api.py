"""The JSON API: exact shapes, ISO 8601 UTC datetimes, and one user never sees another's data."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from flask import Flask
from flask.testing import FlaskClient
from session_helpers import signed_in

from receiver import create_app
from receiver.config import ReceiverConfig
from storage import IncomingEmail, Label, Status, Store, Tier
from tests.sync_testkit import CLOCK_START

pytestmark = pytest.mark.unit

NOW = CLOCK_START  # where `still_store`'s clock stands: 2025-03-01 12:00 UTC
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
BIG_CURSOR = 2**63 + 99


@dataclass(frozen=True)
class Seeded:
    user_id: int
    mailbox_id: int
    application_id: int
    other_user_id: int
    other_application_id: int
    lonely_user_id: int  # has no mailbox


def email(number: int, label: Label, *, thread: str, date: datetime, **overrides) -> IncomingEmail:
    values = {
        "gmail_message_id": f"msg-{number}",
        "thread_id": thread,
        "rfc822_message_id": f"<{number}@mail.example>",
        "sender": "Acme Careers <jobs@acme.example>",
        "subject": f"Acme update {number}",
        "date": date,
        "label": label,
        "confidence": 0.97,
        "company": "Acme Rocketry",
        "role": "Propulsion Engineer",
        "reasons": ("phrase:thank you for applying",),
    }
    values.update(overrides)
    return IncomingEmail(**values)


def connect(store: Store, user_email: str, address: str) -> tuple[int, int]:
    user_id = store.create_user(user_email)
    mailbox_id = store.connect_mailbox(user_id, address, tier=Tier.PREMIUM, refresh_token="1//r")
    assert store.acquire_lease(mailbox_id, "test", ttl_seconds=60)
    return user_id, mailbox_id


@pytest.fixture
def seeded(still_store: Store) -> Seeded:
    user_id, mailbox_id = connect(still_store, "sam@example.com", "sam@gmail.com")
    applied = email(1, Label.APPLIED, thread="t1", date=datetime(2025, 2, 1, 9, 0, tzinfo=UTC))
    invite = email(
        2,
        Label.INTERVIEWING,
        thread="t1",
        date=datetime(2025, 2, 2, 11, 30, tzinfo=timezone(timedelta(hours=2))),
        subject="Interview invitation",
        reasons=("phrase:schedule an interview",),
        explanation="Asks to schedule an interview.",
    )
    still_store.apply_sync_batch(mailbox_id, "test", [applied, invite], new_cursor=BIG_CURSOR)
    still_store.record_watch(mailbox_id, history_id=5, expiration=NOW + timedelta(days=7))
    other_user_id, other_mailbox_id = connect(still_store, "alex@example.com", "alex@gmail.com")
    still_store.apply_sync_batch(
        other_mailbox_id,
        "test",
        [email(3, Label.APPLIED, thread="t9", date=NOW, company="Other Co", role="Designer")],
        new_cursor=10,
    )
    lonely_user_id = still_store.create_user("lonely@example.com")
    (application,) = still_store.applications(user_id)
    (other_application,) = still_store.applications(other_user_id)
    return Seeded(
        user_id, mailbox_id, application.id, other_user_id, other_application.id, lonely_user_id
    )


def test_applications_list_has_exactly_the_documented_shape(app: Flask, seeded: Seeded) -> None:
    response = signed_in(app, seeded.user_id).get("/api/applications")

    assert response.status_code == 200
    assert response.get_json() == [
        {
            "id": seeded.application_id,
            "company": "Acme Rocketry",
            "role": "Propulsion Engineer",
            "status": "interviewing",
            "updated_at": "2025-03-01T12:00:00Z",
            "tracking": "automatic",
            "applied_on": "2025-02-01",  # the confirmation's day
            "last_email_at": "2025-02-02T09:30:00Z",
            "next_interview_at": None,
            "job_url": None,
            "location": None,
            "salary": None,
            "notes": None,
            "created_at": "2025-03-01T12:00:00Z",
        }
    ]


def test_application_detail_adds_the_activity_log(app: Flask, seeded: Seeded) -> None:
    response = signed_in(app, seeded.user_id).get(f"/api/applications/{seeded.application_id}")

    assert response.status_code == 200
    body = response.get_json()
    assert {"events", "activity", "tracking", "applied_on", "last_email_at"} <= set(body)
    assert body["status"] == "interviewing"
    first, second = body["events"]
    assert first == {
        "id": first["id"],
        "from_status": None,
        "to_status": "applied",
        "cause": "email",
        "applied": True,
        "reasons": ["phrase:thank you for applying"],
        "explanation": "",
        "email": {
            "id": first["email"]["id"],
            "thread_id": "t1",
            "sender": "Acme Careers <jobs@acme.example>",
            "subject": "Acme update 1",
            "date": "2025-02-01T09:00:00Z",
            "label": "applied",
        },
        "created_at": "2025-03-01T12:00:00Z",
        "counted": True,
        "why": "The email reads as Applied.",
        "corrections": [],
    }
    assert second["from_status"] == "applied"
    assert second["to_status"] == "interviewing"
    assert second["email"]["subject"] == "Interview invitation"
    assert second["explanation"] == "Asks to schedule an interview."
    assert second["email"]["date"] == "2025-02-02T09:30:00Z"  # +02:00 converted to UTC


def test_a_manual_change_has_no_email(app: Flask, still_store: Store, seeded: Seeded) -> None:
    still_store.set_status_manually(seeded.user_id, seeded.application_id, Status.OFFER)

    body = signed_in(app, seeded.user_id).get(f"/api/applications/{seeded.application_id}")

    last = body.get_json()["events"][-1]
    assert (last["cause"], last["to_status"], last["email"]) == ("manual", "offer", None)
    assert body.get_json()["status"] == "offer"


def test_another_users_application_is_not_found(app: Flask, seeded: Seeded) -> None:
    client = signed_in(app, seeded.user_id)

    foreign = client.get(f"/api/applications/{seeded.other_application_id}")
    missing = client.get("/api/applications/999999")

    assert foreign.status_code == 404
    assert missing.status_code == 404
    assert "Other Co" not in foreign.get_data(as_text=True)
    assert foreign.get_json()["error"]


def test_each_user_lists_only_their_own_applications(app: Flask, seeded: Seeded) -> None:
    body = signed_in(app, seeded.other_user_id).get("/api/applications").get_json()

    assert [row["id"] for row in body] == [seeded.other_application_id]


def test_gmail_integration_shape_keeps_a_cursor_above_2_63(app: Flask, seeded: Seeded) -> None:
    response = signed_in(app, seeded.user_id).get("/api/integrations/gmail")

    assert response.status_code == 200
    assert response.get_json() == {
        "email": "sam@gmail.com",
        "state": "active",
        "tier": "premium",
        "last_sync_at": "2025-03-01T12:00:00Z",
        "threads_monitored": 1,
        "history_cursor": str(BIG_CURSOR),
        "watch_expiration": "2025-03-08T12:00:00Z",
    }


def test_gmail_integration_is_not_found_without_a_mailbox(app: Flask, seeded: Seeded) -> None:
    response = signed_in(app, seeded.lonely_user_id).get("/api/integrations/gmail")

    assert response.status_code == 404
    assert "connect" in response.get_json()["error"]


@pytest.mark.parametrize(
    "path", ["/api/applications", "/api/applications/1", "/api/integrations/gmail"]
)
def test_nobody_signed_in_gets_401_outside_demo_mode(
    path: str, client: FlaskClient, seeded: Seeded
) -> None:
    response = client.get(path)

    assert response.status_code == 401
    assert "sign in" in response.get_json()["error"]


def test_demo_mode_signs_in_the_demo_user(
    config: ReceiverConfig, still_store: Store, seeded: Seeded
) -> None:
    client = create_app(replace(config, demo=True), store=still_store, publisher=None).test_client()

    body = client.get("/api/applications").get_json()

    assert [row["id"] for row in body] == [seeded.application_id]


def test_unknown_api_paths_answer_json(client: FlaskClient) -> None:
    response = client.get("/api/nothing-here")

    assert response.status_code == 404
    assert response.get_json()["error"]


def test_every_datetime_in_the_api_is_iso_utc(app: Flask, seeded: Seeded) -> None:
    client = signed_in(app, seeded.user_id)
    detail = client.get(f"/api/applications/{seeded.application_id}").get_json()
    integration = client.get("/api/integrations/gmail").get_json()

    stamps = [detail["updated_at"], integration["last_sync_at"], integration["watch_expiration"]]
    for event in detail["events"]:
        stamps += [event["created_at"], event["email"]["date"]]
    assert all(ISO_UTC.match(stamp) for stamp in stamps), stamps
