"""`Corrections`: a person says what an email really is (not a job email, another status) or
where it belongs (another application, or a new one). The status of every application it touched
is recomputed from its events; the correction is recorded for the Activity Log and kept as a
labelled example for the classifier (metadata only: sender, subject, date, label).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.applications import is_row_id, live_application
from storage.core import StoreCore
from storage.enums import CorrectionKind, EventCause, Label
from storage.errors import ChangeConflict, InvalidChange, NotFound
from storage.models import Application, EmailCorrection, EmailRecord, Mailbox, StatusEvent
from storage.status_derivation import recompute_status
from storage.views import CorrectionOutcome, LabelledExample


@dataclass(frozen=True)
class CorrectionRequest:
    """What the person said: ``label`` for a status correction (or a move that also changes it);
    ``application_id`` for a move (None: a new application)."""

    kind: CorrectionKind
    label: Label | None = None
    application_id: int | None = None


class Corrections(StoreCore):
    """Correct an email; export the corrections as labelled examples."""

    def correct_email(
        self, user_id: int, email_id: int, request: CorrectionRequest
    ) -> CorrectionOutcome:
        """Apply a correction to one of the user's emails that caused an event."""
        now = self._clock()
        with self._db.session() as session:
            record = _corrected_email(session, user_id, email_id)
            previous_label, previous_app = record.label, record.application_id
            label, target = self._resolve(session, user_id, record, request, now)
            if (label, target) == (previous_label, previous_app):
                return CorrectionOutcome(email_id, label, target, previous_app, corrected=False)
            record.label, record.application_id = label, target
            if target is not None:
                _log_email_on(session, record, target, now)
            session.add(_correction_row(record, request.kind, previous_label, previous_app, now))
            session.flush()
            for application_id in {previous_app, target} - {None}:
                application = session.get(Application, application_id)
                if application is not None and application.deleted_at is None:
                    recompute_status(session, application, now=now)
            still_there = target is not None and session.get(Application, target) is not None
            return CorrectionOutcome(
                email_id, label, target if still_there else None, previous_app, corrected=True
            )

    def labelled_examples(self) -> list[LabelledExample]:
        """Every corrected email as a labelled example, its latest correction's label, oldest
        first (metadata only: sender, subject, date, label)."""
        query = select(EmailCorrection).order_by(EmailCorrection.created_at, EmailCorrection.id)
        latest: dict[int, EmailCorrection] = {}
        with self._db.session(read_only=True) as session:
            for row in session.scalars(query):
                latest[row.email_record_id] = row
        return [
            LabelledExample(
                id=f"correction-{row.id}",
                sender=self._cipher.decrypt(row.sender_enc),
                subject=self._cipher.decrypt(row.subject_enc),
                date=row.email_date,
                label=row.label,
            )
            for row in latest.values()
        ]

    def _resolve(
        self,
        session: Session,
        user_id: int,
        record: EmailRecord,
        request: CorrectionRequest,
        now: datetime,
    ) -> tuple[Label, int | None]:
        """The email's label and application once the correction is applied."""
        kind = CorrectionKind(request.kind)
        if kind is CorrectionKind.NOT_JOB:
            return Label.NONE, record.application_id
        label = request.label or record.label
        if label is Label.NONE:
            raise InvalidChange("label", "label must be a job status for this correction.")
        if kind is CorrectionKind.STATUS:
            if request.label is None:
                raise InvalidChange("status", "status is required: say what the email means.")
            if record.application_id is None:
                raise ChangeConflict(
                    "application_id",
                    "This email belongs to no application any more; move it to one instead.",
                )
            return label, record.application_id
        if request.application_id is None:
            return label, self._new_application(session, user_id, record, label, now)
        live_application(session, user_id, request.application_id)
        return label, request.application_id

    def _new_application(
        self, session: Session, user_id: int, record: EmailRecord, label: Label, now: datetime
    ) -> int:
        """A new application for an email moved out of its own: named as the email named it."""
        status = label.status
        assert status is not None
        row = Application(
            user_id=user_id,
            company_enc=record.company_enc,
            role_enc=record.role_enc,
            status=status,
            manual_override=False,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        return row.id


def _corrected_email(session: Session, user_id: int, email_id: int) -> EmailRecord:
    """The user's email with this id that an event was written for, or that was corrected
    before (its application may be gone since); else `NotFound`."""
    query = (
        select(EmailRecord)
        .join(Mailbox, Mailbox.id == EmailRecord.mailbox_id)
        .where(EmailRecord.id == email_id, Mailbox.user_id == user_id)
    )
    missing = NotFound(f"You have no email with id {email_id} in an Activity Log.")
    if not is_row_id(email_id):
        raise missing
    record = session.scalars(query).first()
    logged = (
        session.scalars(
            select(StatusEvent.id).where(StatusEvent.email_record_id == email_id).limit(1)
        ).first()
        or session.scalars(
            select(EmailCorrection.id).where(EmailCorrection.email_record_id == email_id).limit(1)
        ).first()
    )
    if record is None or logged is None or record.sender_enc is None:
        raise missing
    return record


def _log_email_on(
    session: Session, record: EmailRecord, application_id: int, now: datetime
) -> None:
    """The email's event on the application it now counts for (kept when it already has one)."""
    exists = session.scalars(
        select(StatusEvent.id).where(
            StatusEvent.email_record_id == record.id, StatusEvent.application_id == application_id
        )
    ).first()
    if exists is not None:
        return
    application = session.get(Application, application_id)
    assert application is not None
    status = record.label.status
    assert status is not None
    session.add(
        StatusEvent(
            application_id=application_id,
            email_record_id=record.id,
            from_status=application.status if _has_events(session, application_id) else None,
            to_status=status,
            cause=EventCause.EMAIL,
            applied=True,
            created_at=now,
        )
    )


def _has_events(session: Session, application_id: int) -> bool:
    query = select(StatusEvent.id).where(StatusEvent.application_id == application_id).limit(1)
    return session.scalars(query).first() is not None


def _correction_row(
    record: EmailRecord,
    kind: CorrectionKind,
    previous_label: Label,
    previous_application_id: int | None,
    now: datetime,
) -> EmailCorrection:
    assert record.sender_enc is not None and record.subject_enc is not None
    return EmailCorrection(
        email_record_id=record.id,
        kind=kind,
        previous_label=previous_label,
        label=record.label,
        from_application_id=previous_application_id,
        to_application_id=record.application_id,
        sender_enc=record.sender_enc,
        subject_enc=record.subject_enc,
        email_date=record.email_date,
        created_at=now,
    )
