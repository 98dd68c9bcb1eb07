"""The job seeker's pages: Applications (board, chart, filters) and Application detail."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from werkzeug.wrappers import Response

from receiver.context import receiver_context
from receiver.current_user import signed_in_user_id
from receiver.pipeline_chart import STATUS_LABELS, moves_chart, status_chart
from receiver.redirects import same_site_path
from receiver.serialize import iso_utc
from storage import EventCause, NotFound, Status, Store

bp = Blueprint("dashboard", __name__)


def _status_filter() -> Status | None:
    value = request.args.get("status", "")
    return Status(value) if value in {status.value for status in Status} else None


@bp.get("/")
@login_required
def applications_page() -> ResponseReturnValue:
    """The Applications page: pipeline chart, filters, one row per application, reviews."""
    user_id = signed_in_user_id()
    store = receiver_context().store
    counts = store.status_counts(user_id)
    chosen = _status_filter()
    applications = store.applications(user_id)
    shown = [a for a in applications if chosen is None or a.status is chosen]
    return render_template(
        "applications.html",
        applications=shown,
        total=len(applications),
        chosen_status=chosen,
        counts=counts,
        status_chart=status_chart(counts),
        moves_chart=moves_chart(store.status_moves(user_id)),
        integration=store.integration(user_id),
        reviews=store.emails_for_review(user_id),
        status_labels=STATUS_LABELS,
        iso_utc=iso_utc,
    )


@bp.get("/applications/<int:application_id>")
@login_required
def application_page(application_id: int) -> ResponseReturnValue:
    """One application: its Activity Log, a manual status change and emails to review."""
    user_id = signed_in_user_id()
    store = receiver_context().store
    application = store.application(user_id, application_id)
    if application is None:
        abort(404, description=f"You have no application with id {application_id}.")
    return render_template(
        "application.html",
        application=application,
        events=list(reversed(application.events)),
        reviews=store.review_emails_for_application(user_id, application_id),
        status_labels=STATUS_LABELS,
        manual=EventCause.MANUAL,
        iso_utc=iso_utc,
    )


@bp.post("/applications/<int:application_id>/status")
@login_required
def change_status(application_id: int) -> ResponseReturnValue:
    """A manual status change; automatic updates never override it afterwards."""
    user_id = signed_in_user_id()
    value = request.form.get("status", "")
    if value not in {status.value for status in Status}:
        flash("Choose one of the listed statuses, then select Save status.", "error")
        return redirect(url_for(".application_page", application_id=application_id))
    try:
        receiver_context().store.set_status_manually(user_id, application_id, Status(value))
    except NotFound:
        abort(404, description=f"You have no application with id {application_id}.")
    flash(
        f"Status changed to {STATUS_LABELS[Status(value)]}. Emails will no longer change it.",
        "success",
    )
    return redirect(url_for(".application_page", application_id=application_id))


@bp.post("/reviews/<int:email_id>/accept")
@login_required
def accept_review(email_id: int) -> ResponseReturnValue:
    """Accept a flagged email's label: it updates its application like any other email."""
    return _decide_review(
        email_id,
        lambda store, user_id: store.accept_review(user_id, email_id),
        ("Accepted: the email now counts towards its application.", "success"),
    )


@bp.post("/reviews/<int:email_id>/dismiss")
@login_required
def dismiss_review(email_id: int) -> ResponseReturnValue:
    """Dismiss a flagged email: it stays recorded and changes nothing."""
    return _decide_review(
        email_id,
        lambda store, user_id: store.dismiss_review(user_id, email_id),
        ("Dismissed: the email will not change any application.", "info"),
    )


def _decide_review(
    email_id: int, decide: Callable[[Store, int], object], done: tuple[str, str]
) -> ResponseReturnValue:
    """Run one review decision for the signed-in user and say how it went."""
    user_id = signed_in_user_id()
    try:
        decide(receiver_context().store, user_id)
    except NotFound as error:
        flash(f"{error} Reload the page to see what is still waiting.", "error")
        return _back()
    flash(*done)
    return _back()


def _back() -> Response:
    """Back to the page the form was on (a path on this site), else the Applications page."""
    return redirect(same_site_path(request.form.get("next")) or url_for(".applications_page"))
