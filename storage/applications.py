"""`Applications`: a person's own hand on their applications: list and search them, add one,
edit its fields, set its status (and return it to automatic tracking), delete it, merge two.

A deleted application is a tombstone: its emails stay recorded and keep their thread, so a later
email in that thread is recorded without bringing it back. A merged application points at the one
it was merged into, so new mail matching it follows the merge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from storage.activity_log import fold_activity, read_events
from storage.application_fields import checked_changes, read_fields, write_fields
from storage.core import StoreCore
from storage.crypto import FieldCipher
from storage.enums import EventCause, Label, Status, Tracking
from storage.errors import ChangeConflict, InvalidChange, NotFound
from storage.identity import application_fingerprint, company_fingerprint
from storage.models import Application, EmailRecord, StatusEvent
from storage.status_derivation import (
    automatic_status_of,
    follow_merges,
    recompute_status,
    release_aliases,
)
from storage.views import ApplicationDetail, ApplicationQuery, ApplicationView

SORTABLE = ("company", "role", "status", "applied_on", "last_email_at", "updated_at", "created_at")
MAX_ROW_ID = 2**63
_PIPELINE_ORDER = {status: index for index, status in enumerate(Status)}


@dataclass(frozen=True)
class _EmailDates:
    first_applied: datetime | None = None
    first_job_email: datetime | None = None
    last_job_email: datetime | None = None


def live(user_id: int) -> ColumnElement[bool]:
    """The condition of the user's live applications (not deleted, not merged away)."""
    return and_(
        Application.user_id == user_id,
        Application.deleted_at.is_(None),
        Application.merged_into_id.is_(None),
    )


def is_row_id(value: int) -> bool:
    """True for a number a row id can be (a larger one would overflow the database's integer)."""
    return 0 < value < MAX_ROW_ID


def live_application(session: Session, user_id: int, application_id: int) -> Application:
    """The user's live application with this id (raises `NotFound`, for another user's too)."""
    row = session.get(Application, application_id) if is_row_id(application_id) else None
    if row is None or row.user_id != user_id or row.deleted_at or row.merged_into_id:
        raise NotFound(f"You have no application with id {application_id}.")
    return row


