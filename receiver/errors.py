"""JSON error bodies for machine clients (the webhook and ``/api``); HTML pages keep Flask's."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

_JSON_PREFIXES = ("/api/", "/pubsub/")
_PAGES_WITH_TEMPLATE = frozenset({400, 403, 404, 405})


def init_app(app: Flask) -> None:
    """Answer errors under ``/api/`` and ``/pubsub/`` with ``{"error": "..."}``."""
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def wants_json() -> bool:
    """True for the machine clients' paths (the webhook and ``/api/``)."""
    return request.path.startswith(_JSON_PREFIXES)


def _http_error(error: HTTPException) -> Response | HTTPException | tuple[str, int]:
    if not wants_json():
        if error.code in _PAGES_WITH_TEMPLATE:
            return render_template("error.html", error=error), error.code
        return error
    response = jsonify(error=error.description)
    response.status_code = error.code or 500
    return response


def _unexpected_error(error: Exception) -> Response | HTTPException:
    log.exception("unexpected error on %s %s", request.method, request.path)
    if not wants_json():
        return InternalServerError()
    response = jsonify(error="Something went wrong on our side; please try again later.")
    response.status_code = 500
    return response


def json_error(status: int, message: str) -> tuple[Response, int]:
    """A ``{"error": message}`` response with ``status``."""
    return jsonify(error=message), status
