"""The JSON API under ``/api``: the signed-in user's applications (list, add, edit, delete,
merge, tracking), corrections of emails, a CSV export, personal API tokens, the Gmail
integration, and the OpenAPI document that describes all of it (docs/api.md).

Every bad input is a 400 naming the field, another user's id a 404, a clash a 409; see
`receiver.api_auth` for who may call and when a write needs the CSRF header.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from functools import cache, wraps
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for

from receiver.api_auth import api_user_id, authenticate
from receiver.api_input import BadInput, day, enum_value, identifier, json_object, moment
from receiver.context import receiver_context
from receiver.errors import json_error
from receiver.serialize import (
    api_token_json,
    application_detail_json,
    application_json,
    correction_outcome_json,
    integration_json,
)
from storage import (
    ApplicationQuery,
    ChangeConflict,
    CorrectionKind,
    CorrectionRequest,
    InvalidChange,
    Label,
    NotFound,
    Status,
    Store,
    Tracking,
)

bp = Blueprint("api", __name__, url_prefix="/api")
bp.before_request(authenticate)

OPENAPI_PATH = Path(__file__).resolve().parent / "openapi.json"
CSV_COLUMNS = (
    "id",
    "company",
    "role",
    "status",
    "tracking",
    "applied_on",
    "last_email_at",
    "next_interview_at",
    "job_url",
    "location",
    "salary",
    "notes",
)
_DATE_FIELDS = {"applied_on": day, "next_interview_at": moment}
_SPREADSHEET_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

View = Callable[..., Response | tuple[Response, int]]


def answers_errors(view: View) -> View:
    """Turn the storage's and the input's refusals into JSON 400/404/409 answers."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Response | tuple[Response, int]:
        try:
            return view(*args, **kwargs)
        except (BadInput, InvalidChange) as error:
            return _field_error(400, error.field, str(error))
        except NotFound as error:
            return json_error(404, str(error))
        except ChangeConflict as error:
            return _field_error(409, error.field, str(error))

    return guarded


@bp.get("/applications")
@answers_errors
def list_applications() -> Response | tuple[Response, int]:
    """The user's applications: ``q`` searches, ``status``, ``from`` and ``to`` filter,
    ``sort`` orders (a field, ``-`` first for descending)."""
    applications = _store().applications(api_user_id(), _list_query())
    return jsonify([application_json(application) for application in applications])


@bp.post("/applications")
@answers_errors
def add_application() -> Response | tuple[Response, int]:
    """Add an application by hand: 201 with the application and its Location."""
    body = json_object()
    status = enum_value(Status, "status", body.pop("status", Status.APPLIED.value))
    user_id = api_user_id()
    application_id = _store().add_application(user_id, _fields(body), status=status)
    response = _detail(user_id, application_id)
    response.status_code = 201
    response.headers["Location"] = url_for(".show_application", application_id=application_id)
    return response


@bp.get("/applications/<int:application_id>")
@answers_errors
def show_application(application_id: int) -> Response | tuple[Response, int]:
    """One application with its Activity Log; another user's application is a 404."""
    return _detail(api_user_id(), application_id)


@bp.patch("/applications/<int:application_id>")
@answers_errors
def edit_application(application_id: int) -> Response | tuple[Response, int]:
    """Change any field; ``status`` sets it by hand; ``tracking: automatic`` hands it back."""
    body = json_object()
    status = body.pop("status", None)
    tracking = body.pop("tracking", None)
    target = None if status is None else enum_value(Status, "status", status)
    wanted = None if tracking is None else enum_value(Tracking, "tracking", tracking)
    if wanted is Tracking.MANUAL and target is None:
        raise BadInput("tracking", "tracking becomes manual when you set a status: send status.")
    user_id, store = api_user_id(), _store()
    _check_exists(store, user_id, application_id)
    store.edit_application(user_id, application_id, _fields(body))
    if target is not None:
        store.set_status_manually(user_id, application_id, target)
    if wanted is Tracking.AUTOMATIC:
        store.return_to_automatic(user_id, application_id)
    return _detail(user_id, application_id)


@bp.delete("/applications/<int:application_id>")
@answers_errors
def delete_application(application_id: int) -> Response | tuple[Response, int]:
    """Delete an application (204): its emails stay recorded and do not bring it back."""
    _store().delete_application(api_user_id(), application_id)
    return Response(status=204)


@bp.post("/applications/<int:application_id>/merge")
@answers_errors
def merge_application(application_id: int) -> Response | tuple[Response, int]:
    """Merge ``other_id`` (or ``from_id``) into this application: 200 with the result."""
    body = json_object()
    name = "from_id" if "from_id" in body and "other_id" not in body else "other_id"
    other_id = identifier(name, body.get(name))
    user_id = api_user_id()
    _store().merge_applications(user_id, application_id, other_id)
    return _detail(user_id, application_id)


@bp.post("/applications/<int:application_id>/tracking")
@answers_errors
def change_tracking(application_id: int) -> Response | tuple[Response, int]:
    """``{"mode": "automatic"}``: the status comes from the emails again."""
    mode = json_object().get("mode")
    if mode != Tracking.AUTOMATIC.value:
        raise BadInput("mode", "mode must be automatic (set a status to track by hand).")
    user_id = api_user_id()
    _store().return_to_automatic(user_id, application_id)
    return _detail(user_id, application_id)


