"""messages.list and messages.get through the unmodified google-api-python-client."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from email import message_from_bytes

import pytest
from googleapiclient.errors import HttpError
from sandbox_testkit import MAILBOX, Sandbox

pytestmark = pytest.mark.unit


def _iso(sandbox: Sandbox, days_ago: float) -> str:
    return (datetime.fromtimestamp(sandbox.clock(), UTC) - timedelta(days=days_ago)).isoformat()


def _all_ids(gmail, **params) -> tuple[list[str], int]:
    ids, pages, token = [], 0, None
    while True:
        page = gmail.users().messages().list(userId="me", pageToken=token, **params).execute()
        ids += [m["id"] for m in page.get("messages", [])]
        pages += 1
        token = page.get("nextPageToken")
        if not token:
            return ids, pages


def test_list_filters_by_query_and_paginates(sandbox: Sandbox) -> None:
    recent = [
        sandbox.deliver(subject=f"recent {n}", date=_iso(sandbox, n + 1))["id"] for n in range(7)
    ]
    old = sandbox.deliver(subject="old", date=_iso(sandbox, 45))["id"]
    sent = sandbox.deliver(subject="mine", date=_iso(sandbox, 2), labelIds=["SENT"])["id"]
    spam = sandbox.deliver(subject="spam", date=_iso(sandbox, 2), labelIds=["SPAM"])["id"]
    chat = sandbox.deliver(subject="chat", date=_iso(sandbox, 2), labelIds=["CHAT"])["id"]
    gmail = sandbox.gmail()

    ids, pages = _all_ids(
        gmail, q="newer_than:30d -in:sent -in:chats -in:spam -in:trash", maxResults=3
    )

    assert sorted(ids) == sorted(recent)
    assert pages == 3
    assert ids == recent, "newest first (recent[0] is one day old), like Gmail"
    everything, _ = _all_ids(gmail, maxResults=500)
    assert old in everything and sent in everything and chat in everything
    assert spam not in everything, "spam is hidden unless includeSpamTrash"
    with_spam, _ = _all_ids(gmail, includeSpamTrash=True)
    assert spam in with_spam


def test_after_before_accept_dates_and_epoch_seconds(sandbox: Sandbox) -> None:
    inside = sandbox.deliver(date="2024-03-10T12:00:00Z")["id"]
    sandbox.deliver(date="2024-02-10T12:00:00Z")
    sandbox.deliver(date="2024-04-10T12:00:00Z")
    gmail = sandbox.gmail()
    start = int(datetime(2024, 3, 1, tzinfo=UTC).timestamp())

    by_date, _ = _all_ids(gmail, q="after:2024/03/01 before:2024/04/01 in:inbox")
    by_epoch, _ = _all_ids(gmail, q=f"after:{start} before:{start + 31 * 86400}")

    assert by_date == [inside]
    assert by_epoch == [inside]


def test_label_ids_filter_and_bad_query(sandbox: Sandbox) -> None:
    starred = sandbox.deliver(labelIds=["INBOX", "STARRED"])["id"]
    sandbox.deliver()
    gmail = sandbox.gmail()

    ids, _ = _all_ids(gmail, labelIds=["STARRED"])
    assert ids == [starred]
    with pytest.raises(HttpError) as caught:
        gmail.users().messages().list(userId="me", q="after:yesterday").execute()
    assert caught.value.resp.status == 400
    for nested in ("(" * 2000 + "a" + ")" * 2000, "-" * 2000 + "a"):
        with pytest.raises(HttpError) as caught:
            gmail.users().messages().list(userId="me", q=nested).execute()
        assert caught.value.resp.status == 400, "a 400 that says why, not a 500"


def test_a_search_too_long_for_a_get_is_answered_as_one(sandbox: Sandbox) -> None:
    """The client sends a URL over 2,048 characters as a POST overridden to GET, as Google
    allows; the sandbox answers it like the GET."""
    wanted = sandbox.deliver(subject="Interview invitation")["id"]
    sandbox.deliver(subject="Dinner on Saturday?")
    words = " ".join(f"unusedword{n}" for n in range(300))
    q = f"newer_than:30d subject:{{{words} interview}}"
    assert len(q) > 2048

    ids, _ = _all_ids(sandbox.gmail(), q=q)

    assert ids == [wanted]


def test_get_in_every_format(sandbox: Sandbox) -> None:
    delivered = sandbox.deliver(
        subject="Interview invitation",
        body="Please pick a time.",
        html="<p>Please pick a <b>time</b>.</p>",
        date="Tue, 05 Mar 2024 09:30:00 +0000",
    )
    message = sandbox.gmail().users().messages()

    def get(fmt: str, **extra: object) -> dict:
        return message.get(userId="me", id=delivered["id"], format=fmt, **extra).execute()

    minimal = get("minimal")
    assert minimal["id"] == delivered["id"] and minimal["threadId"] == delivered["threadId"]
    assert minimal["labelIds"] == ["INBOX", "UNREAD"] and "payload" not in minimal
    assert minimal["internalDate"] == str(
        int(datetime(2024, 3, 5, 9, 30, tzinfo=UTC).timestamp() * 1000)
    )
    metadata = get("metadata", metadataHeaders=["From", "subject"])
    names = [h["name"] for h in metadata["payload"]["headers"]]
    assert names == ["From", "Subject"]
    full = get("full")
    assert full["payload"]["mimeType"] == "multipart/alternative"
    plain, html = full["payload"]["parts"]
    assert (plain["partId"], html["partId"]) == ("0", "1")
    assert base64.urlsafe_b64decode(plain["body"]["data"]).decode().strip() == "Please pick a time."
    assert html["mimeType"] == "text/html"
    assert full["snippet"] == "Please pick a time."
    raw = message_from_bytes(base64.urlsafe_b64decode(get("raw")["raw"]))
    assert raw["Subject"] == "Interview invitation"


def test_unknown_and_deleted_messages_are_404_with_gmail_error_json(sandbox: Sandbox) -> None:
    delivered = sandbox.deliver()
    gmail = sandbox.gmail()
    gone = sandbox.admin("DELETE", f"/sandbox/users/{MAILBOX}/messages/{delivered['id']}")
    assert gone.status_code == 200

    for message_id in (delivered["id"], "0000000000000bad"):
        with pytest.raises(HttpError) as caught:
            gmail.users().messages().get(userId="me", id=message_id).execute()
        assert caught.value.resp.status == 404
        assert caught.value.error_details[0]["reason"] == "notFound"


def test_replies_join_the_thread_by_references(sandbox: Sandbox) -> None:
    first = sandbox.deliver(subject="Application received", messageId="<a1@ats.example>")
    reply = sandbox.deliver(
        subject="Re: Application received", headers={"In-Reply-To": "<a1@ats.example>"}
    )
    other = sandbox.deliver(subject="Application received")

    assert reply["threadId"] == first["threadId"]
    assert other["threadId"] != first["threadId"]


def test_raw_rfc822_delivery_round_trips(sandbox: Sandbox) -> None:
    raw = (
        b"From: Lever <no-reply@hire.lever.co>\r\nTo: jordan@example.com\r\n"
        b"Subject: Thanks for applying\r\nDate: Mon, 04 Mar 2024 10:00:00 +0000\r\n"
        b"Message-ID: <raw-1@lever.co>\r\n\r\nWe received your application.\r\n"
    )
    answer = sandbox.admin(
        "POST",
        f"/sandbox/users/{MAILBOX}/messages",
        data=raw,
        headers={"Content-Type": "message/rfc822"},
    )
    assert answer.status_code == 201, answer.text

    got = (
        sandbox.gmail()
        .users()
        .messages()
        .get(userId="me", id=answer.json()["id"], format="raw")
        .execute()
    )
    assert base64.urlsafe_b64decode(got["raw"]) == raw
