"""The deeper historical scan's API and its Integrations page controls: a Premium account asks
for it (202, queued through the publisher), follows it (GET), cannot start a second one (409); a
Free account is refused (403) and sees it described and locked; bad input is a 400 naming the
field; the card says so when the first sync already read every day a scan would. Every API answer
is checked against the OpenAPI document."""

from __future__ import annotations

from dataclasses import replace

import pytest
from flask import Flask
from receiver_fakes import RecordingPublisher
from session_helpers import csrf_token, signed_in
from test_api_writes import Api

from messaging import MailboxChanged, PublishError
from receiver import create_app
from receiver.config import ReceiverConfig
from storage import MailboxState, Plan, Store, Tier
from storage.sync_runs import DeepScanState

pytestmark = pytest.mark.unit

PATH = "/api/integrations/gmail/deep-scan"
PAGE = "/settings/integrations"


def account(
    store: Store, name: str, plan: Plan, *, connected: bool = True, tier: Tier = Tier.FREE
) -> int:
    """An account on ``plan``; its mailbox (on sync ``tier``) had a first sync of 30 days when
    polled, 90 with push (the config's defaults)."""
    user_id = store.create_user(f"{name}@example.com")
    store.set_plan(user_id, plan)
    if connected:
        store.connect_mailbox(user_id, f"{name}@gmail.com", tier=tier, refresh_token="1//r")
    return user_id


def api_for(app: Flask, user_id: int) -> Api:
    client = signed_in(app, user_id)
    return Api(client, {"X-CSRFToken": csrf_token(client, "/")})


def mailbox_id(store: Store, user_id: int) -> int:
    mailbox = store.mailbox_for_user(user_id)
    assert mailbox is not None
    return mailbox.id


def test_a_premium_account_starts_a_scan_and_follows_it(
    app: Flask, store: Store, publisher: RecordingPublisher
):
    user_id = account(store, "pia", Plan.PREMIUM)
    api = api_for(app, user_id)
    assert api.call("GET", PATH).get_json()["state"] == "idle"

    started = api.call("POST", PATH, {"days": 60})

    assert started.status_code == 202
    assert started.headers["Location"] == PATH
    body = started.get_json()
    assert (body["state"], body["days"], body["messages_total"]) == ("running", 60, None)
    assert body["requested_at"] is not None and body["started_at"] is None
    box = mailbox_id(store, user_id)
    assert publisher.messages == [MailboxChanged(box, None, "deep_scan")]

    store.start_deep_scan(box, read_days=30)
    store.record_deep_scan_progress(box, processed=40, total=120)
    progress = api.call("GET", PATH).get_json()
    assert (progress["state"], progress["messages_read"], progress["messages_total"]) == (
        "running",
        40,
        120,
    )
    assert progress["started_at"] is not None

    store.record_deep_scan_progress(box, processed=120, total=120, finished=True)
    finished = api.call("GET", PATH).get_json()
    assert (finished["state"], finished["messages_read"]) == ("finished", 120)
    assert finished["finished_at"] is not None


def test_days_default_to_90(app: Flask, store: Store):
    api = api_for(app, account(store, "dee", Plan.PREMIUM))
    answer = api.call("POST", PATH)
    assert (answer.status_code, answer.get_json()["days"]) == (202, 90)


def test_a_free_account_is_refused_with_a_sentence(
    app: Flask, store: Store, publisher: RecordingPublisher
):
    api = api_for(app, account(store, "fay", Plan.FREE))
    for method, body in (("POST", {"days": 90}), ("GET", None)):
        answer = api.call(method, PATH, body)
        assert answer.status_code == 403
        assert "Premium feature" in answer.get_json()["error"]
    assert publisher.messages == []


def test_a_second_scan_while_one_runs_is_a_409(
    app: Flask, store: Store, publisher: RecordingPublisher
):
    api = api_for(app, account(store, "ron", Plan.PREMIUM))
    assert api.call("POST", PATH, {"days": 90}).status_code == 202

    again = api.call("POST", PATH, {"days": 45})

    assert again.status_code == 409
    assert "already running" in again.get_json()["error"]
    assert len(publisher.messages) == 1
    assert api.call("GET", PATH).get_json()["days"] == 90


def test_without_a_connected_mailbox_it_is_a_409(app: Flask, store: Store):
    lone = api_for(app, account(store, "nomail", Plan.PREMIUM, connected=False))
    answer = lone.call("POST", PATH, {"days": 90})
    assert answer.status_code == 409 and "not connected" in answer.get_json()["error"]
    assert lone.call("GET", PATH).get_json()["state"] == "idle"

    user_id = account(store, "lapsed", Plan.PREMIUM)
    store.set_mailbox_state(mailbox_id(store, user_id), MailboxState.RECONNECT_NEEDED)
    assert api_for(app, user_id).call("POST", PATH, {"days": 90}).status_code == 409


@pytest.mark.parametrize("days", [30, 91, 0, -5, "ninety", 45.5, True, None, [90]])
def test_bad_days_are_a_400_naming_the_field(app: Flask, store: Store, days):
    api = api_for(app, account(store, "bad", Plan.PREMIUM))
    answer = api.call("POST", PATH, {"days": days})
    assert answer.status_code == 400
    assert answer.get_json()["field"] == "days"
    assert "31 to 90" in answer.get_json()["error"]