@bp.post("/emails/<int:email_id>/correction")
@answers_errors
def correct_email(email_id: int) -> Response | tuple[Response, int]:
    """Correct an email of an Activity Log: ``{kind: not_job | status | application, status?,
    application_id?}`` (or ``{label, application_id?}``); the statuses are recomputed."""
    outcome = _store().correct_email(api_user_id(), email_id, _correction(json_object()))
    return jsonify(correction_outcome_json(outcome))


@bp.get("/applications.csv")
@bp.get("/export.csv")
@answers_errors
def export_csv() -> Response | tuple[Response, int]:
    """The user's applications as CSV with a header row (the list's filters apply)."""
    rows = [application_json(a) for a in _store().applications(api_user_id(), _list_query())]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([_csv_cell(row[column]) for column in CSV_COLUMNS])
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="applications.csv"'
    return response


@bp.post("/tokens")
@answers_errors
def create_token() -> Response | tuple[Response, int]:
    """A new personal API token: 201; ``token`` is shown this once."""
    name = json_object().get("name")
    if not isinstance(name, str):
        raise BadInput("name", "name is required: say what the token is for.")
    created = _store().create_api_token(api_user_id(), name)
    return jsonify(api_token_json(created.view) | {"token": created.token}), 201


@bp.get("/tokens")
@answers_errors
def list_tokens() -> Response | tuple[Response, int]:
    """The user's live tokens (never their secrets)."""
    return jsonify([api_token_json(token) for token in _store().api_tokens(api_user_id())])


@bp.delete("/tokens/<int:token_id>")
@answers_errors
def revoke_token(token_id: int) -> Response | tuple[Response, int]:
    """Revoke a token: 204; it stops working at once."""
    _store().revoke_api_token(api_user_id(), token_id)
    return Response(status=204)


@bp.get("/integrations/gmail")
def show_gmail_integration() -> Response | tuple[Response, int]:
    """The user's Gmail connection; 404 when none is connected."""
    integration = _store().integration(api_user_id())
    if integration is None:
        return json_error(404, "No Gmail mailbox is connected; connect one under Settings.")
    return jsonify(integration_json(integration))


@bp.get("/changes")
def show_change_marker() -> Response | tuple[Response, int]:
    """A marker that changes whenever the user's data does (pages poll it)."""
    response = jsonify(marker=_store().change_marker(api_user_id()))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/openapi.json")
def openapi_document() -> Response | tuple[Response, int]:
    """The OpenAPI 3.1 document of this API (public: it holds no data)."""
    return jsonify(openapi())


@cache
def openapi() -> dict[str, Any]:
    """The OpenAPI document, read once from receiver/openapi.json."""
    document: dict[str, Any] = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    return document


def _store() -> Store:
    return receiver_context().store


def _detail(user_id: int, application_id: int) -> Response:
    application = _store().application(user_id, application_id)
    if application is None:
        raise NotFound(f"You have no application with id {application_id}.")
    return jsonify(application_detail_json(application))


def _check_exists(store: Store, user_id: int, application_id: int) -> None:
    if store.application(user_id, application_id) is None:
        raise NotFound(f"You have no application with id {application_id}.")


def _fields(body: dict[str, Any]) -> dict[str, object]:
    """The application fields of a body, dates parsed (the storage checks the rest)."""
    return {
        name: _DATE_FIELDS[name](name, value) if name in _DATE_FIELDS else value
        for name, value in body.items()
    }


def _list_query() -> ApplicationQuery:
    args = request.args
    status = args.get("status") or None
    return ApplicationQuery(
        text=args.get("q") or None,
        status=None if status is None else enum_value(Status, "status", status),
        applied_from=day("from", args.get("from")),
        applied_to=day("to", args.get("to")),
        sort=args.get("sort") or "-updated_at",
    )


def _correction(body: dict[str, Any]) -> CorrectionRequest:
    """The correction a body asks for, in the ``kind`` form or the ``label`` form."""
    target = body.get("application_id")
    application_id = None if target is None else identifier("application_id", target)
    if "kind" not in body:
        label = enum_value(Label, "label", body.get("label"))
        if "application_id" in body:
            return CorrectionRequest(CorrectionKind.APPLICATION, label, application_id)
        kind = CorrectionKind.NOT_JOB if label is Label.NONE else CorrectionKind.STATUS
        return CorrectionRequest(kind, label)
    kind = enum_value(CorrectionKind, "kind", body["kind"])
    status = body.get("status")
    said = None if status is None else Label(enum_value(Status, "status", status).value)
    if kind is CorrectionKind.APPLICATION:
        return CorrectionRequest(kind, said, application_id)
    return CorrectionRequest(kind, said)


def _csv_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: no formula runs from what an email put there."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_SPREADSHEET_FORMULA_STARTS) else text


def _field_error(status: int, field: str, message: str) -> tuple[Response, int]:
    return jsonify(error=message, field=field), status
