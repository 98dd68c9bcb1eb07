"""The JSON API under ``/api``: the signed-in user's applications (list, add, edit, delete,
merge, tracking), corrections of emails, a CSV export, personal API tokens, the Gmail
integration, the Premium features (Advanced Filters rules, follow-up drafts, follow-ups due), and
the OpenAPI document that describes all of it (docs/api.md).

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
from receiver.api_input import (
    BadInput,
    day,
    enum_value,
    identifier,
    json_object,
    moment,
    whole_number,
)
from receiver.context import receiver_context
from receiver.errors import json_error
from receiver.integrations import (
    DEEP_SCAN_DAYS,
    DEEP_SCAN_FEATURE,
    deep_scan_days,
    deep_scan_json,
    idle_deep_scan,
    request_deep_scan,
)
from receiver.message_facts import read_recruiter_message
from receiver.rule_search import gmail_search_json, search_ordinary_mail
from receiver.serialize import (
    api_token_json,
    application_detail_json,
    application_json,
    correction_outcome_json,
    filter_rule_json,
    follow_up_draft_json,
    follow_up_due_json,
    integration_json,
    rule_preview_json,
)
from storage import (
    ApplicationQuery,
    ChangeConflict,
    CorrectionKind,
    CorrectionRequest,
    FollowUpDays,
    InvalidChange,
    Label,
    NotFound,
    Plan,
    Status,
    Store,
    Tracking,
    parse_rule,
    rule_json,
)
from storage.follow_ups import languages

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
_IMPORT_DEPTH = 6  # {rules: [{conditions: [{...}]}]}
_MAX_FOLLOW_UP_DAYS = 365
ADVANCED_FILTERS = "Advanced Filters"
EMAIL_TEMPLATES = "Email Templates"

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


def premium_only(feature: str) -> Callable[[View], View]:
    """Answer 403 with a sentence to a Free account calling a Premium feature's endpoint."""

    def decorate(view: View) -> View:
        @wraps(view)
        def gated(*args: Any, **kwargs: Any) -> Response | tuple[Response, int]:
            if _store().plan_of(api_user_id()) is not Plan.PREMIUM:
                return json_error(
                    403,
                    f"{feature} is a Premium feature and your account is on the Free plan; "
                    "ask the operator to move it to Premium.",
                )
            return view(*args, **kwargs)

        return gated

    return decorate


@bp.post("/rules")
@premium_only(ADVANCED_FILTERS)
@answers_errors
def add_rule() -> Response | tuple[Response, int]:
    """Save a rule after the others (201); it is applied to past mail of the last 90 days."""
    view = _store().add_filter_rule(api_user_id(), parse_rule(json_object()))
    response = jsonify(filter_rule_json(view))
    response.status_code = 201
    response.headers["Location"] = url_for(".show_rule", rule_id=view.id)
    return response


@bp.get("/rules")
@premium_only(ADVANCED_FILTERS)
@answers_errors
def list_rules() -> Response | tuple[Response, int]:
    """The user's rules in the order they run (first match wins)."""
    return jsonify([filter_rule_json(view) for view in _store().filter_rules(api_user_id())])


@bp.get("/rules/<int:rule_id>")
@premium_only(ADVANCED_FILTERS)
@answers_errors
def show_rule(rule_id: int) -> Response | tuple[Response, int]:
    """One rule; another user's rule is a 404."""
    return jsonify(filter_rule_json(_store().filter_rule(api_user_id(), rule_id)))


@bp.patch("/rules/<int:rule_id>")
@premium_only(ADVANCED_FILTERS)
@answers_errors
def edit_rule(rule_id: int) -> Response | tuple[Response, int]:
    """Change any of name, match, conditions, action, and ``position`` (1 runs first)."""
    body = json_object()
    position = body.pop("position", None)
    user_id, store = api_user_id(), _store()
    current = rule_json(store.filter_rule(user_id, rule_id).rule)
    place = None if position is None else whole_number("position", position, low=1, high=10_000)
    view = store.edit_filter_rule(user_id, rule_id, parse_rule(current | body), position=place)
    return jsonify(filter_rule_json(view))


@bp.delete("/rules/<int:rule_id>")
@premium_only(ADVANCED_FILTERS)
@answers_errors
def delete_rule(rule_id: int) -> Response | tuple[Response, int]:
    """Delete a rule (204); what it already did to past mail stays."""
    _store().delete_filter_rule(api_user_id(), rule_id)
    return Response(status=204)


@bp.post("/rules/preview")
@premium_only(ADVANCED_FILTERS)
@answers_errors
def preview_rule() -> Response | tuple[Response, int]:
    """What saving this rule would do to the recorded job mail of the last 90 days, and the
    ordinary mail of that window it matches, found by a read-only Gmail search."""
    user_id, store, rule = api_user_id(), _store(), parse_rule(json_object())
    preview = store.preview_filter_rule(user_id, rule)
    search = search_ordinary_mail(store, user_id, rule, receiver_context().gmail_factory)
    return jsonify(rule_preview_json(preview) | gmail_search_json(search))


