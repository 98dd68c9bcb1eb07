"""Who is signed in: Flask-Login sessions, plus the demo's automatic sign-in on loopback only."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import ip_address

from flask import Flask, current_app, request, session
from flask_login import LoginManager, UserMixin, current_user, login_user

from receiver.context import receiver_context
from storage import Store

DEMO_CONFIG_KEY = "APPLYTRACK_DEMO_SIGN_IN"
SIGNED_OUT_KEY = "signed_out"


@dataclass(frozen=True)
class SignedInUser(UserMixin):
    """The account behind the session, as Flask-Login needs it."""

    id: int
    email: str
    display_name: str | None

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session."""
        return str(self.id)

    @property
    def name(self) -> str:
        """What the pages call this person."""
        return self.display_name or self.email


def init_app(app: Flask, *, demo: bool) -> None:
    """Install Flask-Login; in demo mode, loopback visitors are signed in as the demo user."""
    manager = LoginManager()
    manager.login_view = "accounts.sign_in"
    manager.login_message = "Sign in to see your applications."
    manager.login_message_category = "info"
    manager.user_loader(_load_user)
    manager.init_app(app)
    app.config.setdefault(DEMO_CONFIG_KEY, demo)


def _load_user(user_id: str) -> SignedInUser | None:
    if not user_id.isdecimal():
        return None
    user = receiver_context().store.user(int(user_id))
    if user is None:
        return None
    return SignedInUser(user.id, user.email, user.display_name)


def demo_user_loader(store: Store) -> int | None:
    """The demo's single user: the owner of the oldest mailbox (None before one is connected)."""
    mailboxes = store.mailboxes()
    return mailboxes[0].user_id if mailboxes else None


def is_loopback_request() -> bool:
    """True when the request came from and was addressed to this machine."""
    return _is_loopback(request.remote_addr) and _is_loopback(request.host.rsplit(":", 1)[0])


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def current_user_id() -> int | None:
    """The signed-in user's id for this request, or None."""
    if current_user.is_authenticated:
        return int(current_user.id)
    if not current_app.config[DEMO_CONFIG_KEY] or session.get(SIGNED_OUT_KEY):
        return None
    if not is_loopback_request():
        return None
    user_id = demo_user_loader(receiver_context().store)
    user = None if user_id is None else _load_user(str(user_id))
    if user is None:
        return None
    login_user(user)
    return user.id
