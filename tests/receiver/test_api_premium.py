"""The Premium API: plan gates (403 with a sentence for Free accounts), Advanced Filters rules
(CRUD, order, preview, export and import, saving applies them to past mail) and follow-up drafts;
every answer checked against the OpenAPI document."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from session_helpers import csrf_token, signed_in
from test_api_writes import Api

from storage import IncomingEmail, Label, Plan, Store, Tier

pytestmark = pytest.mark.unit

NOW = datetime.now(UTC).replace(microsecond=0)
NEWSLETTER = "Roundup <roundup@substack.example>"


def email(
    number: int, label: Label, *, thread: str, days_ago: int, **overrides: Any
) -> IncomingEmail:
    values: dict[str, Any] = {
        "gmail_message_id": f"msg-{number}",
        "thread_id": thread,
        "rfc822_message_id": f"<{number}@mail.example>",
        "sender": "Dana Fox <dana@acme.example>",
        "subject": f"Acme update {number}",
        "date": NOW - timedelta(days=days_ago),
        "label": label,
        "confidence": 0.97,
        "company": "Acme Rocketry",
        "role": "Propulsion Engineer",
    }
    values.update(overrides)
    return IncomingEmail(**values)


def rule(name: str = "Newsletters are never job mail", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "match": "any",
        "conditions": [{"field": "sender", "op": "equals", "value": "roundup@substack.example"}],
        "action": {"type": "ignore"},
    }
    return body | changes


def account(store: Store, address: str, plan: Plan) -> int:
    user_id = store.create_user(f"{address}@example.com", display_name="Sam Seeker")
    store.set_plan(user_id, plan)
    mailbox_id = store.connect_mailbox(
        user_id, f"{address}@gmail.com", tier=Tier.FREE, refresh_token="1//r"
    )
    assert store.acquire_lease(mailbox_id, "test", ttl_seconds=60)
    store.apply_sync_batch(
        mailbox_id,
        "test",
        [
            email(1, Label.APPLIED, thread="t1", days_ago=12),
            email(2, Label.INTERVIEWING, thread="t1", days_ago=9),
            email(
                3,
                Label.INTERVIEWING,
                thread="t2",
                days_ago=3,
                sender=NEWSLETTER,
                company="Substack",
                role=None,
                subject="Issue #144: how to interview",
            ),
        ],
        new_cursor=None,
    )
    return user_id


def client_for(app: Flask, user_id: int) -> Api:
    client = signed_in(app, user_id)
    return Api(client, {"X-CSRFToken": csrf_token(client, "/")})


@pytest.fixture
def premium(app: Flask, store: Store) -> Api:
    return client_for(app, account(store, "sam", Plan.PREMIUM))


@pytest.fixture
def free(app: Flask, store: Store) -> Api:
    return client_for(app, account(store, "fay", Plan.FREE))


def companies(api: Api) -> dict[str, dict[str, Any]]:
    return {row["company"]: row for row in api.call("GET", "/api/applications").get_json()}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/rules", None),
        ("POST", "/api/rules", rule()),
        ("GET", "/api/rules/1", None),
        ("PATCH", "/api/rules/1", {"name": "x"}),
        ("DELETE", "/api/rules/1", None),
        ("POST", "/api/rules/preview", rule()),
        ("POST", "/api/rules/order", {"ids": []}),
        ("GET", "/api/rules/export", None),
        ("POST", "/api/rules/import", {"rules": []}),
        ("GET", "/api/applications/1/follow-ups", None),
        ("GET", "/api/follow-ups/due", None),
    ],
)
def test_every_premium_endpoint_refuses_a_free_account(free: Api, method, path, body):
    answer = free.call(method, path, body)
    assert answer.status_code == 403
    assert "Premium feature" in answer.get_json()["error"]


def test_a_rule_saved_applies_to_past_mail_and_can_be_read_changed_and_deleted(premium: Api):
    assert set(companies(premium)) == {"Acme Rocketry", "Substack"}

    created = premium.call("POST", "/api/rules", rule())

    assert created.status_code == 201
    saved = created.get_json()
    assert created.headers["Location"] == f"/api/rules/{saved['id']}"
    assert (saved["position"], saved["action"]) == (1, {"type": "ignore"})
    assert set(companies(premium)) == {"Acme Rocketry"}  # the newsletter's application is gone
    assert premium.call("GET", "/api/rules").get_json() == [saved]
    assert premium.call("GET", f"/api/rules/{saved['id']}").get_json() == saved

    second = premium.call(
        "POST",
        "/api/rules",
        rule(
            "Acme",
            conditions=[{"field": "sender_domain", "op": "equals", "value": "acme.example"}],
            action={"type": "set_status", "status": "rejected"},
        ),
    ).get_json()
    moved = premium.call("PATCH", f"/api/rules/{second['id']}", {"position": 1, "match": "all"})
    assert moved.status_code == 200
    assert (moved.get_json()["position"], moved.get_json()["match"]) == (1, "all")
    acme = companies(premium)["Acme Rocketry"]
    assert acme["status"] == "rejected"
    detail = premium.call("GET", f"/api/applications/{acme['id']}").get_json()
    assert any("Rule 'Acme'" in event["why"] for event in detail["events"])

    assert premium.call("DELETE", f"/api/rules/{saved['id']}").status_code == 204
    assert premium.call("GET", f"/api/rules/{saved['id']}").status_code == 404
    assert [r["position"] for r in premium.call("GET", "/api/rules").get_json()] == [1]


def test_saving_the_same_rules_again_changes_nothing(premium: Api):
    saved = premium.call(
        "POST",
        "/api/rules",
        rule(
            "Acme",
            conditions=[{"field": "subject", "op": "matches", "value": r"update\s+2$"}],
            action={"type": "set_status", "status": "offer"},
        ),
    ).get_json()
    first = companies(premium)
    assert first["Acme Rocketry"]["status"] == "offer"
    again = premium.call("PATCH", f"/api/rules/{saved['id']}", {"name": "Acme"})
    assert again.status_code == 200
    second = companies(premium)
    assert {k: v["status"] for k, v in second.items()} == {k: v["status"] for k, v in first.items()}
    acme_id = first["Acme Rocketry"]["id"]
    log = premium.call("GET", f"/api/applications/{acme_id}").get_json()["events"]
    assert len(log) == 2


def test_preview_shows_what_would_change_and_writes_nothing(premium: Api):
    before = companies(premium)
    answer = premium.call("POST", "/api/rules/preview", rule())
    assert answer.status_code == 200
    preview = answer.get_json()
    (match,) = preview["matches"]
    assert match["sender"] == NEWSLETTER
    assert match["application_id"] == before["Substack"]["id"]
    assert (match["status_before"], match["status_after"]) == ("interviewing", None)
    assert preview["applications_changed"] == 1
    assert companies(premium) == before
    assert premium.call("GET", "/api/rules").get_json() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            rule(conditions=[{"field": "subject", "op": "matches", "value": r"(a|aa)+\1"}]),
            "conditions[0].value",
        ),
        (
            rule(conditions=[{"field": "subject", "op": "matches", "value": "(?<=x)y"}]),
            "conditions[0].value",
        ),
        (
            rule(conditions=[{"field": "subject", "op": "contains", "value": ""}]),
            "conditions[0].value",
        ),
        (rule(conditions=[{"field": "cc", "op": "contains", "value": "x"}]), "conditions[0].field"),
        (rule(action={"type": "assign", "application_id": 987654}), "action.application_id"),
        (rule(name=" "), "name"),
    ],
)
def test_a_bad_rule_is_a_400_naming_the_problem(premium: Api, body, field):
    for path in ("/api/rules", "/api/rules/preview"):
        answer = premium.call("POST", path, body)
        assert answer.status_code == 400
        assert answer.get_json()["field"] == field


def test_a_body_that_is_not_json_is_a_400(premium: Api):
    answer = premium.call("POST", "/api/rules", data=b"{not json", content_type="application/json")
    assert answer.status_code == 400


def test_rules_export_import_and_order(premium: Api, app: Flask, store: Store):
    premium.call("POST", "/api/rules", rule("one"))
    premium.call("POST", "/api/rules", rule("two", match="all"))
    exported = premium.call("GET", "/api/rules/export").get_json()
    assert [r["name"] for r in exported["rules"]] == ["one", "two"]

    other = client_for(app, account(store, "ora", Plan.PREMIUM))
    imported = other.call("POST", "/api/rules/import", exported)
    assert imported.status_code == 200
    ids = [r["id"] for r in imported.get_json()]
    assert other.call("GET", "/api/rules/export").get_json() == exported
    reordered = other.call("POST", "/api/rules/order", {"ids": ids[::-1]}).get_json()
    assert [r["name"] for r in reordered] == ["two", "one"]
    assert other.call("POST", "/api/rules/order", {"ids": ids[:1]}).status_code == 400
    assert other.call("POST", "/api/rules/order", {"ids": ["first"]}).status_code == 400
    assert other.call("GET", f"/api/rules/{ids[0]}").status_code == 200
    assert premium.call("GET", f"/api/rules/{ids[0]}").status_code == 404  # not theirs
    bad = other.call("POST", "/api/rules/import", {"rules": [rule(match="some")]})
    assert (bad.status_code, bad.get_json()["field"]) == (400, "rules[0].match")


def test_follow_up_drafts_and_follow_ups_due(premium: Api):
    acme = companies(premium)["Acme Rocketry"]
    answer = premium.call("GET", f"/api/applications/{acme['id']}/follow-ups")
    assert answer.status_code == 200
    drafts = {draft["kind"]: draft for draft in answer.get_json()}
    assert set(drafts) == {"thank_you", "scheduling_reply", "check_in", "withdrawal"}
    check_in = drafts["check_in"]
    assert "9 days" in check_in["body"] and check_in["body"].startswith("Dear Dana Fox,")
    query = parse_qs(urlsplit(check_in["compose_url"]).query)
    assert (query["to"], query["su"], query["body"]) == (
        ["dana@acme.example"],
        [check_in["subject"]],
        [check_in["body"]],
    )

    french = premium.call("GET", f"/api/applications/{acme['id']}/follow-ups?language=fr")
    assert french.get_json()[0]["subject"] == "Merci — Propulsion Engineer chez Acme Rocketry"
    later = premium.call(
        "GET", f"/api/applications/{acme['id']}/follow-ups?days_after_interview=10"
    )
    assert "check_in" not in {draft["kind"] for draft in later.get_json()}
    for query_string, field in (
        ("language=xx", "language"),
        ("days_after_applied=0", "days_after_applied"),
    ):
        bad = premium.call("GET", f"/api/applications/{acme['id']}/follow-ups?{query_string}")
        assert (bad.status_code, bad.get_json()["field"]) == (400, field)
    assert premium.call("GET", "/api/applications/987654/follow-ups").status_code == 404

    due = premium.call("GET", "/api/follow-ups/due").get_json()
    assert [(item["company"], item["days_waiting"]) for item in due] == [("Acme Rocketry", 9)]
    assert (
        premium.call("GET", "/api/follow-ups/due?days_after_interview=2").get_json()[0]["company"]
        == "Substack"
    )


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"name": 5, "conditions": [], "action": {}},
        rule(conditions=[1]),
        rule(conditions="sender"),
        rule(conditions=[{"field": "subject", "op": "contains", "value": 7}]),
        rule(conditions=[{"field": "subject", "op": "contains", "value": "x" * 501}]),
        rule(conditions=[{"field": "subject", "op": "matches", "value": "a{1001}"}]),
        rule(action="ignore"),
        rule(action={"type": "assign", "application_id": True}),
        rule(action={"type": "assign", "application_id": 2**70}),
        rule(match=["all"]),
        rule(name="n" * 201),
    ],
)
def test_junk_is_a_4xx_never_a_500(premium: Api, body):
    for path in ("/api/rules", "/api/rules/preview"):
        assert premium.call("POST", path, body).status_code == 400


@pytest.mark.parametrize(
    "changes",
    [{"position": 0}, {"position": "first"}, {"position": 99}, {"id": 3}, {"action": None}],
)
def test_a_bad_change_is_a_400(premium: Api, changes):
    saved = premium.call("POST", "/api/rules", rule()).get_json()
    answer = premium.call("PATCH", f"/api/rules/{saved['id']}", changes)
    assert answer.status_code == 400
    assert answer.get_json()["field"] in {*changes, "body"}