class Applications(StoreCore):
    """The user's applications, and what a person may do to them."""

    def applications(
        self, user_id: int, query: ApplicationQuery | None = None
    ) -> list[ApplicationView]:
        """The user's live applications, searched, filtered and sorted as ``query`` asks."""
        query = query or ApplicationQuery()
        with self._db.session(read_only=True) as session:
            rows = list(session.scalars(select(Application).where(live(user_id))))
            dates = _email_dates(session, [row.id for row in rows])
            views = [_view(self._cipher, row, dates.get(row.id, _EmailDates())) for row in rows]
        return _sorted([view for view in views if _matches(view, query)], query.sort)

    def application(self, user_id: int, application_id: int) -> ApplicationDetail | None:
        """One of the user's live applications with its Activity Log, or None."""
        with self._db.session(read_only=True) as session:
            try:
                row = live_application(session, user_id, application_id)
            except NotFound:
                return None
            dates = _email_dates(session, [row.id]).get(row.id, _EmailDates())
            view = _view(self._cipher, row, dates)
            events = tuple(read_events(session, self._cipher, row.id))
        return ApplicationDetail(**vars(view), events=events, activity=fold_activity(events))

    def add_application(
        self, user_id: int, fields: Mapping[str, object], *, status: Status = Status.APPLIED
    ) -> int:
        """Add an application by hand; its status comes from ``status`` until emails move it."""
        checked = checked_changes(fields)
        if not checked.get("company"):
            raise InvalidChange("company", "company is required: name the employer.")
        now = self._clock()
        with self._db.session() as session:
            fingerprint = self._free_fingerprint(session, user_id, checked, own_id=None)
            row = Application(
                user_id=user_id,
                status=Status(status),
                manual_override=False,
                match_fingerprint=fingerprint,
                company_fingerprint=company_fingerprint(self._cipher, checked["company"]),
                created_at=now,
                updated_at=now,
            )
            write_fields(self._cipher, row, checked)
            session.add(row)
            session.flush()
            session.add(_event(row.id, None, row.status, EventCause.ADDED, now))
            return row.id

    def edit_application(
        self, user_id: int, application_id: int, changes: Mapping[str, object]
    ) -> None:
        """Change what the person wrote down; company and role also change what mail it matches."""
        checked = checked_changes(changes)
        with self._db.session() as session:
            row = live_application(session, user_id, application_id)
            write_fields(self._cipher, row, checked)
            if "company" in checked or "role" in checked:
                fields = read_fields(self._cipher, row)
                names = {"company": fields.company, "role": fields.role}
                row.match_fingerprint = self._free_fingerprint(
                    session, user_id, names, own_id=row.id
                )
                row.company_fingerprint = company_fingerprint(self._cipher, fields.company)
            row.updated_at = self._clock()

    def set_status_manually(self, user_id: int, application_id: int, status: Status) -> None:
        """A person's status: applied at once, logged, and "set by you" until they return the
        application to automatic tracking."""
        target, now = Status(status), self._clock()
        with self._db.session() as session:
            row = live_application(session, user_id, application_id)
            session.add(_event(row.id, row.status, target, EventCause.MANUAL, now))
            row.status, row.manual_override, row.updated_at = target, True, now

    def return_to_automatic(self, user_id: int, application_id: int) -> Status:
        """Automatic tracking again: the status is recomputed from the application's events."""
        now = self._clock()
        with self._db.session() as session:
            row = live_application(session, user_id, application_id)
            status = automatic_status_of(session, row.id) or row.status
            session.add(_event(row.id, row.status, status, EventCause.AUTOMATIC, now))
            row.status, row.manual_override, row.updated_at = status, False, now
            return status

    def delete_application(self, user_id: int, application_id: int) -> None:
        """Delete an application: a tombstone that keeps its emails and its thread, so later mail
        in the thread does not bring it back; new mail naming its company starts a new one."""
        now = self._clock()
        with self._db.session() as session:
            row = live_application(session, user_id, application_id)
            release_aliases(session, row.id)
            row.deleted_at, row.updated_at = now, now
            row.match_fingerprint = row.company_fingerprint = None

    def merge_applications(self, user_id: int, into_id: int, from_id: int) -> None:
        """Merge ``from_id`` into ``into_id``: its emails, events and thread links move, the
        fields ``into_id`` lacks are filled in, and the status is recomputed."""
        if into_id == from_id:
            raise InvalidChange("other_id", "An application cannot be merged into itself.")
        now = self._clock()
        with self._db.session() as session:
            into = live_application(session, user_id, into_id)
            source = live_application(session, user_id, from_id)
            _move_emails_and_events(session, source.id, into.id)
            _fill_in_fields(self._cipher, into, source)
            before = into.status
            if source.manual_override and not into.manual_override:
                into.status, into.manual_override = source.status, True
            recompute_status(session, into, now=now)
            session.add(
                _event(into.id, before, into.status, EventCause.MERGE, now, other=source.id)
            )
            source.merged_into_id, source.updated_at = into.id, now

    def status_counts(self, user_id: int) -> dict[Status, int]:
        """How many of the user's live applications are in each status (every status a key)."""
        counts = dict.fromkeys(Status, 0)
        query = (
            select(Application.status, func.count())
            .where(live(user_id))
            .group_by(Application.status)
        )
        with self._db.session(read_only=True) as session:
            for status, count in session.execute(query):
                counts[status] = count
        return counts

    def _free_fingerprint(
        self, session: Session, user_id: int, names: Mapping[str, object], *, own_id: int | None
    ) -> str | None:
        """The company + role fingerprint, refused (409) when another live application has it."""
        company, role = names.get("company"), names.get("role")
        fingerprint = application_fingerprint(
            self._cipher,
            company if isinstance(company, str) else None,
            role if isinstance(role, str) else None,
        )
        if fingerprint is None:
            return None
        owner = session.scalars(
            select(Application).where(
                Application.user_id == user_id, Application.match_fingerprint == fingerprint
            )
        ).first()
        if owner is None or owner.id == own_id:
            return fingerprint
        target = follow_merges(session, owner)
        if target.deleted_at is not None or target.id == own_id:
            owner.match_fingerprint = None  # a tombstone's or an alias of this one: take it over
            session.flush()
            return fingerprint
        raise ChangeConflict(
            "company",
            f"You already have an application for this company and role (id {target.id}); "
            "edit or merge that one instead.",
        )


def _event(
    application_id: int,
    source: Status | None,
    target: Status,
    cause: EventCause,
    now: datetime,
    *,
    other: int | None = None,
) -> StatusEvent:
    return StatusEvent(
        application_id=application_id,
        email_record_id=None,
        from_status=source,
        to_status=target,
        cause=cause,
        applied=True,
        created_at=now,
        other_application_id=other,
    )


