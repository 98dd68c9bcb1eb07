"""Who is signed in: Flask-Login sessions, plus the demo's automatic sign-in on loopback only.

Views that need a person use Flask-Login's `login_required`; a visitor who is not signed in is sent
to the sign-in page, or, under ``/api/``, answered with one JSON 401.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import ip_address

from flask import Flask, current_app, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, UserMixin, current_user, login_user

from receiver.context import receiver_context
from receiver.errors import json_error, wants_json

DEMO_CONFIG_KEY = "APPLYTRACK_DEMO_SIGN_IN"
SIGNED_OUT_KEY = "signed_out"
NOT_SIGNED_IN = "You are not signed in; sign in to see your applications."
# Answered for machines, never for a person: no demo sign-in (and no session cookie) there.
_NO_PERSON_ENDPOINTS = frozenset({None, "static", "metrics", "healthz", "readyz"})


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
    manager.user_loader(_load_user)
    manager.unauthorized_handler(_not_signed_in)
    manager.init_app(app)
    app.config.setdefault(DEMO_CONFIG_KEY, demo)
    app.before_request(_sign_in_demo_user)


def _load_user(user_id: str) -> SignedInUser | None:
    if not user_id.isdecimal():
        return None
    user = receiver_context().store.user(int(user_id))
    if user is None:
        return None
    return SignedInUser(user.id, user.email, user.display_name)


def _not_signed_in() -> ResponseReturnValue:
    """Flask-Login's answer to a visitor who is not signed in."""
    if wants_json():
        return json_error(401, NOT_SIGNED_IN)
    return redirect(url_for("accounts.sign_in", next=request.full_path.rstrip("?")))


def _sign_in_demo_user() -> None:
    """In the demo, a visitor on this machine is the demo user until they sign out."""
    if not current_app.config[DEMO_CONFIG_KEY] or current_user.is_authenticated:
        return
    if request.endpoint in _NO_PERSON_ENDPOINTS or request.path.startswith("/pubsub/"):
        return
    if session.get(SIGNED_OUT_KEY) or not is_loopback_request():
        return
    mailboxes = receiver_context().store.mailboxes()
    user = _load_user(str(mailboxes[0].user_id)) if mailboxes else None
    if user is not None:
        login_user(user)


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
    return None


def signed_in_user_id() -> int:
    """The signed-in user's id, in a view guarded by `login_required`."""
    user_id = current_user_id()
    if user_id is None:  # only reachable if a view forgot its `login_required`
        raise RuntimeError("signed_in_user_id() was called in a view without login_required")
    return user_id
