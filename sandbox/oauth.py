"""Google OAuth 2.0 stand-in: the consent page, the token endpoint and revocation."""

from __future__ import annotations

import base64
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, current_app, jsonify, redirect, render_template, request
from flask.typing import ResponseReturnValue

from sandbox.errors import SandboxInputError
from sandbox.state import SandboxState
from sandbox.tokens import OAuthError

bp = Blueprint("oauth", __name__, template_folder="templates")

_AUTH_FIELDS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "access_type",
    "prompt",
    "login_hint",
)


def _state() -> SandboxState:
    return current_app.extensions["sandbox_state"]


@bp.errorhandler(OAuthError)
def oauth_error(error: OAuthError) -> ResponseReturnValue:
    """Answer Google's token-endpoint error JSON."""
    return jsonify(error.body()), error.status


@bp.get("/o/oauth2/auth")
@bp.get("/o/oauth2/v2/auth")
def consent_page() -> ResponseReturnValue:
    """Show the consent page: pick the mailbox, tick the scopes, Allow or Deny."""
    params = {name: request.args.get(name, "") for name in _AUTH_FIELDS}
    problem = _authorization_problem(params)
    if problem:
        return render_template("sandbox_error.html", message=problem), 400
    if params["response_type"] != "code":
        return _back_to_client(params, error="unsupported_response_type")
    return _render_consent(params)


@bp.post("/o/oauth2/auth")
@bp.post("/o/oauth2/v2/auth")
def consent_decision() -> ResponseReturnValue:
    """Handle Allow or Deny: redirect to the client with a code, or with error=access_denied."""
    params = {name: request.form.get(name, "") for name in _AUTH_FIELDS}
    problem = _authorization_problem(params)
    if problem:
        return render_template("sandbox_error.html", message=problem), 400
    if request.form.get("decision") != "allow":
        return _back_to_client(params, error="access_denied")
    email = request.form.get("email", "").strip().lower()
    requested = params["scope"].split()
    chosen = [scope for scope in request.form.getlist("granted_scope") if scope in requested]
    state = _state()
    try:
        state.ensure_mailbox(email)
    except SandboxInputError as exc:
        return _render_consent(params, error=str(exc), email=email), 400
    code = state.tokens.issue_code(
        email,
        client_id=params["client_id"],
        redirect_uri=params["redirect_uri"],
        scopes=chosen,
        code_challenge=params["code_challenge"] or None,
        challenge_method=params["code_challenge_method"] or "plain",
        offline=params["access_type"] == "offline",
    )
    return _back_to_client(params, code=code, scope=" ".join(chosen))


def _authorization_problem(params: dict[str, str]) -> str | None:
    if not params["client_id"]:
        return "Missing required parameter: client_id. The application sent an invalid request."
    redirect_uri = urlsplit(params["redirect_uri"])
    if redirect_uri.scheme not in ("http", "https") or not redirect_uri.netloc:
        return "Missing or invalid parameter: redirect_uri (it must be an http(s) URL)."
    if not params["scope"].strip():
        return "Missing required parameter: scope. The application must ask for at least one."
    if params["code_challenge_method"] not in ("", "S256", "plain"):
        return "Invalid code_challenge_method: use S256 (or plain)."
    return None


def _render_consent(params: dict[str, str], *, error: str | None = None, email: str = "") -> str:
    return render_template(
        "sandbox_consent.html",
        params=params,
        scopes=params["scope"].split(),
        mailboxes=_state().addresses(),
        email=email or params["login_hint"],
        error=error,
    )


def _back_to_client(params: dict[str, str], **answer: str) -> ResponseReturnValue:
    query = {**answer, "state": params["state"]} if params["state"] else dict(answer)
    separator = "&" if "?" in params["redirect_uri"] else "?"
    return redirect(params["redirect_uri"] + separator + urlencode(query), code=302)


@bp.post("/token")
@bp.post("/o/oauth2/token")
def token() -> ResponseReturnValue:
    """Exchange an authorization code, or a refresh token, for an access token."""
    form = _form()
    grant_type = form.get("grant_type", "")
    client_id = form.get("client_id") or _basic_client_id()
    if not client_id:
        raise OAuthError("invalid_request", "Missing required parameter: client_id", status=400)
    tokens = _state().tokens
    if grant_type == "authorization_code":
        body = tokens.exchange_code(
            _required(form, "code"),
            client_id=client_id,
            redirect_uri=_required(form, "redirect_uri"),
            code_verifier=form.get("code_verifier") or None,
        )
    elif grant_type == "refresh_token":
        body = tokens.refresh(
            _required(form, "refresh_token"), client_id=client_id, scope=form.get("scope")
        )
    else:
        raise OAuthError("unsupported_grant_type", f"Invalid grant_type: {grant_type}")
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/revoke")
@bp.post("/o/oauth2/revoke")
def revoke() -> ResponseReturnValue:
    """Revoke a refresh token (and its access tokens) or an access token."""
    token_value = request.args.get("token") or _form().get("token", "")
    if not token_value or not _state().tokens.revoke(token_value):
        raise OAuthError("invalid_token", "Token expired or revoked")
    return jsonify({})


def _form() -> dict[str, str]:
    if request.is_json:
        body = request.get_json(silent=True)
        return {k: str(v) for k, v in body.items()} if isinstance(body, dict) else {}
    return request.form.to_dict()


def _required(form: dict[str, str], name: str) -> str:
    value = form.get(name)
    if not value:
        raise OAuthError("invalid_request", f"Missing required parameter: {name}")
    return value


def _basic_client_id() -> str | None:
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        return base64.b64decode(encoded).decode().partition(":")[0] or None
    except ValueError:
        return None
