"""Session cookies: HttpOnly and SameSite=Lax always, Secure unless served on loopback or demo."""

from __future__ import annotations

from flask import Flask, has_request_context
from flask.sessions import SecureCookieSessionInterface

from receiver.current_user import DEMO_CONFIG_KEY, is_loopback_request


class LoopbackAwareSessionInterface(SecureCookieSessionInterface):
    """A signed-cookie session whose Secure flag is dropped only for plain-HTTP local use.

    Pub/Sub's pushes never reach it: the webhook's own app (see `receiver.app`) has no session.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        """Secure, except for requests on this machine (or in the demo), which use plain HTTP."""
        if app.config.get(DEMO_CONFIG_KEY):
            return False
        return not (has_request_context() and is_loopback_request())


def init_app(app: Flask) -> None:
    """Set the cookie flags and install the session interface."""
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="applytrack_session",
    )
    app.session_interface = LoopbackAwareSessionInterface()
