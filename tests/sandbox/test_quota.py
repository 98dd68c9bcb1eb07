"""Per-mailbox quota: 429 rateLimitExceeded with Retry-After, counted in the stats."""

from __future__ import annotations

import pytest
from googleapiclient.errors import HttpError
from sandbox_testkit import MAILBOX

pytestmark = pytest.mark.unit


def test_over_quota_calls_get_429_until_the_window_moves(make_sandbox) -> None:
    sandbox = make_sandbox(quota_units_per_second=10)
    message_id = sandbox.deliver()["id"]
    messages = sandbox.gmail().users().messages()

    for _ in range(2):
        messages.get(userId="me", id=message_id, format="minimal").execute()
    with pytest.raises(HttpError) as caught:
        messages.get(userId="me", id=message_id, format="minimal").execute()

    assert caught.value.resp.status == 429
    assert caught.value.resp["retry-after"] == "1"
    assert caught.value.error_details[0]["reason"] == "rateLimitExceeded"
    stats = sandbox.admin("GET", f"/sandbox/users/{MAILBOX}/stats").json()
    assert stats["quota_units_used"] == 10
    assert stats["rate_limited"] == 1
    assert stats["calls"] == {"users.messages.get": 3}

    sandbox.clock.advance(1.0)
    assert messages.get(userId="me", id=message_id, format="minimal").execute()["id"] == message_id


def test_quota_off_never_refuses(make_sandbox) -> None:
    sandbox = make_sandbox(quota_units_per_second=None)
    message_id = sandbox.deliver()["id"]
    messages = sandbox.gmail().users().messages()

    for _ in range(60):
        messages.get(userId="me", id=message_id, format="minimal").execute()

    stats = sandbox.admin("GET", f"/sandbox/users/{MAILBOX}/stats").json()
    assert stats["quota_units_used"] == 300 and stats["rate_limited"] == 0
