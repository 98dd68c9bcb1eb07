"""Who is signed in. Real sign-in is a later issue: until then a pluggable loader decides.

``app.config["CURRENT_USER_LOADER"]`` is a function ``(store) -> user id | None``, called inside a
request. The default signs in the demo user in demo mode and nobody otherwise.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

from receiver.context import receiver_context
from storage import Store

CONFIG_KEY = "CURRENT_USER_LOADER"

CurrentUserLoader = Callable[[Store], "int | None"]


def demo_user_loader(store: Store) -> int | None:
    """The demo's single user: the owner of the oldest mailbox (None before one is connected)."""
    # Store has no user listing; the demo creates its one user together with its mailbox.
    mailboxes = store.mailboxes()
    return mailboxes[0].user_id if mailboxes else None


def nobody_loader(store: Store) -> int | None:
    """Nobody is signed in (the default outside demo mode, until sign-in exists)."""
    return None


def init_app(app: Flask, *, demo: bool) -> None:
    """Install the default loader unless the caller configured one."""
    app.config.setdefault(CONFIG_KEY, demo_user_loader if demo else nobody_loader)


def current_user_id() -> int | None:
    """The signed-in user's id for this request, or None."""
    loader: CurrentUserLoader = current_app.config[CONFIG_KEY]
    return loader(receiver_context().store)
