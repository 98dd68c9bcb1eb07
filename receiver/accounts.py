"""Sign-up, sign-in and sign-out, with passwords hashed by werkzeug (scrypt).

An address is taken in one canonical form everywhere (`Store.canonical_email`: NFKC, then case
folding): the account it creates, the account it finds and the sign-in throttle's count.
"""

from __future__ import annotations

import logging
import unicodedata

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash

from receiver.context import receiver_context
from receiver.current_user import SIGNED_OUT_KEY, SignedInUser, current_user_id
from receiver.redirects import same_site_path
from storage import StorageError, UserView

log = logging.getLogger(__name__)

bp = Blueprint("accounts", __name__)

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
# Checked against when the email is unknown, so both failures take about as long.
_UNKNOWN_USER_HASH = generate_password_hash("not a real password", method="scrypt")


@bp.route("/sign-up", methods=["GET", "POST"])
def sign_up() -> ResponseReturnValue:
    """Create an account and sign it in."""
    if request.method == "GET":
        return render_template("sign_up.html", email="", display_name="")
    email = request.form.get("email", "").strip()
    display_name = request.form.get("display_name", "").strip()[:200] or None
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
