"""Error answers: JSON bodies for machine clients (the webhook and ``/api``), and for people the
styled error page for every status (a 413 and a 500 included)."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

_JSON_PREFIXES = ("/api/", "/pubsub/")
# Sentences for the errors whose Werkzeug wording says nothing a person can act on.
_PAGE_DESCRIPTIONS = {
    413: "What you sent is too large for ApplyTrack (at most 64 KB): shorten it and try again.",
    500: "Something went wrong on our side; please try again in a moment.",
}


def init_app(app: Flask) -> None:
    """Answer errors under ``/api/`` and ``/pubsub/`` with ``{"error": "..."}``."""
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def wants_json() -> bool:
    """True for the machine clients' paths (the webhook and ``/api/``)."""
    return request.path.startswith(_JSON_PREFIXES)


def _http_error(error: HTTPException) -> Response | tuple[str, int]:
    if not wants_json():
        return error_page(error)
    response = jsonify(error=error.description)
    response.status_code = error.code or 500
    return response


def _unexpected_error(error: Exception) -> Response | tuple[str, int]:
    log.exception("unexpected error on %s %s", request.method, request.path)
    if not wants_json():
        return error_page(InternalServerError())
    response = jsonify(error="Something went wrong on our side; please try again later.")
    response.status_code = 500
    return response


def error_page(error: HTTPException) -> tuple[str, int]:
    """The styled error page for ``error``, with its status."""
    code = error.code or 500
    description = _PAGE_DESCRIPTIONS.get(code, error.description)
    return render_template("error.html", error=error, description=description), code


def json_error(status: int, message: str) -> tuple[Response, int]:
    """A ``{"error": message}`` response with ``status``."""
    return jsonify(error=message), status
