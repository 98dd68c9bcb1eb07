"""The collaborators the app's views share, kept in ``app.extensions["applytrack"]``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from flask import current_app

from messaging import Publisher
from receiver.config import ReceiverConfig
from receiver.mailbox_directory import MailboxDirectory
from receiver.metrics import PushMetrics
from receiver.push_auth import PushAuthenticator
from receiver.sign_in_throttle import SignInThrottle
from storage import Store

EXTENSION_KEY = "applytrack"


class MailboxClient(Protocol):
    """The Gmail calls the web app makes with one user's refresh token."""

    def profile(self) -> dict[str, Any]:
        """`users.getProfile`."""
        ...

    def stop(self) -> None:
        """`users.stop`."""
        ...

    def close(self) -> None:
        """Release the HTTP connections."""
        ...


MailboxClientFactory = Callable[[str], MailboxClient]


@dataclass(frozen=True)
class ReceiverContext:
    """Everything a request handler needs, built once by `create_app`."""

    config: ReceiverConfig
    store: Store
    publisher: Publisher | None
    authenticator: PushAuthenticator
    metrics: PushMetrics
    mailboxes: MailboxDirectory
    gmail_factory: MailboxClientFactory
    sign_in_throttle: SignInThrottle


def receiver_context() -> ReceiverContext:
    """The current app's collaborators (inside a request or app context)."""
    return current_app.extensions[EXTENSION_KEY]
