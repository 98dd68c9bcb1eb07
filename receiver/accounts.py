"""Sign-up, sign-in and sign-out, with passwords hashed by werkzeug (scrypt); the Account page:
change the password, download my data, delete the account.

An address is taken in one canonical form everywhere (`Store.canonical_email`: NFKC, then case
folding): the account it creates, the account it finds and the sign-in throttle's count.
"""

from __future__ import annotations

import json
import logging
import unicodedata
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from enum import Enum

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import login_required, login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash

from gmail import oauth
from receiver.context import receiver_context
from receiver.current_user import SIGNED_OUT_KEY, SignedInUser, current_user_id, signed_in_user_id
from receiver.redirects import same_site_path
from receiver.serialize import iso_utc
from storage import InvalidChange, NotFound, StorageError, UserView

log = logging.getLogger(__name__)

bp = Blueprint("accounts", __name__)

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
MAX_DISPLAY_NAME_LENGTH = 200
# Checked against when the email is unknown, so both failures take about as long.
_UNKNOWN_USER_HASH = generate_password_hash("not a real password", method="scrypt")


@bp.route("/sign-up", methods=["GET", "POST"])
def sign_up() -> ResponseReturnValue:
    """Create an account and sign it in."""
    if request.method == "GET":
        return render_template("sign_up.html", email="", display_name="")
    email = request.form.get("email", "").strip()
    display_name = request.form.get("display_name", "").strip() or None
    password = request.form.get("password", "")
    problem = _sign_up_problem(email, password) or _display_name_problem(display_name)
    user = None
    if problem is None:
        try:
            user = _create_account(email, display_name, password)
        except (StorageError, ValueError) as error:
            problem = str(error)
    if user is None:
        flash(problem or "The account could not be created; try again.", "error")
        page = render_template("sign_up.html", email=email, display_name=display_name or "")
        return page, 400
    _sign_in(user)
    flash("Welcome to ApplyTrack. Connect Gmail to start tracking your applications.", "success")
    return redirect(url_for("integrations.integrations_page"))


def _create_account(email: str, display_name: str | None, password: str) -> UserView | None:
    """Create the account (storage checks and canonicalises the address) and read it back."""
    store = receiver_context().store
    hashed = generate_password_hash(password, method="scrypt")
    user_id = store.create_user(email, display_name=display_name, password_hash=hashed)
    return store.user(user_id)


def _sign_up_problem(email: str, password: str) -> str | None:
    if "@" not in email or len(email) > 320:
        return "Enter the email address you want to sign in with (like name@example.com)."
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Choose a password of at most {MAX_PASSWORD_LENGTH} characters."
    return None


def _display_name_problem(display_name: str | None) -> str | None:
    if display_name and len(display_name) > MAX_DISPLAY_NAME_LENGTH:
        return f"Write your name in at most {MAX_DISPLAY_NAME_LENGTH} characters."
    if display_name and any(unicodedata.category(char) in ("Cc", "Cs") for char in display_name):
        return "Write your name without control characters (tabs, line breaks and the like)."
    return None


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> ResponseReturnValue:
    """Check an email and password and start a session."""
    if request.method == "GET":
        if current_user_id() is not None:
            return redirect(url_for("dashboard.applications_page"))
        return render_template("sign_in.html", email="", next=_safe_next())
    email = request.form.get("email", "").strip()
    password = request.form.get("password", "")
    context = receiver_context()
    if not context.sign_in_throttle.allowed(email):
        log.warning("sign-in refused: too many failed attempts for one address")
        flash(
            "Too many failed sign-ins for this email. Wait a few minutes, then try again.", "error"
        )
        return render_template("sign_in.html", email=email, next=_safe_next()), 429
    user = context.store.user_by_email(email) if "@" in email else None
    stored_hash = user.password_hash if user is not None else None
    if not check_password_hash(stored_hash or _UNKNOWN_USER_HASH, password) or user is None:
        context.sign_in_throttle.record_failure(email)
        flash("That email and password do not match an account; check both and try again.", "error")
        return render_template("sign_in.html", email=email, next=_safe_next()), 401
    _sign_in(user)
    return redirect(_safe_next() or url_for("dashboard.applications_page"))


@bp.post("/sign-out")
def sign_out() -> ResponseReturnValue:
    """End every session of this user (the demo does not sign its user in again afterwards)."""
    user_id = current_user_id()
    if user_id is not None:
        receiver_context().store.end_sessions(user_id)
    logout_user()
    session.clear()
    session[SIGNED_OUT_KEY] = True
    flash("You are signed out.", "info")
    return redirect(url_for("accounts.sign_in"))