@bp.post("/rules/order")
@premium_only(ADVANCED_FILTERS)
@answers_errors
def reorder_rules() -> Response | tuple[Response, int]:
    """``{ids: [...]}``: every rule id once, in the order they should run."""
    ids = json_object().get("ids")
    if not isinstance(ids, list) or not all(
        isinstance(rule_id, int) and not isinstance(rule_id, bool) for rule_id in ids
    ):
        raise BadInput("ids", "ids must list each of your rules' ids exactly once.")
    views = _store().reorder_filter_rules(api_user_id(), ids)
    return jsonify([filter_rule_json(view) for view in views])


@bp.get("/rules/export")
@premium_only(ADVANCED_FILTERS)
@answers_errors
def export_rules() -> Response | tuple[Response, int]:
    """The user's rules as ``{rules: [...]}``, what ``POST /api/rules/import`` reads."""
    response = jsonify(rules=_store().export_filter_rules(api_user_id()))
    response.headers["Content-Disposition"] = 'attachment; filename="applytrack-rules.json"'
    return response


@bp.post("/rules/import")
@premium_only(ADVANCED_FILTERS)
@answers_errors
def import_rules() -> Response | tuple[Response, int]:
    """Add exported rules after the user's own (all or none): 200 with every rule."""
    rules = json_object(max_depth=_IMPORT_DEPTH).get("rules")
    if not isinstance(rules, list):
        raise BadInput("rules", "rules must be a list of rules, as the export writes them.")
    views = _store().import_filter_rules(api_user_id(), rules)
    return jsonify([filter_rule_json(view) for view in views])


@bp.get("/applications/<int:application_id>/follow-ups")
@premium_only(EMAIL_TEMPLATES)
@answers_errors
def follow_up_drafts(application_id: int) -> Response | tuple[Response, int]:
    """Follow-up drafts for the application's state, in its email's language (or
    ``language``); the newest email is re-read through Gmail for the recruiter's name and the
    times proposed (never stored), else the drafts use its metadata. Nothing is sent."""
    language = request.args.get("language") or None
    if language is not None and language not in languages():
        raise BadInput("language", f"language must be one of {', '.join(languages())}.")
    user_id, store, days = api_user_id(), _store(), _follow_up_days()
    recruiter_message = read_recruiter_message(
        store, receiver_context().gmail_factory, user_id, application_id
    )
    drafts = store.follow_up_drafts(
        user_id, application_id, language=language, days=days, message=recruiter_message.facts
    )
    response = jsonify([follow_up_draft_json(draft) for draft in drafts])
    response.headers["X-Recruiter-Message"] = (
        "unavailable" if recruiter_message.facts is None else "re-read"
    )
    return response


@bp.get("/follow-ups/due")
@premium_only(EMAIL_TEMPLATES)
@answers_errors
def follow_ups_due() -> Response | tuple[Response, int]:
    """Applications with no answer for N days (7 after applying, 5 after an interview),
    newest first."""
    due = _store().follow_ups_due(api_user_id(), _follow_up_days())
    return jsonify([follow_up_due_json(item) for item in due])


@bp.post("/integrations/gmail/deep-scan")
@premium_only(DEEP_SCAN_FEATURE)
@answers_errors
def start_deep_scan() -> Response | tuple[Response, int]:
    """``{days}`` (31 to 90, default 90; the body may be empty): scan the mailbox's older mail;
    202 with its state."""
    body = json_object() if request.get_data() else {}
    days = deep_scan_days(body.get("days", DEEP_SCAN_DAYS))
    scan = request_deep_scan(receiver_context(), api_user_id(), days)
    response = jsonify(deep_scan_json(scan))
    response.status_code = 202
    response.headers["Location"] = url_for(".show_deep_scan")
    return response


@bp.get("/integrations/gmail/deep-scan")
@premium_only(DEEP_SCAN_FEATURE)
@answers_errors
def show_deep_scan() -> Response | tuple[Response, int]:
    """The deeper scan's state (idle, running, finished) and progress."""
    mailbox = _store().mailbox_for_user(api_user_id())
    scan = idle_deep_scan() if mailbox is None else _store().deep_scan(mailbox.id)
    return jsonify(deep_scan_json(scan))


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


def _follow_up_days() -> FollowUpDays:
    args, default = request.args, FollowUpDays()
    return FollowUpDays(
        after_applied=whole_number(
            "days_after_applied",
            args.get("days_after_applied", default.after_applied),
            low=1,
            high=_MAX_FOLLOW_UP_DAYS,
        ),
        after_interview=whole_number(
            "days_after_interview",
            args.get("days_after_interview", default.after_interview),
            low=1,
            high=_MAX_FOLLOW_UP_DAYS,
        ),
    )


def _csv_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: no formula runs from what an email put there."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_SPREADSHEET_FORMULA_STARTS) else text


def _field_error(status: int, field: str, message: str) -> tuple[Response, int]:
    return jsonify(error=message, field=field), status
