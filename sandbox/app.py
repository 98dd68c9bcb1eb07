"""The application factory: one Flask app with the gmail, batch, oauth and admin blueprints."""

from __future__ import annotations

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue

from sandbox import admin, batch, gmail_api, oauth
from sandbox.errors import GmailApiError, SandboxInputError, UnknownMailbox
from sandbox.method_override import MethodOverride
from sandbox.state import MailboxExists, SandboxState


def create_app(state: SandboxState) -> Flask:
    """Build the sandbox's Flask app around ``state``."""
    app = Flask(__name__)
    app.extensions["sandbox_state"] = state
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.wsgi_app = MethodOverride(app.wsgi_app)  # type: ignore[method-assign]
    for blueprint in (gmail_api.bp, batch.bp, oauth.bp, admin.bp):
        app.register_blueprint(blueprint)
    app.register_error_handler(GmailApiError, _gmail_error)
    app.register_error_handler(MailboxExists, _conflict)
    app.register_error_handler(UnknownMailbox, _unknown_mailbox)
    app.register_error_handler(SandboxInputError, _bad_input)
    return app


def _gmail_error(error: GmailApiError) -> ResponseReturnValue:
    response = jsonify(error.body())
    response.status_code = error.code
    response.headers.update(error.headers)
    return response


def _conflict(error: MailboxExists) -> ResponseReturnValue:
    return jsonify({"error": str(error)}), 409


def _unknown_mailbox(error: UnknownMailbox) -> ResponseReturnValue:
    return jsonify({"error": str(error)}), 404


def _bad_input(error: SandboxInputError) -> ResponseReturnValue:
    return jsonify({"error": str(error)}), 400
