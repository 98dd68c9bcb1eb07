"""The /sandbox/ admin API: clear errors for bad input, faults, stats, the generator."""

from __future__ import annotations

import pytest
from googleapiclient.errors import HttpError
from sandbox_testkit import MAILBOX, Sandbox

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        (f"/sandbox/users/{MAILBOX}/messages", {"subject": "no sender"}, "'from'"),
        (f"/sandbox/users/{MAILBOX}/messages", {"from": "a@b.co", "date": "soon"}, "RFC 2822"),
        (f"/sandbox/users/{MAILBOX}/messages", {"from": "a@b.co", "labelIds": "INBOX"}, "list"),
        ("/sandbox/users", {"email": "not-an-address"}, "not an email address"),
        ("/sandbox/users", {"email": MAILBOX, "history_start": 2**64}, "history_start"),
        ("/sandbox/faults", {"kind": "explode"}, "kind"),
        ("/sandbox/faults", {"kind": "status", "method": "messages.send"}, "method"),
        (f"/sandbox/users/{MAILBOX}/generate", {"days": 3}, "count"),
    ],
)
def test_bad_input_gets_a_clear_400(sandbox: Sandbox, path: str, body: dict, expected: str) -> None:
    answer = sandbox.admin("POST", path, json=body)
    assert answer.status_code == 400
    assert expected in answer.json()["error"]


def test_non_json_body_and_unknown_mailbox_and_duplicate(sandbox: Sandbox) -> None:
    not_json = sandbox.admin(
        "POST", "/sandbox/users", data="email=x", headers={"Content-Type": "text/plain"}
    )
    assert not_json.status_code == 400 and "JSON object" in not_json.json()["error"]
    unknown = sandbox.admin("GET", "/sandbox/users/nobody@example.com/stats")
    assert unknown.status_code == 404 and "POST /sandbox/users" in unknown.json()["error"]
    assert sandbox.admin("POST", "/sandbox/users", json={"email": MAILBOX}).status_code == 201
    assert sandbox.admin("POST", "/sandbox/users", json={"email": MAILBOX}).status_code == 409


def test_status_fault_hits_the_next_matching_calls_only(sandbox: Sandbox) -> None:
    message_id = sandbox.deliver()["id"]
    messages = sandbox.gmail().users().messages()
    added = sandbox.admin(
        "POST",
        "/sandbox/faults",
        json={"kind": "status", "status": 503, "method": "messages.get", "count": 2},
    )
    assert added.status_code == 201

    for _ in range(2):
        with pytest.raises(HttpError) as caught:
            messages.get(userId="me", id=message_id).execute()
        assert caught.value.resp.status == 503
    assert messages.list(userId="me").execute()["resultSizeEstimate"] == 1
    assert messages.get(userId="me", id=message_id).execute()["id"] == message_id
    assert sandbox.admin("GET", "/sandbox/faults").json() == {"pending": []}


def test_delete_before_get_and_rate_limit_faults(sandbox: Sandbox) -> None:
    message_id = sandbox.deliver()["id"]
    gmail = sandbox.gmail()
    sandbox.admin("POST", "/sandbox/faults", json={"kind": "delete_before_get"})
    sandbox.admin(
        "POST",
        "/sandbox/faults",
        json={"kind": "rate_limit", "method": "history.list", "email": MAILBOX},
    )

    with pytest.raises(HttpError) as deleted:
        gmail.users().messages().get(userId="me", id=message_id).execute()
    with pytest.raises(HttpError) as limited:
        gmail.users().history().list(userId="me", startHistoryId="1000").execute()

    assert deleted.value.resp.status == 404
    assert limited.value.resp.status == 429
    history = gmail.users().history().list(userId="me", startHistoryId="1000").execute()
    assert [next(k for k in r if k.startswith("messages")) for r in history["history"]] == [
        "messages",
        "messages",
    ]
    assert "messagesDeleted" in history["history"][1]
    stats = sandbox.admin("GET", f"/sandbox/users/{MAILBOX}/stats").json()
    assert stats["rate_limited"] == 1
    assert stats["calls"] == {"users.messages.get": 1, "users.history.list": 2}


def _generated(make_sandbox) -> tuple[Sandbox, list[dict]]:
    sandbox = make_sandbox(quota_units_per_second=None)
    answer = sandbox.admin(
        "POST",
        f"/sandbox/users/{MAILBOX}/generate",
        json={"count": 300, "days": 30, "seed": 7, "job_share": 0.2},
    )
    assert answer.status_code == 201 and answer.json()["delivered"] == 300
    messages = sandbox.gmail().users().messages()
    listed = messages.list(userId="me", maxResults=500, q="newer_than:30d").execute()["messages"]
    sample = [
        messages.get(
            userId="me", id=m["id"], format="metadata", metadataHeaders=["From", "Subject", "Date"]
        ).execute()
        for m in listed[::25]
    ]
    return sandbox, [{"listed": len(listed)}, *sample]


def test_generator_is_deterministic_and_mixes_job_mail(make_sandbox) -> None:
    sandbox, first = _generated(make_sandbox)
    _, second = _generated(make_sandbox)

    assert first == second
    assert first[0] == {"listed": 300}, "every generated message lies within the last 30 days"
    gmail = sandbox.gmail().users().messages()
    ats = ("greenhouse-mail.io", "lever.co", "myworkdayjobs.com", "ashbyhq.com")
    job_total = sum(
        gmail.list(userId="me", q=f"from:{domain}", maxResults=500).execute()["resultSizeEstimate"]
        for domain in ats
    )
    assert job_total == 60


def test_the_generator_can_write_a_given_number_of_applications(make_sandbox) -> None:
    sandbox = make_sandbox(quota_units_per_second=None)
    answer = sandbox.admin(
        "POST",
        f"/sandbox/users/{MAILBOX}/generate",
        json={"count": 400, "days": 28, "seed": 3, "applications": 25},
    )
    assert answer.status_code == 201 and answer.json()["delivered"] == 400

    messages = sandbox.gmail().users().messages()
    confirmations = messages.list(
        userId="me", q='subject:"thank you for applying to"', maxResults=500
    ).execute()["messages"]
    companies = {
        header["value"].removeprefix("Thank you for applying to ")
        for m in confirmations
        for header in messages.get(
            userId="me", id=m["id"], format="metadata", metadataHeaders=["Subject"]
        ).execute()["payload"]["headers"]
    }
    assert len(confirmations) == len(companies) == 25, "one confirmation per company"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"count": 5, "applications": 9}, "count is too small"),
        ({"count": 100, "applications": 0}, "applications must be"),
        ({"count": 100, "applications": 401}, "applications must be"),
        ({"count": 100, "applications": "many"}, "applications must be a whole number"),
    ],
)
def test_bad_application_counts_get_a_clear_400(
    sandbox: Sandbox, body: dict, expected: str
) -> None:
    answer = sandbox.admin("POST", f"/sandbox/users/{MAILBOX}/generate", json=body)
    assert answer.status_code == 400
    assert expected in answer.json()["error"]
