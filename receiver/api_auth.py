"""Who is calling the JSON API, and whether a write may go ahead.

A call carries either a personal API token (``Authorization: Bearer at_…``) or the session
cookie of a signed-in person. With the cookie, a write (POST, PATCH, DELETE) must also carry the
session's CSRF token in an ``X-CSRFToken`` (or ``X-CSRF-Token``) header: a cookie alone is what a
forged cross-site request would have. No credentials: 401; a cookie without the header: 403.
"""

from __future__ import annotations

from flask import Response, current_app, g, request
from flask_wtf.csrf import CSRFError, CSRFProtect

from receiver.context import receiver_context
from receiver.current_user import NOT_SIGNED_IN, current_user_id
from receiver.errors import json_error

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_PUBLIC_ENDPOINTS = frozenset({"api.openapi_document"})
_USER_KEY = "api_user_id"


def api_user_id() -> int:
    """The caller's user id, in a view of a guarded blueprint."""
    user_id: int | None = g.get(_USER_KEY)
    if user_id is None:  # only reachable in a view outside a guarded blueprint
        raise RuntimeError("api_user_id() was called outside the guarded API blueprint")
    return user_id


def authenticate() -> tuple[Response, int] | None:
    """The API blueprint's guard (its views are exempt from the app-wide CSRF check: this one
    replaces it): None lets the request through, else the JSON refusal."""
    if request.endpoint in _PUBLIC_ENDPOINTS:
        return None
    header = request.headers.get("Authorization")
    if header is not None:
        return _authenticate_token(header)
    user_id = current_user_id()
    if user_id is None:
        return json_error(401, NOT_SIGNED_IN)
    if request.method not in _SAFE_METHODS:
        csrf: CSRFProtect = current_app.extensions["csrf"]
        try:
            csrf.protect()
        except CSRFError:
            return json_error(
                403,
                "A write with the session cookie needs the page's CSRF token in an X-CSRFToken "
                "header (or use a personal API token).",
            )
    g.setdefault(_USER_KEY, user_id)
    return None


def _authenticate_token(header: str) -> tuple[Response, int] | None:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return json_error(401, "The Authorization header must be 'Bearer' and an API token.")
    user_id = receiver_context().store.user_for_api_token(token.strip())
    if user_id is None:
        return json_error(401, "This API token is not valid: it is unknown or was revoked.")
    g.setdefault(_USER_KEY, user_id)
    return None
