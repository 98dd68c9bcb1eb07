"""Gmail API v1 endpoints, at the paths google-api-python-client calls (`gmail/v1/users/...`)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from sandbox import mime
from sandbox.errors import (
    GmailApiError,
    delegation_denied,
    injected,
    insufficient_scope,
    invalid_argument,
    rate_limited,
    unauthenticated,
)
from sandbox.faults import Fault
from sandbox.query import QueryError, parse_query
from sandbox.state import MAX_HISTORY_ID, SandboxState, StoredMessage
from sandbox.tokens import AccessGrant

bp = Blueprint("gmail", __name__, url_prefix="/gmail/v1/users/<user_id>")

MESSAGE_FORMATS = ("minimal", "metadata", "full", "raw")


def sandbox_state() -> SandboxState:
    """Return the state of the app serving the current request."""
    return current_app.extensions["sandbox_state"]


@dataclass(frozen=True)
class Caller:
    """An authorized Gmail call: whose mailbox, with which grant, and any fault it drew."""

    email: str
    grant: AccessGrant
    fault: Fault | None


def authorize(user_id: str, method: str, *, needs_bodies: bool = False) -> Caller:
    """Check token, user and scope, apply any injected fault, charge quota; return the caller."""
    state = sandbox_state()
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    grant = state.tokens.authenticate(token.strip()) if scheme.lower() == "bearer" else None
    if grant is None:
        raise unauthenticated()
    if user_id != "me" and user_id.lower() != grant.email:
        raise delegation_denied(user_id)
    allowed = grant.can_read() if needs_bodies else grant.can_read_metadata()
    if not allowed:
        raise insufficient_scope()
    fault = state.faults.take(method, grant.email)
    if fault is not None:
        _apply_fault(state, fault, grant.email, method)
    retry_after = state.quota.charge(grant.email, method)
    if retry_after is not None:
        raise rate_limited(retry_after)
    return Caller(grant.email, grant, fault)


def _apply_fault(state: SandboxState, fault: Fault, email: str, method: str) -> None:
    if fault.kind == "delay":
        time.sleep(fault.seconds)
    elif fault.kind == "status":
        raise injected(fault.status)
    elif fault.kind == "rate_limit":
        state.quota.count_refusal(email, method)
        raise rate_limited(1)
    elif fault.kind == "expire_watch":
        state.expire_watch(email)


@bp.get("/profile")
def get_profile(user_id: str) -> ResponseReturnValue:
    """users.getProfile."""
    caller = authorize(user_id, "users.getProfile")
    return jsonify(sandbox_state().profile(caller.email))


@bp.get("/messages")
def list_messages(user_id: str) -> ResponseReturnValue:
    """users.messages.list."""
    caller = authorize(user_id, "users.messages.list")
    state = sandbox_state()
    q = request.args.get("q")
    if q and not caller.grant.can_read():
        raise GmailApiError(
            403,
            "Metadata scope does not support 'q' parameter",
            reason="forbidden",
            status="PERMISSION_DENIED",
        )
    try:
        query = parse_query(q, now_ms=int(state.clock() * 1000))
    except QueryError as exc:
        raise invalid_argument(f"Invalid query: {exc}") from None
    body = state.list_messages(
        caller.email,
        query=query,
        label_ids=request.args.getlist("labelIds"),
        include_spam_trash=_flag("includeSpamTrash"),
        max_results=_max_results(),
        page_token=request.args.get("pageToken") or None,
    )
    return jsonify(body)


@bp.get("/messages/<message_id>")
def get_message(user_id: str, message_id: str) -> ResponseReturnValue:
    """users.messages.get in the minimal, metadata, full or raw format."""
    message_format = request.args.get("format", "full").lower()
    if message_format not in MESSAGE_FORMATS:
        raise invalid_argument(f"Invalid format: {message_format!r}.")
    caller = authorize(
        user_id, "users.messages.get", needs_bodies=message_format in ("full", "raw")
    )
    state = sandbox_state()
    if caller.fault is not None and caller.fault.kind == "delete_before_get":
        state.delete_message(caller.email, message_id)  # 404s too when it was already gone
    message = state.message(caller.email, message_id)
    return jsonify(render_message(message, message_format, request.args.getlist("metadataHeaders")))


def render_message(message: StoredMessage, message_format: str, headers: list[str]) -> dict:
    """Return a message as Gmail's Message JSON in the given format."""
    body: dict = {
        "id": message.id,
        "threadId": message.thread_id,
        "labelIds": list(message.label_ids),
        "snippet": message.snippet,
        "sizeEstimate": len(message.raw),
        "historyId": str(message.history_id),
        "internalDate": str(message.internal_date_ms),
    }
    if message_format == "metadata":
        body["payload"] = mime.metadata_payload(message.parsed, headers)
    elif message_format == "full":
        body["payload"] = mime.payload(message.parsed)
    elif message_format == "raw":
        body["raw"] = mime.b64url(message.raw)
    return body


@bp.get("/history")
def list_history(user_id: str) -> ResponseReturnValue:
    """users.history.list; 404 when startHistoryId is older than the retained history."""
    caller = authorize(user_id, "users.history.list")
    raw_start = request.args.get("startHistoryId")
    if raw_start is None:
        raise invalid_argument("Missing required parameter: startHistoryId.")
    if not raw_start.isdigit() or int(raw_start) > MAX_HISTORY_ID:
        raise invalid_argument(f"Invalid startHistoryId: {raw_start!r}.")
    body = sandbox_state().history(
        caller.email,
        start_history_id=int(raw_start),
        history_types=request.args.getlist("historyTypes"),
        label_id=request.args.get("labelId") or None,
        max_results=_max_results(),
        page_token=request.args.get("pageToken") or None,
    )
    return jsonify(body)


@bp.post("/watch")
def watch(user_id: str) -> ResponseReturnValue:
    """users.watch: notify the topic about new mail for 7 days."""
    caller = authorize(user_id, "users.watch")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise invalid_argument("The watch request body must be a JSON object with topicName.")
    return jsonify(sandbox_state().watch(caller.email, body))


@bp.post("/stop")
def stop(user_id: str) -> ResponseReturnValue:
    """users.stop: no more notifications."""
    caller = authorize(user_id, "users.stop")
    sandbox_state().stop(caller.email)
    return "", 204


def _flag(name: str) -> bool:
    return request.args.get(name, "false").lower() == "true"


def _max_results() -> int:
    raw = request.args.get("maxResults", "100")
    if not raw.isdigit():
        raise invalid_argument(f"Invalid maxResults: {raw!r}.")
    return max(1, min(int(raw), 500))
