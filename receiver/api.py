"""The JSON API under ``/api``: applications and the Gmail integration of the signed-in user."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from flask_login import login_required

from receiver.context import receiver_context
from receiver.current_user import signed_in_user_id
from receiver.errors import json_error
from receiver.serialize import application_detail_json, application_json, integration_json

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/applications")
@login_required
def list_applications() -> Response | tuple[Response, int]:
    """Every application of the signed-in user."""
    user_id = signed_in_user_id()
    applications = receiver_context().store.applications(user_id)
    return jsonify([application_json(application) for application in applications])


@bp.get("/applications/<int:application_id>")
@login_required
def show_application(application_id: int) -> Response | tuple[Response, int]:
    """One application with its activity log; another user's application is a 404."""
    user_id = signed_in_user_id()
    application = receiver_context().store.application(user_id, application_id)
    if application is None:
        return json_error(404, f"You have no application with id {application_id}.")
    return jsonify(application_detail_json(application))


@bp.get("/integrations/gmail")
@login_required
def show_gmail_integration() -> Response | tuple[Response, int]:
    """The signed-in user's Gmail connection; 404 when none is connected."""
    user_id = signed_in_user_id()
    integration = receiver_context().store.integration(user_id)
    if integration is None:
        return json_error(404, "No Gmail mailbox is connected; connect one under Settings.")
    return jsonify(integration_json(integration))


@bp.get("/changes")
@login_required
def show_change_marker() -> Response | tuple[Response, int]:
    """A marker that changes whenever the signed-in user's data does (pages poll it)."""
    user_id = signed_in_user_id()
    response = jsonify(marker=receiver_context().store.change_marker(user_id))
    response.headers["Cache-Control"] = "no-store"
    return response
