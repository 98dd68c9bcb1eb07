"""Who is signed in: Flask-Login sessions, plus the demo's automatic sign-in on loopback only.

Views that need a person use Flask-Login's `login_required`; a visitor who is not signed in is sent
to the sign-in page, or, under ``/api/``, answered with one JSON 401.

A session holds the user's id *and* the user's session version at sign-in (``"<id>:<version>"``,
Flask-Login's "alternative token"). Sign-out and a password change raise the version in the
database (`Store.end_sessions`), so every cookie issued before — on this browser or any other —
stops loading a user, even though the signed cookie itself is still intact.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from ipaddress import ip_address

from flask import Flask, current_app, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, UserMixin, current_user, login_user

from receiver.context import receiver_context
from receiver.errors import json_error, wants_json
from storage import UserView

DEMO_CONFIG_KEY = "APPLYTRACK_DEMO_SIGN_IN"
SIGNED_OUT_KEY = "signed_out"
NOT_SIGNED_IN = "You are not signed in; sign in to see your applications."
_MAX_SESSION_ID_LENGTH = 41  # "<id>:<version>", each at most 20 digits
# Answered for machines, never for a person: no demo sign-in (and no session cookie) there.
_NO_PERSON_ENDPOINTS = frozenset({None, "static", "metrics", "healthz", "readyz"})


@dataclass(frozen=True)
class SignedInUser(UserMixin):
    """The account behind the session, as Flask-Login needs it."""

    id: int
    email: str
    display_name: str | None
    session_version: int

    @classmethod
    def of(cls, user: UserView) -> SignedInUser:
        """The signed-in form of an account, at its current session version."""
        return cls(user.id, user.email, user.display_name, user.session_version)

    def get_id(self) -> str:
        """What Flask-Login keeps in the session: the user's id and session version."""
        return f"{self.id}:{self.session_version}"

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


def _load_user(session_id: str) -> SignedInUser | None:
    """The user a session names, unless the session was ended since (its version is older)."""
    user_id, _, version = session_id.partition(":")
    if len(session_id) > _MAX_SESSION_ID_LENGTH or not (
        user_id.isascii() and user_id.isdigit() and version.isascii() and version.isdigit()
    ):
        return None
    user = receiver_context().store.user(int(user_id))
    if user is None or user.session_version != int(version):
        return None
    return SignedInUser.of(user)


def _not_signed_in() -> ResponseReturnValue:
    """Flask-Login's answer to a visitor who is not signed in."""
    if wants_json():
        return json_error(401, NOT_SIGNED_IN)
    return redirect(url_for("accounts.sign_in", next=request.full_path.rstrip("?")))


def _sign_in_demo_user() -> None:
    """In the demo, a visitor on this machine is the demo user until they sign out."""
    if not current_app.config[DEMO_CONFIG_KEY] or current_user.is_authenticated:
        return
    if request.endpoint in _NO_PERSON_ENDPOINTS:
        return
    if session.get(SIGNED_OUT_KEY) or not is_loopback_request():
        return
    store = receiver_context().store
    mailboxes = store.mailboxes()
    user = store.user(mailboxes[0].user_id) if mailboxes else None
    if user is not None:
        login_user(SignedInUser.of(user))


def is_loopback_request() -> bool:
    """True when the request came from and was addressed to this machine."""
    return _is_loopback(request.remote_addr) and _is_loopback(request.host.rsplit(":", 1)[0])


@lru_cache(maxsize=256)  # a server hears from few addresses and is addressed by fewer names
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
