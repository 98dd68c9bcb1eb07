"""`GET /`: the signed-in user's applications, rendered on the server."""

from __future__ import annotations

from flask import Blueprint, render_template

from receiver.context import receiver_context
from receiver.current_user import current_user_id
from receiver.serialize import iso_utc
from storage import Status

bp = Blueprint("dashboard", __name__)

STATUS_LABELS = {
    Status.APPLIED: "Applied",
    Status.INTERVIEWING: "Interviewing",
    Status.OFFER: "Offer Extended",
    Status.REJECTED: "Rejected",
}


@bp.get("/")
def applications_page() -> str | tuple[str, int]:
    """The Applications page: a pipeline summary and one row per application."""
    user_id = current_user_id()
    if user_id is None:
        return render_template("signed_out.html"), 401
    store = receiver_context().store
    counts = store.status_counts(user_id)
    return render_template(
        "applications.html",
        applications=store.applications(user_id),
        pipeline=[(STATUS_LABELS[status], counts.get(status, 0)) for status in Status],
        integration=store.integration(user_id),
        status_labels=STATUS_LABELS,
        iso_utc=iso_utc,
    )