def _move_emails_and_events(session: Session, from_id: int, into_id: int) -> None:
    """Emails and events of ``from_id`` now belong to ``into_id`` (an email already logged on
    both keeps its old event where it was); aliases of ``from_id`` now point at ``into_id``."""
    already = select(StatusEvent.email_record_id).where(
        StatusEvent.application_id == into_id, StatusEvent.email_record_id.is_not(None)
    )
    session.execute(
        update(StatusEvent)
        .where(
            StatusEvent.application_id == from_id,
            or_(
                StatusEvent.email_record_id.is_(None),
                StatusEvent.email_record_id.not_in(already.scalar_subquery()),
            ),
        )
        .values(application_id=into_id)
        .execution_options(synchronize_session=False)
    )
    for table, column in (
        (EmailRecord, EmailRecord.application_id),
        (Application, Application.merged_into_id),
    ):
        session.execute(
            update(table)
            .where(column == from_id)
            .values({column.key: into_id})
            .execution_options(synchronize_session=False)
        )
    session.expire_all()


def _fill_in_fields(cipher: FieldCipher, into: Application, source: Application) -> None:
    """What ``into`` does not know yet, taken from ``source``; the earlier applied-on date."""
    mine, theirs = read_fields(cipher, into), read_fields(cipher, source)
    missing = {
        name: value
        for name, value in vars(theirs).items()
        if value is not None and getattr(mine, name) is None
    }
    if mine.applied_on and theirs.applied_on and theirs.applied_on < mine.applied_on:
        missing["applied_on"] = theirs.applied_on
    write_fields(cipher, into, missing)


def _email_dates(session: Session, application_ids: list[int]) -> dict[int, _EmailDates]:
    """The dates of each application's counted job emails."""
    if not application_ids:
        return {}
    query = select(EmailRecord.application_id, EmailRecord.label, EmailRecord.email_date).where(
        EmailRecord.application_id.in_(application_ids), EmailRecord.label != Label.NONE
    )
    found: dict[int, _EmailDates] = {}
    for application_id, label, when in session.execute(query):
        if application_id is None:
            continue
        old = found.get(application_id, _EmailDates())
        found[application_id] = _EmailDates(
            first_applied=_earliest(old.first_applied, when)
            if label is Label.APPLIED
            else old.first_applied,
            first_job_email=_earliest(old.first_job_email, when),
            last_job_email=max(old.last_job_email or when, when),
        )
    return found


def _earliest(current: datetime | None, candidate: datetime) -> datetime:
    return candidate if current is None else min(current, candidate)


def _view(cipher: FieldCipher, row: Application, dates: _EmailDates) -> ApplicationView:
    fields = read_fields(cipher, row)
    first_email = dates.first_applied or dates.first_job_email
    return ApplicationView(
        id=row.id,
        company=fields.company,
        role=fields.role,
        status=row.status,
        updated_at=row.updated_at,
        tracking=Tracking.MANUAL if row.manual_override else Tracking.AUTOMATIC,
        applied_on=fields.applied_on or (first_email.date() if first_email else None),
        last_email_at=dates.last_job_email,
        next_interview_at=fields.next_interview_at,
        job_url=fields.job_url,
        location=fields.location,
        salary=fields.salary,
        notes=fields.notes,
        created_at=row.created_at,
    )


def _matches(view: ApplicationView, query: ApplicationQuery) -> bool:
    if query.status is not None and view.status is not query.status:
        return False
    if query.applied_from and (view.applied_on is None or view.applied_on < query.applied_from):
        return False
    if query.applied_to and (view.applied_on is None or view.applied_on > query.applied_to):
        return False
    if not query.text:
        return True
    needle = query.text.casefold()
    haystack = (view.company, view.role, view.location, view.notes)
    return any(needle in text.casefold() for text in haystack if text)


def _sorted(views: list[ApplicationView], sort: str) -> list[ApplicationView]:
    """Sorted by one field (``-`` first: descending); rows without a value go last."""
    name = sort.removeprefix("-")
    if name not in SORTABLE:
        raise InvalidChange(
            "sort", f"sort must be one of {', '.join(SORTABLE)} (- first for descending)."
        )
    descending = sort.startswith("-")
    present = [view for view in views if getattr(view, name) is not None]
    absent = [view for view in views if getattr(view, name) is None]
    present.sort(key=lambda view: view.id, reverse=descending)
    present.sort(key=lambda view: _sort_key(getattr(view, name)), reverse=descending)
    return present + absent


def _sort_key(value: object) -> tuple[float, str]:
    if isinstance(value, Status):
        return (_PIPELINE_ORDER[value], "")
    if isinstance(value, datetime):
        return (value.timestamp(), "")
    if isinstance(value, date):
        return (value.toordinal(), "")
    return (0, str(value).casefold())
