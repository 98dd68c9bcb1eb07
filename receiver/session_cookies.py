"""Session cookies: HttpOnly and SameSite=Lax always, Secure unless served on loopback or demo."""

from __future__ import annotations

from flask import Flask, Request, has_request_context
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from receiver.current_user import DEMO_CONFIG_KEY, is_loopback_request

# Machine-to-machine paths: Pub/Sub's pushes carry no cookie and are answered with none, so the
# session is neither read nor written (on the busiest path, that was a third of its time).
SESSIONLESS_PREFIXES = ("/pubsub/",)


class LoopbackAwareSessionInterface(SecureCookieSessionInterface):
    """A signed-cookie session whose Secure flag is dropped only for plain-HTTP local use, and
    no session at all on the machine-to-machine paths."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """The null session (never saved) on `SESSIONLESS_PREFIXES`, else the signed cookie's."""
        if request.path.startswith(SESSIONLESS_PREFIXES):
            return self.make_null_session(app)
        return super().open_session(app, request)

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
