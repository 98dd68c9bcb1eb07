"""The whole push stack on real parts: Pub/Sub emulator, sandbox, receiver over HTTP, worker."""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from applytrack.localstack import LocalStack, StackOptions, start_local_stack
from applytrack.settings import Settings
from storage import Store

PROJECT = "applytrack-e2e"
_numbers = itertools.count(1)


def wait_until(check: Callable[[], object], *, timeout: float = 45.0, what: str = "it") -> object:
    """Poll ``check`` until it returns something truthy; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


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
        number = next(_numbers)
        address = f"seeker{number}.{secrets.token_hex(3)}@gmail.com"
        self.deliver(
            address,
            {
                "from": "Welcome <welcome@example.org>",
                "subject": "Welcome to your new mailbox",
                "body": "Hello and welcome.",
            },
        )
        user_id, mailbox_id = self.local.connect_mailbox(
            f"user{number}@applytrack.test", address, premium=premium
        )
        wait_until(
            lambda: (
                self.store.mailbox(mailbox_id).watch_expiration
                if premium
                else self.store.mailbox(mailbox_id).history_cursor
            ),
            what="the initial sync (and the watch)",
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
        )


@pytest.fixture(scope="session")
def stack(pubsub_emulator: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Start sandbox, receiver and worker once for the e2e tests, on Google's Pub/Sub emulator."""
    local = start_local_stack(
        StackOptions(
            state_dir=tmp_path_factory.mktemp("e2e"),
            queue_backend="pubsub",
            pubsub_project=PROJECT,
            worker_id="e2e-worker",
            settings_overrides={"demo": False, "pubsub_emulator_host": pubsub_emulator},
        )
    )
    try:
        yield Stack(local)
    finally:
        local.stop()
