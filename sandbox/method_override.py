"""A long GET sent as a POST, as Google's APIs accept it.

google-api-python-client turns a GET whose URL is longer than 2,048 characters into a POST with
``X-HTTP-Method-Override: GET`` and the query string as a form-encoded body (a long Gmail search
does this). Google answers it as the GET it stands for; so does the sandbox.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

MAX_QUERY_BYTES = 64 * 1024  # a longer body is left alone: the POST then gets its 405


class MethodOverride:
    """WSGI middleware: a POST overridden to GET becomes that GET, body as query string."""

    def __init__(self, app: WSGIApplication) -> None:
        self._app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[Any]:
        """Rewrite an overridden POST, then pass the request on."""
        if _is_overridden_get(environ):
            environ = _as_get(environ)
        return self._app(environ, start_response)


def _is_overridden_get(environ: WSGIEnvironment) -> bool:
    return (
        environ.get("REQUEST_METHOD") == "POST"
        and environ.get("HTTP_X_HTTP_METHOD_OVERRIDE", "").upper() == "GET"
        and 0 <= _content_length(environ) <= MAX_QUERY_BYTES
    )


def _as_get(environ: WSGIEnvironment) -> WSGIEnvironment:
    body = environ["wsgi.input"].read(_content_length(environ)).decode("latin-1")
    query = "&".join(part for part in (environ.get("QUERY_STRING", ""), body) if part)
    return {
        **environ,
        "REQUEST_METHOD": "GET",
        "QUERY_STRING": query,
        "CONTENT_LENGTH": "0",
        "wsgi.input": io.BytesIO(b""),
    }


def _content_length(environ: WSGIEnvironment) -> int:
    try:
        return int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return -1
