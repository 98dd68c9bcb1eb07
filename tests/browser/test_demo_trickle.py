"""`applytrack demo` keeps new mail coming after its follow-ups, through the sandbox's push path,
for as long as it runs (here with the waits shortened)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from applytrack.demo import DEMO_MAILBOX, DEMO_USER, Demo, DemoOptions, MailTrickle

pytestmark = pytest.mark.browser

TRICKLE_EMAILS = 12


def test_the_trickle_mixes_moving_applications_with_ordinary_mail() -> None:
    trickle = MailTrickle("me@example.com", seed=3)
    now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)

    messages = [trickle.next_message(now) for _ in range(20)]

    assert all(message["date"] == now.isoformat() for message in messages)
    assert len({message["messageId"] for message in messages}) == 20
    ordinary = [m for m in messages if m["messageId"].endswith("@mail.example.com>")]
    lookalikes = [m for m in messages if m["messageId"].endswith("@demo.example>")]
    assert len(ordinary) == 4  # one in five
    assert [m["subject"] for m in lookalikes] == [  # the 7th and the 14th; the rest is job mail
        "Invitation: 30-minute interview about your banking app",
        "Your mock interview is confirmed for Thursday",
    ]
    assert any("headers" in message for message in messages)  # a thread that moves on
    waits = [trickle.wait_seconds((20.0, 40.0)) for _ in range(50)]
    assert all(20.0 <= wait <= 40.0 for wait in waits)


def test_the_demo_keeps_delivering_after_its_follow_ups(tmp_path: Path) -> None:
    lines: list[str] = []
    demo = Demo(
        DemoOptions(
            state_dir=tmp_path / "demo",
            port=0,
            sandbox_port=0,
            interval_seconds=0.01,
            trickle_seconds=(0.05, 0.1),
        ),
        lines.append,
    )
    stack = demo.start()
    delivering = threading.Thread(target=demo.deliver_followups, daemon=True)
    try:
        delivering.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and trickled(lines) < TRICKLE_EMAILS:
            time.sleep(0.1)
        assert trickled(lines) >= TRICKLE_EMAILS, lines[-5:]
        assert delivering.is_alive()  # still going: it stops only when the demo does
        user = stack.store.user_by_email(DEMO_USER)
        assert user is not None
        mailbox = stack.sandbox.state.stats(DEMO_MAILBOX)  # type: ignore[attr-defined]
        assert mailbox["messagesTotal"] >= len(demo.followups) + TRICKLE_EMAILS
    finally:
        stack.stop_event.set()
        delivering.join(timeout=10)
        demo.stop()
    assert not delivering.is_alive()


def trickled(lines: list[str]) -> int:
    """New emails announced after the follow-ups were all delivered."""
    for index, line in enumerate(lines):
        if line.startswith("Follow-ups delivered"):
            return sum(1 for later in lines[index + 1 :] if later.startswith("New email:"))
    return 0