def test_a_body_that_is_not_an_object_is_a_400(app: Flask, store: Store):
    api = api_for(app, account(store, "arr", Plan.PREMIUM))
    answer = api.call("POST", PATH, [90])
    assert (answer.status_code, answer.get_json()["field"]) == (400, "body")


def test_a_queue_that_refuses_leaves_the_scan_to_the_sweep(
    app: Flask, store: Store, publisher: RecordingPublisher
):
    user_id = account(store, "q", Plan.PREMIUM)
    publisher.fail_with = PublishError("queue down")
    answer = api_for(app, user_id).call("POST", PATH, {"days": 90})
    assert answer.status_code == 202
    assert store.deep_scans_to_resume() == [mailbox_id(store, user_id)]


def test_the_integrations_page_starts_a_scan_without_javascript_and_shows_its_progress(
    app: Flask, store: Store, publisher: RecordingPublisher
):
    user_id = account(store, "page", Plan.PREMIUM)
    client = signed_in(app, user_id)
    page = client.get(PAGE).get_data(as_text=True)
    assert "Scan 90 days" in page and 'action="/settings/integrations/gmail/deep-scan"' in page

    answer = client.post(
        "/settings/integrations/gmail/deep-scan",
        data={"csrf_token": csrf_token(client, PAGE), "days": "90"},
        follow_redirects=True,
    )

    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "Scan of the last 90 days started" in html
    assert "is queued" in html and "Scan 90 days</button>" not in html
    box = mailbox_id(store, user_id)
    assert publisher.messages == [MailboxChanged(box, None, "deep_scan")]

    store.start_deep_scan(box, read_days=30)
    store.record_deep_scan_progress(box, processed=50, total=200)
    html = client.get(PAGE).get_data(as_text=True)
    assert '<progress value="50" max="200"' in html and "50 of 200 emails read" in html

    store.record_deep_scan_progress(box, processed=200, total=200, finished=True)
    html = client.get(PAGE).get_data(as_text=True)
    assert "The last scan read 200 older emails" in html and "Scan 90 days</button>" in html


def test_the_page_form_refuses_a_second_scan_with_a_sentence(app: Flask, store: Store):
    user_id = account(store, "twice", Plan.PREMIUM)
    store.request_deep_scan(mailbox_id(store, user_id), days=90)
    client = signed_in(app, user_id)
    answer = client.post(
        "/settings/integrations/gmail/deep-scan",
        data={"csrf_token": csrf_token(client, PAGE), "days": "90"},
        follow_redirects=True,
    )
    assert "already running" in answer.get_data(as_text=True)
    assert store.deep_scan(mailbox_id(store, user_id)).state is DeepScanState.RUNNING


def test_a_free_account_sees_the_scan_described_and_locked(
    app: Flask, store: Store, publisher: RecordingPublisher
):
    client = signed_in(app, account(store, "locked", Plan.FREE))
    html = client.get(PAGE).get_data(as_text=True)
    assert "Deeper historical scan" in html and 'id="deep-scan-locked"' in html
    assert "Premium feature" in html and "Scan 90 days</button>" not in html

    answer = client.post(
        "/settings/integrations/gmail/deep-scan",
        data={"csrf_token": csrf_token(client, PAGE), "days": "90"},
    )
    assert answer.status_code == 403
    assert "Premium feature" in answer.get_data(as_text=True)
    assert publisher.messages == []


def test_the_form_without_its_csrf_token_is_refused(app: Flask, store: Store, publisher):
    client = signed_in(app, account(store, "nocsrf", Plan.PREMIUM))
    answer = client.post("/settings/integrations/gmail/deep-scan", data={"days": "90"})
    assert answer.status_code == 400
    assert publisher.messages == []


def test_a_first_sync_of_90_days_leaves_nothing_older_to_scan(app: Flask, store: Store):
    client = signed_in(app, account(store, "pushed", Plan.PREMIUM, tier=Tier.PREMIUM))
    html = client.get(PAGE).get_data(as_text=True)
    assert 'id="deep-scan-covered"' in html
    assert "Your first sync already covered the last 90 days; there is nothing older" in html
    assert "reads the mail older than the first sync read, so" in html
    assert "Scan 90 days</button>" not in html


def test_a_first_sync_of_30_days_offers_the_scan(app: Flask, store: Store):
    client = signed_in(app, account(store, "polled", Plan.PREMIUM, tier=Tier.FREE))
    html = client.get(PAGE).get_data(as_text=True)
    assert "The first sync reads the last 30 days. A scan of the last 90 days" in html
    assert "Scan 90 days</button>" in html and 'id="deep-scan-covered"' not in html


def test_the_first_sync_window_comes_from_the_config(
    config: ReceiverConfig, store: Store, publisher: RecordingPublisher
):
    shorter = replace(config, first_sync_days_premium=45)
    app = create_app(shorter, store=store, publisher=publisher)
    client = signed_in(app, account(store, "short", Plan.PREMIUM, tier=Tier.PREMIUM))
    html = client.get(PAGE).get_data(as_text=True)
    assert "The first sync reads the last 45 days." in html and "Scan 90 days</button>" in html


def test_asking_to_scan_what_the_first_sync_covered_is_a_409_with_a_sentence(
    app: Flask, store: Store, publisher
):
    user_id = account(store, "covered", Plan.PREMIUM, tier=Tier.PREMIUM)
    answer = api_for(app, user_id).call("POST", PATH, {"days": 90})

    assert answer.status_code == 409
    assert "already covered the last 90 days" in answer.get_json()["error"]
    assert publisher.messages == []
