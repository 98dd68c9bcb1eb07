"""The sandbox's own admin/test API under /sandbox/ (not part of Gmail)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from sandbox.errors import SandboxInputError
from sandbox.faults import parse_fault
from sandbox.generate import generate_messages
from sandbox.state import DEFAULT_HISTORY_START, SandboxState
from sandbox.tokens import READONLY_SCOPE

bp = Blueprint("admin", __name__, url_prefix="/sandbox")


def _state() -> SandboxState:
    return current_app.extensions["sandbox_state"]


def _json_object() -> dict:
    body = request.get_json(silent=True)
    if body is None and not request.get_data():
        return {}
    if not isinstance(body, dict):
        raise SandboxInputError("The request body must be a JSON object.")
    return body


def _whole_number(body: dict, name: str, default: int | None) -> int | None:
    value = body.get(name, default)
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise SandboxInputError(f"{name} must be a whole number (or a decimal string).")
    return value


def _history_start(body: dict[str, object]) -> int:
    start = _whole_number(body, "history_start", DEFAULT_HISTORY_START)
    return DEFAULT_HISTORY_START if start is None else start


@bp.post("/users")
def create_user() -> ResponseReturnValue:
    """Create a mailbox: {email, history_start?, history_limit?}."""
    body = _json_object()
    profile = _state().create_mailbox(
        body.get("email", ""),
        history_start=_history_start(body),
        history_limit=_whole_number(body, "history_limit", None),
    )
    return jsonify(profile), 201


@bp.get("/users")
def list_users() -> ResponseReturnValue:
    """List mailbox addresses."""
    return jsonify({"users": _state().addresses()})


@bp.post("/users/<email>/messages")
def deliver(email: str) -> ResponseReturnValue:
    """Deliver a message: JSON fields, or a raw RFC 822 body sent as message/rfc822."""
    state = _state()
    if request.mimetype == "message/rfc822":
        raw = request.get_data()
        if not raw.strip():
            raise SandboxInputError("The message/rfc822 body is empty.")
        labels = request.args.getlist("labelIds") or None
        result = state.deliver_raw(
            email, raw, label_ids=labels, thread_id=request.args.get("threadId") or None
        )
    else:
        result = state.deliver(email, _json_object())
    return jsonify(result), 201


@bp.delete("/users/<email>/messages/<message_id>")
def delete_message(email: str, message_id: str) -> ResponseReturnValue:
    """Delete a message for good (history records messageDeleted)."""
    return jsonify(_state().delete_message(email, message_id))


@bp.post("/users/<email>/grant")
def grant(email: str) -> ResponseReturnValue:
    """Grant tokens without the consent page: {scopes?, client_id?}."""
    body = _json_object()
    scopes = body.get("scopes", [READONLY_SCOPE])
    if not isinstance(scopes, list):
        raise SandboxInputError("scopes must be a list of OAuth scope strings.")
    client_id = body.get("client_id", "applytrack-local-client")
    if not isinstance(client_id, str) or not client_id:
        raise SandboxInputError("client_id must be a non-empty string.")
    return jsonify(_state().grant(email, scopes, client_id=client_id))


@bp.post("/users/<email>/revoke-all")
def revoke_all(email: str) -> ResponseReturnValue:
    """Revoke every token of the mailbox."""
    return jsonify(_state().revoke_all(email))


@bp.post("/users/<email>/expire-history")
def expire_history(email: str) -> ResponseReturnValue:
    """Drop retained history: {before_history_id?} (default: everything so far)."""
    body = _json_object()
    before = _whole_number(body, "before_history_id", None)
    return jsonify(_state().expire_history(email, before))


@bp.get("/users/<email>/stats")
def stats(email: str) -> ResponseReturnValue:
    """Quota units used, 429s sent, calls per method, and the watch."""
    return jsonify(_state().stats(email))


@bp.post("/users/<email>/generate")
def generate(email: str) -> ResponseReturnValue:
    """Fill a mailbox deterministically: {count, days, seed, job_share? or applications?}."""
    body = _json_object()
    state = _state()
    messages = generate_messages(
        count=_whole_number(body, "count", None),
        days=_whole_number(body, "days", 30),
        seed=_whole_number(body, "seed", 0),
        job_share=body.get("job_share", 0.1),
        now=state.clock(),
        recipient=email,
        applications=_whole_number(body, "applications", None),
    )
    return jsonify(state.deliver_many(email, messages)), 201


@bp.post("/faults")
def add_fault() -> ResponseReturnValue:
    """Inject a fault for the next N matching calls (expire_watch applies at once)."""
    body = _json_object()
    fault = parse_fault(body)
    state = _state()
    if fault.kind == "expire_watch":
        if not fault.email:
            raise SandboxInputError("An expire_watch fault needs the mailbox 'email'.")
        state.expire_watch(fault.email)
        return jsonify({"applied": fault.describe()}), 201
    state.faults.add(fault)
    return jsonify({"pending": state.faults.pending()}), 201


@bp.get("/faults")
def list_faults() -> ResponseReturnValue:
    """List faults not yet used up."""
    return jsonify({"pending": _state().faults.pending()})


@bp.delete("/faults")
def clear_faults() -> ResponseReturnValue:
    """Drop every pending fault."""
    _state().faults.clear()
    return jsonify({"pending": []})


@bp.post("/notifications/drain")
def drain_notifications() -> ResponseReturnValue:
    """Wait until queued watch notifications were attempted; report sent and failed."""
    notifications = _state().notifications
    finished = notifications.drain(timeout=30)
    return jsonify(
        {"drained": finished, "sent": notifications.sent, "failed": notifications.failed}
    )
