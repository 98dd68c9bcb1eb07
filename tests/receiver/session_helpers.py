"""Signing a Flask test client in the way Flask-Login does, and reading CSRF tokens off pages."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from receiver.context import EXTENSION_KEY, ReceiverContext

_CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def signed_in(app: Flask, user_id: int | None) -> FlaskClient:
    """A client whose session holds ``user_id`` (None: a client nobody signed in with)."""
    client = app.test_client()
    if user_id is not None:
        user = receiver_context_of(app).store.user(user_id)
        assert user is not None, f"there is no user {user_id}"
        with client.session_transaction() as session:
            session["_user_id"] = f"{user_id}:{user.session_version}"
            session["_fresh"] = True
    return client


def receiver_context_of(app: Flask) -> ReceiverContext:
    """The collaborators ``app`` was built with."""
    return app.extensions[EXTENSION_KEY]


def csrf_token(client: FlaskClient, path: str = "/sign-in") -> str:
    """The CSRF token of ``client``'s session, as a page renders it into its forms."""
    html = client.get(path).get_data(as_text=True)
    match = _CSRF_INPUT.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)