def _sign_in(user: UserView) -> None:
    session.clear()  # a fresh session on sign-in: nothing set before it carries over
    login_user(SignedInUser.of(user))
    log.info("signed in", extra={"user_id": user.id})


def _safe_next() -> str | None:
    """The ``next`` page if it is a path on this site (never another host)."""
    return same_site_path(request.values.get("next"))


@bp.get("/account")
@login_required
def account_page() -> ResponseReturnValue:
    """The Account page: password, API tokens, data download, deletion."""
    return _account_page()


@bp.post("/account/password")
@login_required
def change_password() -> ResponseReturnValue:
    """Change the password; every other session of the account ends."""
    user = _signed_in_account()
    current = request.form.get("current_password", "")
    new = request.form.get("new_password", "")
    problem = _password_problem("new_password", new)
    if not check_password_hash(user.password_hash or _UNKNOWN_USER_HASH, current):
        problem = "current_password: that is not your current password; type it again."
    if problem is not None:
        flash(problem, "error")
        return _account_page(), 400
    store = receiver_context().store
    store.change_password_hash(user.id, generate_password_hash(new, method="scrypt"))
    fresh = store.user(user.id)
    if fresh is not None:
        _sign_in(fresh)  # this browser stays signed in under the new session version
    flash("Password changed. Every other session of your account was signed out.", "success")
    return redirect(url_for(".account_page"))


@bp.post("/account/tokens")
@login_required
def create_api_token() -> ResponseReturnValue:
    """A new personal API token, shown on this answer only (never put in the session)."""
    try:
        created = receiver_context().store.create_api_token(
            signed_in_user_id(), request.form.get("name", "")
        )
    except InvalidChange as error:
        flash(str(error), "error")
        return _account_page(), 400
    response = Response(_account_page(new_token=created.token))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_api_token(token_id: int) -> ResponseReturnValue:
    """Revoke a token: it stops working at once."""
    try:
        receiver_context().store.revoke_api_token(signed_in_user_id(), token_id)
    except NotFound:
        abort(404, description=f"You have no API token with id {token_id}.")
    flash("Token revoked: it no longer works.", "success")
    return redirect(url_for(".account_page"))


@bp.get("/account/data.json")
@login_required
def download_data() -> ResponseReturnValue:
    """Download my data: applications, their events and corrections (metadata only)."""
    user_id = signed_in_user_id()
    store = receiver_context().store
    data = store.account_data(user_id, store.applications(user_id))
    body = json.dumps(data, default=_plain, indent=2, ensure_ascii=False)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="applytrack-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/account/delete")
@login_required
def delete_account() -> ResponseReturnValue:
    """Delete the account once the password confirms it: the Google grant is revoked and every
    row of the user is deleted."""
    user = _signed_in_account()
    if not check_password_hash(
        user.password_hash or _UNKNOWN_USER_HASH, request.form.get("password", "")
    ):
        flash("password: type your password to confirm that the account should go.", "error")
        return _account_page(), 400
    context = receiver_context()
    _revoke_gmail_grant(user.id)
    context.store.delete_account(user.id)
    log.info("account deleted", extra={"user_id": user.id})
    logout_user()
    session.clear()
    session[SIGNED_OUT_KEY] = True
    flash(
        "Your account is deleted: its applications, emails, corrections and Gmail access are "
        "gone from ApplyTrack.",
        "success",
    )
    return redirect(url_for("accounts.sign_in"))


def _account_page(*, new_token: str | None = None) -> str:
    tokens = receiver_context().store.api_tokens(signed_in_user_id())
    return render_template("account.html", tokens=tokens, new_token=new_token, iso_utc=iso_utc)


def _signed_in_account() -> UserView:
    user = receiver_context().store.user(signed_in_user_id())
    if user is None:
        abort(404, description="Your account no longer exists.")
    return user


def _password_problem(field: str, password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"{field}: choose a password of at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"{field}: choose a password of at most {MAX_PASSWORD_LENGTH} characters."
    return None


def _revoke_gmail_grant(user_id: int) -> None:
    """Revoke the user's Gmail token at Google before its row goes (best effort: the token is
    deleted either way)."""
    context = receiver_context()
    mailbox = context.store.mailbox_for_user(user_id)
    token = None if mailbox is None else context.store.refresh_token(mailbox.id)
    if token is not None and not oauth.revoke_token(context.config.gmail.oauth, token):
        log.warning("token not revoked at Google on account deletion", extra={"user_id": user_id})


def _plain(value: object) -> object:
    """JSON for the export's values: times in UTC ISO 8601, enums as their values."""
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    raise TypeError(f"{type(value).__name__} is not part of the export")
