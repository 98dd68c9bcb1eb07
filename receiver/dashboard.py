"""The job seeker's pages: Applications (board, Kanban, chart, filters, add, follow-ups due) and
one application's page (edit, delete, merge, corrections of its emails, tracking, follow-up
drafts). Email Templates are Premium: a Free account sees them described and locked, and a
correction offers a Filters rule only to a Premium account. The drafts are written only when
asked for (``?drafts=1``): that request, and no plain view of the page, re-reads the
recruiter's message through Gmail.

Every form works without JavaScript; a refused input answers 400 with the page and a sentence
naming the field, another user's id a 404.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parseaddr
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from markupsafe import Markup
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from receiver.api_input import BadInput, day, enum_value, moment
from receiver.context import receiver_context
from receiver.current_user import signed_in_user_id
from receiver.live_marker import take_live_marker
from receiver.message_facts import read_recruiter_message
from receiver.pipeline_chart import STATUS_LABELS, moves_chart, status_chart
from receiver.redirects import same_site_path
from receiver.serialize import iso_utc
from storage import (
    ApplicationDetail,
    ApplicationQuery,
    ApplicationView,
    ChangeConflict,
    CorrectionKind,
    CorrectionRequest,
    EventCause,
    InvalidChange,
    Label,
    NotFound,
    Plan,
    Status,
    Store,
)
from storage.follow_ups import DEFAULT_LANGUAGE, FollowUpDraft, language_names

log = logging.getLogger(__name__)

bp = Blueprint("dashboard", __name__)

# The board's sortable columns, in the order of the table.
BOARD_COLUMNS = (
    ("company", "Company"),
    ("role", "Role"),
    ("status", "Status"),
    ("applied_on", "Applied on"),
    ("last_email_at", "Last email"),
    ("next_interview_at", "Next interview"),
)
# The "Sort by" choices of the filter form (the column headers sort too, on a wide screen).
SORT_CHOICES = (
    ("-last_email_at", "Last email, newest first"),
    ("last_email_at", "Last email, oldest first"),
    ("-applied_on", "Applied on, newest first"),
    ("applied_on", "Applied on, oldest first"),
    ("company", "Company, A to Z"),
    ("-company", "Company, Z to A"),
    ("role", "Role, A to Z"),
    ("status", "Status, pipeline order"),
)
SORTABLE_COLUMNS = frozenset({"company", "role", "status", "applied_on", "last_email_at"})
LABEL_NAMES = {status.value: label for status, label in STATUS_LABELS.items()} | {
    Label.NONE.value: "not a job email"
}
TEXT_FIELDS = ("company", "role", "job_url", "location", "salary", "notes")
FORM_FIELDS = (*TEXT_FIELDS, "applied_on", "next_interview_at")
DEFAULT_QUERY = ApplicationQuery(sort="-last_email_at")
LIVE_REFRESH_HEADER = "X-Live-Refresh"  # sent by receiver/static/live.js
_DATE_COLUMNS = frozenset({"applied_on", "last_email_at"})
_NEXT_INTERVIEW_FORMAT = "%Y-%m-%dT%H:%M"

Refusal = BadInput | InvalidChange | ChangeConflict
# What each follow-up draft is for, as its heading on the application page.
FOLLOW_UP_KINDS = {
    "thank_you": "Thank-you after the interview",
    "check_in": "Check-in: no answer yet",
    "scheduling_reply": "Reply proposing interview times",
    "offer_accept": "Accept the offer",
    "offer_more_time": "Ask for time to decide",
    "offer_negotiate": "Negotiate the offer",
    "withdrawal": "Withdraw your application",
    "feedback_request": "Ask for feedback",
}


@dataclass(frozen=True)
class FollowUpsSection:
    """The application page's follow-up drafts, and why the recruiter's message could not be
    re-read (None when it was)."""

    drafts: list[FollowUpDraft]
    language: str
    problem: str | None


@bp.get("/")
@login_required
def applications_page() -> ResponseReturnValue:
    """The Applications page: chart, filters, the table and the Kanban board, add form."""
    try:
        query = _board_query(request.args)
    except BadInput as error:
        flash(str(error), "error")
        return _board(DEFAULT_QUERY, form_values={}), 400
    return _board(query, form_values={})


@bp.post("/applications")
@login_required
def add_application() -> ResponseReturnValue:
    """Add an application by hand; its page opens with what was entered."""
    user_id = signed_in_user_id()
    try:
        status = enum_value(Status, "status", request.form.get("status", Status.APPLIED.value))
        fields = {k: v for k, v in _form_fields(request.form).items() if v is not None}
        application_id = receiver_context().store.add_application(user_id, fields, status=status)
    except (BadInput, InvalidChange, ChangeConflict) as error:
        flash(_sentence(error), "error")
        return _board(DEFAULT_QUERY, form_values=request.form), _refusal_code(error)
    flash("Application added. Emails about it will join it by company and role.", "success")
    return redirect(url_for(".application_page", application_id=application_id))


@bp.get("/applications/<int:application_id>")
@login_required
def application_page(application_id: int) -> ResponseReturnValue:
    """One application: its fields, Activity Log, corrections, merge and delete; with
    ``drafts=1`` also its follow-up drafts (in ``language``, else its email's language)."""
    if request.args.get("drafts", "") not in ("", "0", "1"):
        flash("drafts: use drafts=1 to ask for the follow-up drafts.", "error")
        return _application(application_id), 400
    drafts = _drafts_asked_for()
    language = request.args.get("language") or None
    if language is not None and language not in language_names():
        flash(f"language: choose one of {', '.join(language_names().values())}.", "error")
        return _application(application_id, drafts=drafts), 400
    return _application(application_id, language=language, drafts=drafts)


@bp.post("/applications/<int:application_id>/edit")
@login_required
def edit_application(application_id: int) -> ResponseReturnValue:
    """Save the edit form: every field the person can write down."""
    user_id = signed_in_user_id()
    _own_application(user_id, application_id)
    try:
        receiver_context().store.edit_application(
            user_id, application_id, _form_fields(request.form)
        )
    except (BadInput, InvalidChange, ChangeConflict) as error:
        flash(_sentence(error), "error")
        return _application(application_id, form_values=request.form), _refusal_code(error)
    flash("Saved.", "success")
    return redirect(url_for(".application_page", application_id=application_id))


@bp.get("/applications/<int:application_id>/delete")
@login_required
def confirm_delete(application_id: int) -> ResponseReturnValue:
    """Ask before deleting: what goes and what stays."""
    application = _own_application(signed_in_user_id(), application_id)
    return render_template("confirm_delete.html", application=application)


@bp.post("/applications/<int:application_id>/delete")
@login_required
def delete_application(application_id: int) -> ResponseReturnValue:
    """Delete an application once confirmed; its emails stay recorded."""
    user_id = signed_in_user_id()
    application = _own_application(user_id, application_id)
    if request.form.get("confirm") != "yes":
        flash("Tick the box to confirm that you want to delete this application.", "error")
        return render_template("confirm_delete.html", application=application), 400
    receiver_context().store.delete_application(user_id, application_id)
    name = application.company or "The application"
    flash(f"{name} was deleted. Its emails stay recorded and do not bring it back.", "success")
    return redirect(url_for(".applications_page"))


@bp.post("/applications/<int:application_id>/merge")
@login_required
def merge_application(application_id: int) -> ResponseReturnValue:
    """Merge the chosen application into this one."""
    user_id = signed_in_user_id()
    _own_application(user_id, application_id)
    other_id = _form_id("other_id")
    if other_id is None:
        flash("other_id: choose the application to merge into this one.", "error")
        return _application(application_id), 400
    try:
        receiver_context().store.merge_applications(user_id, application_id, other_id)
    except NotFound:
        abort(404, description=f"You have no application with id {other_id}.")
    except InvalidChange as error:
        flash(_sentence(error), "error")
        return _application(application_id), 400
    flash("Merged: its emails and its Activity Log are on this application now.", "success")
    return redirect(url_for(".application_page", application_id=application_id))


@bp.post("/emails/<int:email_id>/correction")
@login_required
def correct_email(email_id: int) -> ResponseReturnValue:
    """A correction of an email of the Activity Log: not a job email, another status, or
    another application (an existing one or a new one)."""
    user_id = signed_in_user_id()
    try:
        correction = _correction_request(request.form)
        sender = _sender_on_page(user_id, email_id)  # read before the email may leave the page
        outcome = receiver_context().store.correct_email(user_id, email_id, correction)
    except NotFound:
        abort(404, description=f"You have no email with id {email_id}.")
    except (BadInput, InvalidChange, ChangeConflict) as error:
        flash(_sentence(error), "error")
        page_id = _form_id("page_application_id")
        if page_id is None:
            abort(_refusal_code(error), description=_sentence(error))
        return _application(page_id), _refusal_code(error)
    flash("Corrected: the statuses were recomputed from the remaining emails.", "success")
    offer = _rule_offer(correction, sender)
    if offer is not None:
        flash(offer, "info")
    back = same_site_path(request.form.get("next"))
    if back is None and outcome.application_id is not None:
        back = url_for(".application_page", application_id=outcome.application_id)
    return redirect(back or url_for(".applications_page"))


@bp.post("/applications/<int:application_id>/status")
@login_required
def change_status(application_id: int) -> ResponseReturnValue:
    """A manual status change: it holds until the person returns to automatic tracking."""
    user_id = signed_in_user_id()
    value = request.form.get("status", "")
    if value not in {status.value for status in Status}:
        flash("status: choose one of the listed statuses, then select Save status.", "error")
        return _application(application_id), 400
    try:
        receiver_context().store.set_status_manually(user_id, application_id, Status(value))
    except NotFound:
        abort(404, description=f"You have no application with id {application_id}.")
    flash(
        f"Status changed to {STATUS_LABELS[Status(value)]}. It stays set by you until you "
        "return the application to automatic tracking.",
        "success",
    )
    back = same_site_path(request.form.get("next"))
    return redirect(back or url_for(".application_page", application_id=application_id))


@bp.post("/applications/<int:application_id>/tracking")
@login_required
def return_to_automatic(application_id: int) -> ResponseReturnValue:
    """Return to automatic tracking: the status is recomputed from the application's emails."""
    user_id = signed_in_user_id()
    try:
        status = receiver_context().store.return_to_automatic(user_id, application_id)
    except NotFound:
        abort(404, description=f"You have no application with id {application_id}.")
    flash(
        f"Automatic tracking is back: the emails say {STATUS_LABELS[status]}, and new ones "
        "will change the status again.",
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


def _board(query: ApplicationQuery, *, form_values: Mapping[str, str]) -> str:
    """The Applications page for ``query``."""
    take_live_marker()
    user_id = signed_in_user_id()
    store = receiver_context().store
    counts = store.status_counts(user_id)
    applications = store.applications(user_id, query)
    integration = store.integration(user_id)
    running = (
        [run for run in integration.recent_runs if run.status == "running"] if integration else []
    )
    filtered = any((query.text, query.status, query.applied_from, query.applied_to))
    premium = store.plan_of(user_id) is Plan.PREMIUM
    return render_template(
        "applications.html",
        applications=applications,
        total=sum(counts.values()),
        filtered=filtered,
        query=query,
        columns=BOARD_COLUMNS,
        sort_urls=_sort_urls(query),
        sort_choices=SORT_CHOICES,
        export_url=url_for("api.export_csv", **_query_args(query)),
        here=url_for(".applications_page", **_query_args(query)),
        counts=counts,
        status_chart=status_chart(counts),
        moves_chart=moves_chart(store.status_moves(user_id)),
        integration=integration,
        running_sync=running[0] if running else None,
        reviews=store.emails_for_review(user_id),
        follow_ups_due=store.follow_ups_due(user_id) if premium else None,
        status_labels=STATUS_LABELS,
        form_values=form_values,
        iso_utc=iso_utc,
    )


def _board_query(args: Mapping[str, str]) -> ApplicationQuery:
    """The board's search, filters and sort from the query string."""
    status = args.get("status") or None
    sort = args.get("sort") or DEFAULT_QUERY.sort
    if sort.removeprefix("-") not in SORTABLE_COLUMNS | {"updated_at"}:
        names = ", ".join(sorted(SORTABLE_COLUMNS))
        raise BadInput("sort", f"sort must be one of {names} (- first for descending).")
    text = (args.get("q") or "").strip()
    if len(text) > 200:
        raise BadInput("q", "q: search for at most 200 characters.")
    return ApplicationQuery(
        text=text or None,
        status=None if status is None else enum_value(Status, "status", status),
        applied_from=day("from", args.get("from")),
        applied_to=day("to", args.get("to")),
        sort=sort,
    )


def _query_args(query: ApplicationQuery) -> dict[str, Any]:
    """The query string that asks for ``query`` (empty values left out)."""
    args = {
        "q": query.text or "",
        "status": query.status.value if query.status else "",
        "from": query.applied_from.isoformat() if query.applied_from else "",
        "to": query.applied_to.isoformat() if query.applied_to else "",
        "sort": query.sort,
    }
    return {name: value for name, value in args.items() if value}


def _sort_urls(query: ApplicationQuery) -> dict[str, str]:
    """For each sortable column, the board sorted by it: a second click reverses the order;
    dates start with the newest."""
    urls = {}
    for name in SORTABLE_COLUMNS:
        if query.sort == name:
            wanted = f"-{name}"
        elif query.sort == f"-{name}":
            wanted = name
        else:
            wanted = f"-{name}" if name in _DATE_COLUMNS else name
        urls[name] = url_for(
            ".applications_page",
            **(_query_args(query) | {"sort": wanted}),
        )
    return urls


def _application(
    application_id: int,
    *,
    form_values: Mapping[str, str] | None = None,
    language: str | None = None,
    drafts: bool = False,
) -> str:
    """One application's page; with ``drafts`` (and a Premium account) its follow-up drafts in
    ``language``, else its email's."""
    take_live_marker()
    user_id = signed_in_user_id()
    store = receiver_context().store
    application = _own_application(user_id, application_id)
    others = [a for a in store.applications(user_id) if a.id != application_id]
    premium = store.plan_of(user_id) is Plan.PREMIUM
    return render_template(
        "application.html",
        application=application,
        premium=premium,
        follow_ups=_follow_ups(user_id, application_id, language) if premium and drafts else None,
        follow_up_kinds=FOLLOW_UP_KINDS,
        follow_up_languages=language_names(),
        activity=list(reversed(application.activity)),
        others=others,
        reviews=store.review_emails_for_application(user_id, application_id),
        status_labels=STATUS_LABELS,
        manual=EventCause.MANUAL,
        email_cause=EventCause.EMAIL,
        label_names=LABEL_NAMES,
        here=url_for(".application_page", application_id=application_id),
        form_values=form_values or _current_values(application),
        iso_utc=iso_utc,
    )


def _follow_ups(user_id: int, application_id: int, language: str | None) -> FollowUpsSection:
    """The drafts, after re-reading the recruiter's newest message through Gmail once."""
    context = receiver_context()
    message = read_recruiter_message(context.store, context.gmail_factory, user_id, application_id)
    drafts = context.store.follow_up_drafts(
        user_id, application_id, language=language, message=message.facts
    )
    shown = drafts[0].language if drafts else language or DEFAULT_LANGUAGE
    return FollowUpsSection(drafts, shown, message.problem)


def _drafts_asked_for() -> bool:
    """True when the request asks for the follow-up drafts (``drafts=1``) and is not live.js
    refreshing the page in the background (``X-Live-Refresh``): the drafts are not a live part,
    so the recruiter's message is not re-read each time the board changes."""
    return request.args.get("drafts") == "1" and LIVE_REFRESH_HEADER not in request.headers


def _own_application(user_id: int, application_id: int) -> ApplicationDetail:
    application = receiver_context().store.application(user_id, application_id)
    if application is None:
        abort(404, description=f"You have no application with id {application_id}.")
    return application


def _current_values(application: ApplicationView) -> dict[str, str]:
    """The edit form's values: what the application holds now."""
    values = {name: getattr(application, name) or "" for name in TEXT_FIELDS}
    values["applied_on"] = application.applied_on.isoformat() if application.applied_on else ""
    when = application.next_interview_at
    values["next_interview_at"] = when.strftime(_NEXT_INTERVIEW_FORMAT) if when else ""
    values["next_interview_utc"] = iso_utc(when) or ""  # local_time.js shows it in local time
    return values


def _form_fields(form: Mapping[str, str]) -> dict[str, object]:
    """The application fields a form sent (blank: cleared), dates parsed."""
    fields: dict[str, object] = {}
    for name in TEXT_FIELDS:
        if name in form:
            fields[name] = form[name].strip() or None
    if "applied_on" in form:
        fields["applied_on"] = day("applied_on", form["applied_on"].strip())
    if _INTERVIEW_UTC in form:  # the browser turned its local time into UTC (local_time.js)
        fields["next_interview_at"] = moment("next_interview_at", form[_INTERVIEW_UTC] or None)
    elif "next_interview_at" in form:
        fields["next_interview_at"] = _interview_time(form["next_interview_at"].strip())
    return fields


_INTERVIEW_UTC = "next_interview_at_utc"


def _interview_time(value: str) -> datetime | None:
    """A ``datetime-local`` value sent without script, taken as UTC (the form then says so)."""
    if not value:
        return None
    try:
        return datetime.strptime(value[:16], _NEXT_INTERVIEW_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise BadInput(
            "next_interview_at", "next_interview_at must be a date and time like 2025-03-01T14:30."
        ) from None


def _correction_request(form: Mapping[str, str]) -> CorrectionRequest:
    """The correction a form asks for."""
    kind = enum_value(CorrectionKind, "kind", form.get("kind"))
    if kind is CorrectionKind.NOT_JOB:
        return CorrectionRequest(kind, Label.NONE)
    if kind is CorrectionKind.STATUS:
        status = enum_value(Status, "status", form.get("status"))
        return CorrectionRequest(kind, Label(status.value))
    target = form.get("application_id", "")
    if target == "new":
        return CorrectionRequest(kind, None, None)
    application_id = _form_id("application_id")
    if application_id is None:
        raise BadInput("application_id", "application_id: choose an application or a new one.")
    return CorrectionRequest(kind, None, application_id)


def _sender_on_page(user_id: int, email_id: int) -> str | None:
    """The address of the email being corrected, as the application page the form was on shows
    it; None for a Free account (no rule is offered) or when the page names no application."""
    store = receiver_context().store
    page_id = _form_id("page_application_id")
    if page_id is None or store.plan_of(user_id) is not Plan.PREMIUM:
        return None
    application = store.application(user_id, page_id)
    events = application.events if application is not None else ()
    for event in events:
        if event.email is not None and event.email.id == email_id:
            return parseaddr(event.email.sender)[1].lower() or None
    return None


def _rule_offer(correction: CorrectionRequest, sender: str | None) -> Markup | None:
    """After "Not a job email" or "Wrong status", offer the Advanced Filters rule that would
    have decided it: a link to the Filters page's form, filled in."""
    wanted = correction.kind in (CorrectionKind.NOT_JOB, CorrectionKind.STATUS)
    if sender is None or not wanted or correction.label is None:
        return None
    rule: dict[str, Any] = {"match": "all", "field": "sender", "op": "equals", "value": sender}
    if correction.kind is CorrectionKind.NOT_JOB:
        question = f"Always ignore mail from {sender}?"
        rule |= {"name": f"Ignore {sender}", "action": "ignore"}
    else:
        status = Status(correction.label.value)
        question = f"Always set {STATUS_LABELS[status]} for mail from {sender}?"
        rule |= {
            "name": f"{STATUS_LABELS[status]} for {sender}",
            "action": "set_status",
            "status": status.value,
        }
    try:
        href = url_for("filters.new_rule", **rule)
    except BuildError:  # the Filters page is not part of this app: nothing to offer
        log.warning("rule offer skipped: filters.new_rule is not registered")
        return None
    return Markup('Make it a rule: <a href="{href}" class="rule-offer">{question}</a>').format(
        href=href, question=question
    )


def _form_id(name: str) -> int | None:
    value = request.form.get(name, "")
    return int(value) if value.isdigit() and 0 < len(value) <= 18 else None


def _sentence(error: Refusal) -> str:
    """The refusal's sentence, naming its field first when the sentence does not."""
    message = str(error)
    return message if message.startswith(error.field) else f"{error.field}: {message}"


def _refusal_code(error: Refusal) -> int:
    return 409 if isinstance(error, ChangeConflict) else 400


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
