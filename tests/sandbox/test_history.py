"""history.list: pagination, filters, the stale-cursor 404, and history ids above 2^63."""

from __future__ import annotations

import pytest
from googleapiclient.errors import HttpError
from sandbox_testkit import MAILBOX, Sandbox

pytestmark = pytest.mark.unit


def _history(gmail, start: str, **params) -> tuple[list[dict], str]:
    records, token, current = [], None, ""
    while True:
        page = (
            gmail.users()
            .history()
            .list(userId="me", startHistoryId=start, pageToken=token, **params)
            .execute()
        )
        records += page.get("history", [])
        current = page["historyId"]
        token = page.get("nextPageToken")
        if not token:
            return records, current


def test_history_pages_through_added_messages(sandbox: Sandbox) -> None:
    sandbox.admin("POST", "/sandbox/users", json={"email": MAILBOX})
    start = sandbox.gmail().users().getProfile(userId="me").execute()["historyId"]
    added = [sandbox.deliver(subject=f"n{n}") for n in range(5)]
    gmail = sandbox.gmail()

    records, current = _history(gmail, start, maxResults=2, historyTypes=["messageAdded"])

    assert [r["messagesAdded"][0]["message"]["id"] for r in records] == [a["id"] for a in added]
    assert records[0]["messages"] == [{"id": added[0]["id"], "threadId": added[0]["threadId"]}]
    assert current == added[-1]["historyId"]
    later, _ = _history(gmail, added[2]["historyId"])
    assert [r["id"] for r in later] == [a["historyId"] for a in added[3:]]


def test_history_types_and_label_filter(sandbox: Sandbox) -> None:
    kept = sandbox.deliver(labelIds=["INBOX"])
    sent = sandbox.deliver(labelIds=["SENT"])
    sandbox.admin("DELETE", f"/sandbox/users/{MAILBOX}/messages/{kept['id']}")
    gmail = sandbox.gmail()

    added, _ = _history(gmail, "1000", historyTypes=["messageAdded"])
    deleted, _ = _history(gmail, "1000", historyTypes=["messageDeleted"])
    inbox, _ = _history(gmail, "1000", labelId="INBOX", historyTypes=["messageAdded"])

    assert [r["messagesAdded"][0]["message"]["id"] for r in added] == [kept["id"], sent["id"]]
    assert [r["messagesDeleted"][0]["message"]["id"] for r in deleted] == [kept["id"]]
    assert [r["messagesAdded"][0]["message"]["id"] for r in inbox] == [kept["id"]]


def test_expired_history_gives_404(sandbox: Sandbox) -> None:
    first = sandbox.deliver()
    sandbox.deliver()
    gmail = sandbox.gmail()
    assert _history(gmail, first["historyId"])[0]

    expired = sandbox.admin("POST", f"/sandbox/users/{MAILBOX}/expire-history", json={})
    assert expired.status_code == 200

    with pytest.raises(HttpError) as caught:
        gmail.users().history().list(userId="me", startHistoryId=first["historyId"]).execute()
    assert caught.value.resp.status == 404
    current = gmail.users().getProfile(userId="me").execute()["historyId"]
    assert _history(gmail, current) == ([], current)


def test_history_limit_drops_old_records(sandbox: Sandbox) -> None:
    sandbox.admin("POST", "/sandbox/users", json={"email": MAILBOX, "history_limit": 2})
    ids = [sandbox.deliver()["historyId"] for _ in range(4)]
    gmail = sandbox.gmail()

    with pytest.raises(HttpError) as caught:
        gmail.users().history().list(userId="me", startHistoryId=ids[0]).execute()
    assert caught.value.resp.status == 404
    records, _ = _history(gmail, ids[1])
    assert [r["id"] for r in records] == ids[2:]


def test_history_ids_above_2_to_the_63_round_trip(sandbox: Sandbox) -> None:
    start = 2**63 + 5
    created = sandbox.admin(
        "POST", "/sandbox/users", json={"email": MAILBOX, "history_start": str(start)}
    )
    assert created.json()["historyId"] == str(start)
    delivered = sandbox.deliver()
    gmail = sandbox.gmail()

    records, current = _history(gmail, str(start))
    message = (
        gmail.users().messages().get(userId="me", id=delivered["id"], format="minimal").execute()
    )

    assert int(records[0]["id"]) == start + 1 > 2**63
    assert current == delivered["historyId"] == message["historyId"] == str(start + 1)
    with pytest.raises(HttpError) as caught:
        gmail.users().history().list(userId="me", startHistoryId=str(2**63)).execute()
    assert caught.value.resp.status == 404
