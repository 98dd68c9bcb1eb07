"""The demo mailbox: realistic size, dates, companies, and follow-ups that thread correctly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sandbox import SandboxState
from sandbox.seed import demo_followups, demo_messages

pytestmark = pytest.mark.unit

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def test_demo_messages_cover_thirty_days_and_eight_companies() -> None:
    messages = demo_messages(NOW)

    assert 55 <= len(messages) <= 65
    dates = [datetime.fromisoformat(m["date"]) for m in messages]
    assert all(NOW - timedelta(days=30) <= d < NOW for d in dates)
    assert dates == sorted(dates)
    senders = " ".join(m["from"] for m in messages)
    for ats in ("greenhouse", "lever.co", "myworkdayjobs.com", "ashbyhq.com"):
        assert ats in senders
    companies = {
        "Northwind",
        "Lumen",
        "Halvorsen",
        "Parcel & Pine",
        "Helix",
        "Brightwater",
        "Orbitra",
        "Quillmark",
    }
    assert all(name in senders for name in companies)
    assert len({m["messageId"] for m in messages}) == len(messages)


def test_followups_thread_onto_the_seeded_conversations() -> None:
    state = SandboxState(quota_units_per_second=None)
    address = "demo@example.com"
    seeded = {
        m["messageId"]: state.deliver(address, m) for m in demo_messages(NOW, recipient=address)
    }
    followups = demo_followups(NOW + timedelta(minutes=5), recipient=address)
    assert len(followups) == 12

    for message in followups:
        answer = state.deliver(address, message)
        parent = message.get("headers", {}).get("In-Reply-To")
        if parent in seeded:
            assert answer["threadId"] == seeded[parent]["threadId"], message["subject"]
    threaded = [m for m in followups if m.get("headers")]
    assert len(threaded) >= 8
