"""`applytrack demo`: every process in one, on embedded defaults, against the Gmail sandbox.

SQLite in one folder, the in-process queue, the sandbox with a seeded mailbox, the initial sync,
the watch, then a burst of follow-up emails every few seconds, and after it a trickle of new mail
(one every 20 to 40 s) for as long as the demo runs, all through the same push path as production.
"""

from __future__ import annotations

import json
import random
import shutil
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from applytrack.localstack import LocalStack, StackOptions, start_local_stack
from storage import Plan

DEMO_USER = "jordan.rivera@example.com"
DEMO_RECIPIENT = "jordan.rivera@gmail.com"  # the address the seeded mail is written to
DEMO_MAILBOX = "jordan.rivera.demo@gmail.com"


@dataclass(frozen=True)
class DemoOptions:
    """What the person running the demo chose."""

    state_dir: Path
    port: int = 8080
    sandbox_port: int = 8081
    interval_seconds: float = 8.0
    host: str = "127.0.0.1"
    trickle_seconds: tuple[float, float] = (20.0, 40.0)  # the wait between two trickle emails


class MailTrickle:
    """Endless new mail for the demo, from the sandbox's generator: applications that move along
    their threads (confirmation, interview, offer or rejection) and, every few emails, ordinary
    mail (newsletters and the like); and now and then a look-alike from `demo_lookalikes.json`
    (a research interview, a mock interview, a friend's offer), the kind a person may have to
    correct."""

    ORDINARY_EVERY = 5
    LOOKALIKE_EVERY = 7
    _SEED_BASE = 1_000_000  # far from the seeded mail's generator seeds: message ids never repeat

    def __init__(self, recipient: str, *, seed: int = 0) -> None:
        self._recipient = recipient
        self._rng = random.Random(seed)
        self._pending: deque[dict] = deque()
        self._count = 0

    def next_message(self, now: datetime) -> dict:
        """The next email, dated ``now``."""
        self._count += 1
        seed = self._SEED_BASE + self._count
        if self._count % self.ORDINARY_EVERY == 0:
            (message,) = self._generate(1, seed, job_share=0)
        elif self._count % self.LOOKALIKE_EVERY == 0:
            message = self._lookalike(seed)
        else:
            if not self._pending:
                self._pending.extend(self._generate(3, seed, job_share=1))
            message = self._pending.popleft()
        return message | {"date": now.isoformat()}

    def _lookalike(self, seed: int) -> dict:
        """The next look-alike, in turn, as a new message."""
        lookalikes = _lookalikes()
        written = lookalikes[(self._count // self.LOOKALIKE_EVERY - 1) % len(lookalikes)]
        return {
            **written,
            "to": self._recipient,
            "messageId": f"<lookalike-{seed}@demo.example>",
            "labelIds": ["INBOX", "UNREAD"],
        }

    def _generate(self, count: int, seed: int, *, job_share: float) -> list[dict]:
        """Messages from the sandbox's generator (a thread's messages oldest first)."""
        from sandbox.generate import generate_messages

        return generate_messages(
            count=count,
            days=1,
            seed=seed,
            job_share=job_share,
            now=datetime.now(UTC).timestamp(),
            recipient=self._recipient,
        )

    def wait_seconds(self, bounds: tuple[float, float]) -> float:
        """How long to wait before the next email: a random time within ``bounds``."""
        return self._rng.uniform(*bounds)


class Demo:
    """The running demo: the local stack, a seeded mailbox and a stream of new emails."""

    def __init__(self, options: DemoOptions, say: Callable[[str], None]) -> None:
        self.options = options
        self._say = say
        self.stack: LocalStack | None = None
        self.followups: list[dict] = []

    def start(self) -> LocalStack:
        """Start fresh: clear the state folder, start the stack, seed the mailbox, connect it."""
        from sandbox.seed import demo_followups, demo_messages

        state_dir = self.options.state_dir
        if state_dir.exists():
            shutil.rmtree(state_dir)
            self._say(f"Starting fresh: cleared the previous demo's state in {state_dir}")
        self.stack = stack = start_local_stack(
            StackOptions(
                state_dir=state_dir,
                host=self.options.host,
                web_port=self.options.port,
                sandbox_port=self.options.sandbox_port,
                pubsub_project="applytrack-demo",
                worker_id="demo-worker",
                scheduler=True,
                settings_overrides={"demo": True},
            )
        )
        now = datetime.now(UTC)
        seeded = demo_messages(now)
        for message in seeded:
            stack.sandbox.state.deliver(DEMO_MAILBOX, message)
        self.followups = list(demo_followups(now))
        user_id, _ = stack.connect_mailbox(DEMO_USER, DEMO_MAILBOX, display_name="Jordan Rivera")
        stack.store.set_plan(user_id, Plan.PREMIUM)  # the demo shows the Premium features
        self._say(f"State folder:   {state_dir} (SQLite database and demo keys)")
        self._say(f"Gmail sandbox:  {stack.sandbox.url} ({DEMO_MAILBOX}, {len(seeded)} emails)")
        self._say(f"Dashboard:      {stack.web_url}  (signed in as {DEMO_USER})")
        self._say(f"JSON API:       {stack.web_url}/api/applications")
        self._say("Initial sync queued; the push watch starts when it finishes.")
        return stack

    def deliver_followups(self) -> None:
        """Drop the follow-up emails one every few seconds, then keep a trickle of new mail
        coming (one every 20 to 40 s) until the demo is stopped."""
        assert self.stack is not None
        stop = self.stack.stop_event
        for message in self.followups:
            if stop.wait(self.options.interval_seconds):
                return
            self._deliver(message)
        self._say("Follow-ups delivered; new mail keeps arriving every 20-40 s until Ctrl-C.")
        trickle = MailTrickle(DEMO_RECIPIENT)
        while not stop.wait(trickle.wait_seconds(self.options.trickle_seconds)):
            self._deliver(trickle.next_message(datetime.now(UTC)))

    def _deliver(self, message: dict) -> None:
        assert self.stack is not None
        answer = self.stack.sandbox.state.deliver(DEMO_MAILBOX, message)
        self._say(f"New email: {message['subject']!r} (historyId {answer['historyId']})")

    def stop(self) -> None:
        """Stop every part."""
        if self.stack is not None:
            self.stack.stop()


@lru_cache(maxsize=1)
def _lookalikes() -> list[dict[str, str]]:
    """The demo's look-alike emails (data: applytrack/demo_lookalikes.json)."""
    data = json.loads((Path(__file__).with_name("demo_lookalikes.json")).read_text("utf-8"))
    return [dict(item) for item in data]
