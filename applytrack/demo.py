"""`applytrack demo`: every process in one, on embedded defaults, against the Gmail sandbox.

SQLite in one folder, the in-process queue, the sandbox with a seeded mailbox, the initial sync,
the watch, and then a new email every few seconds through the same push path as production.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from applytrack.localstack import LocalStack, StackOptions, start_local_stack

DEMO_USER = "jordan.rivera@example.com"
DEMO_MAILBOX = "jordan.rivera.demo@gmail.com"


@dataclass(frozen=True)
class DemoOptions:
    """What the person running the demo chose."""

    state_dir: Path
    port: int = 8080
    sandbox_port: int = 8081
    interval_seconds: float = 8.0
    host: str = "127.0.0.1"


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
        stack = start_local_stack(
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
        self.stack = stack
        now = datetime.now(UTC)
        seeded = demo_messages(now)
        for message in seeded:
            stack.sandbox.state.deliver(DEMO_MAILBOX, message)
        self.followups = list(demo_followups(now))
        stack.connect_mailbox(DEMO_USER, DEMO_MAILBOX, display_name="Jordan Rivera")
        self._say(f"State folder:   {state_dir} (SQLite database and demo keys)")
        self._say(f"Gmail sandbox:  {stack.sandbox.url} ({DEMO_MAILBOX}, {len(seeded)} emails)")
        self._say(f"Dashboard:      {stack.web_url}  (signed in as {DEMO_USER})")
        self._say(f"JSON API:       {stack.web_url}/api/applications")
        self._say("Initial sync queued; the push watch starts when it finishes.")
        return stack

    def deliver_followups(self) -> None:
        """Drop one new email into the mailbox every few seconds, then wait until stopped."""
        assert self.stack is not None
        stop = self.stack.stop_event
        for message in self.followups:
            if stop.wait(self.options.interval_seconds):
                return
            answer = self.stack.sandbox.state.deliver(DEMO_MAILBOX, message)
            self._say(f"New email: {message['subject']!r} (historyId {answer['historyId']})")
        self._say("All demo emails delivered; the dashboard stays up until Ctrl-C.")
        stop.wait()

    def stop(self) -> None:
        """Stop every part."""
        if self.stack is not None:
            self.stack.stop()
