"""An application's status, derived from its events: never overwritten blindly.

Automatic tracking folds the status rules (`storage.status_rules`) over the application's tracked
events: each email that counts for it (linked to it, with a job label as corrected) and the status a
person gave when adding it by hand. A status set by hand holds until the person returns the
application to automatic tracking. Every change that can alter the events (a new email, a
correction, a merge, a return to automatic tracking) recomputes the status here, so the result is
the same as replaying the same events from scratch.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, delete, select, type_coerce, union_all, update
from sqlalchemy.orm import Session

from storage.enums import EventCause, Label, Status
from storage.models import Application, EmailRecord, StatusEvent
from storage.status_rules import EmailEvent, automatic_status

_MAX_MERGE_CHAIN = 100  # merges flatten their chains; this only stops a cycle nobody should make


def tracked_events(session: Session, application_id: int) -> list[EmailEvent]:
    """The events the application's automatic status folds over: its counted emails, dated by
    the email, and the statuses a person gave when adding it, dated when they did."""
    # One query for both kinds; a job label's value is the status it gives.
    emails = (
        select(type_coerce(EmailRecord.label, String), EmailRecord.email_date)
        .join(StatusEvent, StatusEvent.email_record_id == EmailRecord.id)
        .where(
            StatusEvent.application_id == application_id,
            StatusEvent.cause == EventCause.EMAIL,
            EmailRecord.application_id == application_id,
            EmailRecord.label != Label.NONE,
        )
    )
    added = select(type_coerce(StatusEvent.to_status, String), StatusEvent.created_at).where(
        StatusEvent.application_id == application_id, StatusEvent.cause == EventCause.ADDED
    )
    rows = session.execute(union_all(emails, added))
    return [EmailEvent(Status(status), when) for status, when in rows]


def automatic_status_of(session: Session, application_id: int) -> Status | None:
    """The status the application's tracked events give (None: nothing left to track)."""
    return automatic_status(tracked_events(session, application_id))


def recompute_status(session: Session, application: Application, *, now: datetime) -> bool:
    """Derive the application's status again after its events changed; False when it was removed.

    A status set by hand stays. An application under automatic tracking with nothing left to
    track (every email corrected away, none added by hand) is removed; its emails stay recorded
    and, unlike after a deletion, a later job email in its thread starts a new one.
    """
    application.updated_at = now
    if application.manual_override:
        return True
    status = automatic_status_of(session, application.id)
    if status is None:
        remove_application(session, application)
        return False
    application.status = status
    return True


def remove_application(session: Session, application: Application) -> None:
    """Delete an application row for good: its emails stay recorded without it, its events go."""
    release_aliases(session, application.id)
    session.flush()
    session.execute(delete(Application).where(Application.id == application.id))
    session.expire_all()


def release_aliases(session: Session, application_id: int) -> None:
    """Free the fingerprints of applications merged into this one, so that new mail matching
    them starts a new application rather than following a merge into nothing."""
    session.execute(
        update(Application)
        .where(Application.merged_into_id == application_id)
        .values(match_fingerprint=None, company_fingerprint=None)
        .execution_options(synchronize_session="fetch")
    )


def follow_merges(session: Session, application: Application) -> Application:
    """The application that ``application`` was merged into (itself when it was not merged);
    a deleted one is returned as it is (a tombstone the caller must respect)."""
    for _ in range(_MAX_MERGE_CHAIN):
        if application.merged_into_id is None:
            return application
        target = session.get(Application, application.merged_into_id)
        if target is None:
            return application
        application = target
    return application
