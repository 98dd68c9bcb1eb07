"""The e2e tests' view of the running local stack: connect a mailbox, deliver, wait for the sync."""

from __future__ import annotations

from dataclasses import dataclass

from applytrack.localstack import LocalStack
from applytrack.settings import Settings
from storage import Store
from tests.sync_testkit import new_address, wait_until

PROJECT = "applytrack-e2e"
METRICS_TOKEN = "e2e-metrics-scrape-token"  # the web process serves /metrics only with it
WAIT_SECONDS = 45.0


@dataclass
class Stack:
    """The running local stack, with the helpers the tests share."""

    local: LocalStack

    @property
    def settings(self) -> Settings:
        return self.local.settings

    @property
    def store(self) -> Store:
        return self.local.store  # type: ignore[return-value]

    @property
    def web_url(self) -> str:
        return self.local.web_url

    def connect_mailbox(self, *, premium: bool = True) -> tuple[int, int, str]:
        """A new user with a new Gmail mailbox, initially synced (and watched if premium)."""
        address = new_address("seeker")
        self.deliver(
            address,
            {
                "from": "Welcome <welcome@example.org>",
                "subject": "Welcome to your new mailbox",
                "body": "Hello and welcome.",
            },
        )
        user_id, mailbox_id = self.local.connect_mailbox(
            f"owner.{address}", address, premium=premium
        )
        wait_until(
            lambda: (
                self.store.mailbox(mailbox_id).watch_expiration
                if premium
                else self.store.mailbox(mailbox_id).history_cursor
            ),
            what="the initial sync (and the watch)",
            timeout=WAIT_SECONDS,
        )
        return user_id, mailbox_id, address

    def deliver(self, address: str, message: dict) -> dict:
        """Drop an email into the sandbox mailbox, as if it had just arrived."""
        return self.local.sandbox.state.deliver(address, {"to": address, **message})  # type: ignore[attr-defined]

    def wait_synced(self, mailbox_id: int, history_id: int) -> None:
        """Wait until the worker's cursor has passed ``history_id``."""
        wait_until(
            lambda: (self.store.mailbox(mailbox_id).history_cursor or 0) >= history_id,
            what=f"mailbox {mailbox_id} to be synced past history {history_id}",
            timeout=WAIT_SECONDS,
        )
