"""The JSON API's writes: add, edit, delete, merge, correct, tracking, CSV, tokens; who may call
(CSRF header or API token); every bad input a 4xx naming the field; responses match the OpenAPI
document."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from session_helpers import csrf_token, signed_in
from werkzeug.test import TestResponse

from receiver.api import openapi
from storage import IncomingEmail, Label, Store, Tier

pytestmark = pytest.mark.unit

DOCUMENT = openapi()
START = datetime(2025, 2, 1, 9, 0, tzinfo=UTC)


class Api:
    """A signed-in client that sends the CSRF header, and checks every answer against the
    OpenAPI document."""

    def __init__(self, client: FlaskClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers
        self.checked: set[tuple[str, str, int]] = set()

    def call(self, method: str, path: str, body: Any = None, **kwargs: Any) -> TestResponse:
        response = self.client.open(path, method=method, json=body, headers=self.headers, **kwargs)
        self.checked.add(check_against_document(method, path, response))
        return response


def check_against_document(method: str, path: str, response: TestResponse) -> tuple[str, str, int]:
    """Validate the response body against the documented schema of its status."""
    template = documented_path(path.split("?")[0])
    operation = DOCUMENT["paths"][template][method.lower()]
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, (
        f"{method} {template} answered {response.status_code}, undocumented"
    )
    if "application/json" in documented.get("content", {}):
        schema = documented["content"]["application/json"]["schema"]
        validator = Draft202012Validator({**schema, "components": DOCUMENT["components"]})
        errors = [error.message for error in validator.iter_errors(response.get_json())]
        assert errors == [], f"{method} {path}: {errors}"
    return (method, template, response.status_code)


def documented_path(path: str) -> str:
    for template in DOCUMENT["paths"]:
        pattern = (
            "^"
            + re.sub(
                r"\{[^}]+\}", r"[0-9]+", re.escape(template).replace(r"\{", "{").replace(r"\}", "}")
            )
            + "$"
        )
        if re.match(pattern, path):
            return template
    raise AssertionError(f"{path} is not in the OpenAPI document")


def email(number: int, label: Label, *, thread: str, **overrides: Any) -> IncomingEmail:
    values: dict[str, Any] = {
        "gmail_message_id": f"msg-{number}",
        "thread_id": thread,
        "rfc822_message_id": f"<{number}@mail.example>",
        "sender": "Acme Careers <jobs@acme.example>",
        "subject": f"Acme update {number}",
        "date": START + timedelta(days=number),
        "label": label,
        "confidence": 0.97,
        "company": "Acme Rocketry",
        "role": "Propulsion Engineer",
    }
    values.update(overrides)
    return IncomingEmail(**values)


@pytest.fixture
def user_id(store: Store) -> int:
    user_id = store.create_user("sam@example.com")
    mailbox_id = store.connect_mailbox(
        user_id, "sam@gmail.com", tier=Tier.FREE, refresh_token="1//r"
    )
    assert store.acquire_lease(mailbox_id, "test", ttl_seconds=60)
    store.apply_sync_batch(
        mailbox_id,
        "test",
        [
            email(1, Label.APPLIED, thread="t1"),
            email(2, Label.INTERVIEWING, thread="t1"),
            email(
                3,
                Label.INTERVIEWING,
                thread="t2",
                company="Substack",
                role=None,
                subject="Issue #144",
            ),
        ],
        new_cursor=None,
    )
    return user_id


@pytest.fixture
def api(app: Flask, user_id: int) -> Api:
    client = signed_in(app, user_id)
    return Api(client, {"X-CSRFToken": csrf_token(client, "/")})


def ids_by_company(api: Api) -> dict[str, int]:
    return {row["company"]: row["id"] for row in api.call("GET", "/api/applications").get_json()}


def test_add_read_edit_delete(api: Api) -> None:
    added = api.call(
        "POST",
        "/api/applications",
        {
            "company": "Quillmark",
            "role": "Editor",
            "applied_on": "2025-02-03",
            "job_url": "https://q.example/1",
            "notes": "fair",
        },
    )
    assert added.status_code == 201
    location = added.headers["Location"]
    assert location == f"/api/applications/{added.get_json()['id']}"
    assert added.get_json()["status"] == "applied"

    edited = api.call(
        "PATCH",
        location,
        {"location": "Lisbon", "salary": "50k", "next_interview_at": "2025-03-01T14:30:00+01:00"},
    )
    assert edited.status_code == 200
    assert (edited.get_json()["location"], edited.get_json()["next_interview_at"]) == (
        "Lisbon",
        "2025-03-01T13:30:00Z",
    )

    assert api.call("DELETE", location).status_code == 204
    assert api.call("GET", location).status_code == 404
    assert api.call("DELETE", location).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"company": "x" * 201}, "company"),
        ({"company": ""}, "company"),
        ({"role": "Editor"}, "company"),
        ({"company": "Q", "job_url": "javascript:alert(1)"}, "job_url"),
        ({"company": "Q", "applied_on": "01/02/2025"}, "applied_on"),
        ({"company": "Q", "applied_on": 20250201}, "applied_on"),
        ({"company": "Q", "next_interview_at": "2025-03-01T14:30:00"}, "next_interview_at"),
        ({"company": "Q", "status": "hired"}, "status"),
        ({"company": "Q", "password": "x"}, "password"),
        ({"company": ["Q"]}, "company"),
        ([1, 2], "body"),
    ],
)
def test_bad_application_bodies_are_400_naming_the_field(api: Api, body: Any, field: str) -> None:
    response = api.call("POST", "/api/applications", body)
    assert response.status_code == 400
    assert response.get_json()["field"] == field
    assert field in response.get_json()["error"]


def test_bodies_that_are_not_json_are_400(api: Api) -> None:
    for raw in (b"{", b"\xff\xfe", b"[" * 5000, b'{"company": 1' + b"0" * 5000 + b"}"):
        response = api.call("POST", "/api/applications", data=raw, content_type="application/json")
        assert response.status_code == 400, raw[:20]


def test_same_company_and_role_is_409(api: Api) -> None:
    response = api.call(
        "POST", "/api/applications", {"company": "Acme Rocketry", "role": "Propulsion Engineer"}
    )
    assert response.status_code == 409
    assert response.get_json()["field"] == "company"


def test_manual_status_then_back_to_automatic(api: Api) -> None:
    acme = ids_by_company(api)["Acme Rocketry"]
    manual = api.call("PATCH", f"/api/applications/{acme}", {"status": "rejected"}).get_json()
    assert (manual["status"], manual["tracking"]) == ("rejected", "manual")

    back = api.call("POST", f"/api/applications/{acme}/tracking", {"mode": "automatic"}).get_json()
    assert (back["status"], back["tracking"]) == ("interviewing", "automatic")
    api.call("PATCH", f"/api/applications/{acme}", {"status": "offer"})
    again = api.call("PATCH", f"/api/applications/{acme}", {"tracking": "automatic"}).get_json()
    assert (again["status"], again["tracking"]) == ("interviewing", "automatic")
    assert (
        api.call("POST", f"/api/applications/{acme}/tracking", {"mode": "manual"}).status_code
        == 400
    )


def test_merge(api: Api) -> None:
    ids = ids_by_company(api)
    merged = api.call(
        "POST", f"/api/applications/{ids['Acme Rocketry']}/merge", {"other_id": ids["Substack"]}
    )
    assert merged.status_code == 200
    assert {e["email"]["thread_id"] for e in merged.get_json()["events"] if e["email"]} == {
        "t1",
        "t2",
    }
    assert api.call("GET", f"/api/applications/{ids['Substack']}").status_code == 404
    refused = api.call("POST", f"/api/applications/{ids['Acme Rocketry']}/merge", {"from_id": "x"})
    assert (refused.status_code, refused.get_json()["field"]) == (400, "from_id")
    itself = api.call(
        "POST",
        f"/api/applications/{ids['Acme Rocketry']}/merge",
        {"other_id": ids["Acme Rocketry"]},
    )
    assert itself.status_code == 400


def test_corrections(api: Api) -> None:
    ids = ids_by_company(api)
    newsletter = api.call("GET", f"/api/applications/{ids['Substack']}").get_json()
    (email_id,) = [e["email"]["id"] for e in newsletter["events"]]

    not_job = api.call("POST", f"/api/emails/{email_id}/correction", {"kind": "not_job"})
    assert not_job.status_code == 200
    assert not_job.get_json()["application_id"] is None
    assert "Substack" not in ids_by_company(api)

    acme = api.call("GET", f"/api/applications/{ids['Acme Rocketry']}").get_json()
    invite_id = acme["events"][-1]["email"]["id"]
    wrong = api.call("POST", f"/api/emails/{invite_id}/correction", {"label": "rejected"})
    assert wrong.get_json()["label"] == "rejected"
    detail = api.call("GET", f"/api/applications/{ids['Acme Rocketry']}").get_json()
    assert detail["status"] == "rejected"
    assert detail["events"][-1]["corrections"][0]["previous_label"] == "interviewing"

    moved = api.call(
        "POST",
        f"/api/emails/{invite_id}/correction",
        {"kind": "application", "application_id": None},
    )
    assert moved.get_json()["application_id"] not in (None, ids["Acme Rocketry"])


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"kind": "maybe"}, 400, "kind"),
        ({"kind": "status"}, 400, "status"),
        ({"kind": "status", "status": "hired"}, 400, "status"),
        ({"label": "spam"}, 400, "label"),
        ({"kind": "application", "application_id": -3}, 400, "application_id"),
        ({"kind": "application", "application_id": 999999}, 404, None),
    ],
)
def test_bad_corrections(api: Api, body: dict[str, Any], status: int, field: str | None) -> None:
    acme = api.call("GET", f"/api/applications/{ids_by_company(api)['Acme Rocketry']}").get_json()
    email_id = acme["events"][0]["email"]["id"]
    response = api.call("POST", f"/api/emails/{email_id}/correction", body)
    assert response.status_code == status
    assert response.get_json().get("field") == field
    assert api.call("POST", "/api/emails/999999/correction", {"kind": "not_job"}).status_code == 404


def test_list_query_and_csv(api: Api) -> None:
    api.call(
        "POST",
        "/api/applications",
        {"company": '=HYPERLINK("x")', "notes": "remote, paid", "applied_on": "2024-12-01"},
    )
    assert [r["company"] for r in api.call("GET", "/api/applications?q=REMOTE").get_json()] == [
        '=HYPERLINK("x")'
    ]
    assert [
        r["company"]
        for r in api.call("GET", "/api/applications?status=interviewing&sort=company").get_json()
    ] == ["Acme Rocketry", "Substack"]
    assert len(api.call("GET", "/api/applications?from=2024-11-01&to=2024-12-31").get_json()) == 1
    for query, field in (
        ("status=hired", "status"),
        ("from=yesterday", "from"),
        ("sort=secret", "sort"),
    ):
        response = api.call("GET", f"/api/applications?{query}")
        assert (response.status_code, response.get_json()["field"]) == (400, field)

    for path in ("/api/applications.csv", "/api/export.csv"):
        exported = api.call("GET", path)
        assert exported.mimetype == "text/csv"
        rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
        assert {
            "company",
            "role",
            "status",
            "applied_on",
            "last_email_at",
            "job_url",
            "notes",
        } <= set(rows[0])
        assert '\'=HYPERLINK("x")' in [row["company"] for row in rows]  # no formula runs


def test_writes_need_the_csrf_header_or_a_token(app: Flask, api: Api, user_id: int) -> None:
    bare = signed_in(app, user_id)
    refused = bare.post("/api/applications", json={"company": "Forged"})
    assert refused.status_code == 403
    assert "X-CSRFToken" in refused.get_json()["error"]
    wrong = bare.delete("/api/applications/1", headers={"X-CSRFToken": "forged"})
    assert wrong.status_code == 403

    created = api.call("POST", "/api/tokens", {"name": "my script"})
    assert created.status_code == 201
    token = created.get_json()["token"]
    stranger = app.test_client()  # no cookie at all
    with_token = stranger.post(
        "/api/applications",
        json={"company": "Scripted"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert with_token.status_code == 201
    assert [t["name"] for t in api.call("GET", "/api/tokens").get_json()] == ["my script"]
    assert "token" not in api.call("GET", "/api/tokens").get_json()[0]

    assert api.call("DELETE", f"/api/tokens/{created.get_json()['id']}").status_code == 204
    revoked = stranger.get("/api/applications", headers={"Authorization": f"Bearer {token}"})
    assert revoked.status_code == 401
    assert (
        stranger.get("/api/applications", headers={"Authorization": "Basic abc"}).status_code == 401
    )
    assert stranger.post("/api/applications", json={"company": "x"}).status_code == 401
    assert api.call("POST", "/api/tokens", {"name": ""}).status_code == 400


def test_users_never_reach_each_other(app: Flask, api: Api, store: Store) -> None:
    mine = ids_by_company(api)["Acme Rocketry"]
    other_id = store.create_user("alex@example.com")
    other = signed_in(app, other_id)
    headers = {"X-CSRFToken": csrf_token(other, "/")}
    for method, path, body in (
        ("GET", f"/api/applications/{mine}", None),
        ("PATCH", f"/api/applications/{mine}", {"notes": "mine now"}),
        ("DELETE", f"/api/applications/{mine}", None),
        ("POST", f"/api/applications/{mine}/tracking", {"mode": "automatic"}),
    ):
        assert other.open(path, method=method, json=body, headers=headers).status_code == 404, (
            method
        )
    theirs = other.post(
        "/api/applications", json={"company": "Theirs"}, headers=headers
    ).get_json()["id"]
    merged = api.call("POST", f"/api/applications/{mine}/merge", {"other_id": theirs})
    assert merged.status_code == 404
    assert other.get("/api/applications", headers=headers).get_json()[0]["company"] == "Theirs"


def test_openapi_document_is_served_and_valid(client: FlaskClient) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_ids_too_large_for_the_database_are_404(api: Api) -> None:
    huge = 10**30
    for method, path, body in (
        ("GET", f"/api/applications/{huge}", None),
        ("PATCH", f"/api/applications/{huge}", {"notes": "x"}),
        ("DELETE", f"/api/applications/{huge}", None),
        ("POST", f"/api/emails/{huge}/correction", {"kind": "not_job"}),
        ("DELETE", f"/api/tokens/{huge}", None),
    ):
        assert api.call(method, path, body).status_code == 404, (method, path)
    assert api.call("POST", "/api/applications/1/merge", {"other_id": huge}).status_code == 400
