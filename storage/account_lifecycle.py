"""`AccountLifecycle`: what a person does to their whole account: change the password (ending
every other session), take a copy of their data (metadata only), and delete the account with
every row that belongs to it.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage.activity_log import correction_view, read_events
from storage.core import StoreCore
from storage.errors import NotFound
from storage.models import (
    ApiToken,
    Application,
    EmailCorrection,
    EmailFingerprint,
    EmailRecord,
    Mailbox,
    StatusEvent,
    SyncRun,
    User,
)
from storage.views import ApplicationView, EventView


class AccountLifecycle(StoreCore):
    """Password change, data export and deletion of a whole account."""

    def change_password_hash(self, user_id: int, password_hash: str) -> int:
        """Store a new password hash and end every session; returns the new session version
        (the session that made the change signs in again under it)."""
        with self._db.session() as session:
            user = session.get(User, user_id)
            if user is None:
                raise NotFound(f"There is no account with id {user_id}.")
            user.password_hash = password_hash
            user.session_version = (user.session_version or 0) + 1
            return user.session_version

    def delete_account(self, user_id: int) -> None:
        """Delete the user and every row of theirs: mailbox, emails, applications, events,
        corrections, sync runs and API tokens."""
        with self._db.session() as session:
            if session.get(User, user_id) is None:
                raise NotFound(f"There is no account with id {user_id}.")
            _delete_rows_of(session, user_id)

    def account_data(self, user_id: int, applications: list[ApplicationView]) -> dict[str, Any]:
        """The user's data as plain values: the account, its applications with their events,
        and its corrections (metadata only: never a body, never a token)."""
        with self._db.session(read_only=True) as session:
            user = session.get(User, user_id)
            if user is None:
                raise NotFound(f"There is no account with id {user_id}.")
            events = {
                view.id: [
                    _event_data(event) for event in read_events(session, self._cipher, view.id)
                ]
                for view in applications
            }
            corrections = [_correction_data(row) for row in _corrections_of(session, user_id)]
            account = {
                "email": self._cipher.decrypt(user.email_enc),
                "display_name": user.display_name,
                "created_at": user.created_at,
            }
        return {
            "account": account,
            "applications": [
                asdict(view) | {"events": events.get(view.id, [])} for view in applications
            ],
            "corrections": corrections,
        }


def _mailbox_ids(user_id: int) -> Any:
    return select(Mailbox.id).where(Mailbox.user_id == user_id).scalar_subquery()


def _delete_rows_of(session: Session, user_id: int) -> None:
    """Children first, so the deletion holds whether or not the database enforces cascades."""
    mailboxes = _mailbox_ids(user_id)
    applications = select(Application.id).where(Application.user_id == user_id).scalar_subquery()
    emails = select(EmailRecord.id).where(EmailRecord.mailbox_id.in_(mailboxes)).scalar_subquery()
    session.execute(
        update(EmailRecord)
        .where(EmailRecord.mailbox_id.in_(mailboxes))
        .values(application_id=None)
        .execution_options(synchronize_session=False)
    )
    statements = (
        delete(EmailCorrection).where(EmailCorrection.email_record_id.in_(emails)),
        delete(StatusEvent).where(StatusEvent.application_id.in_(applications)),
        delete(StatusEvent).where(StatusEvent.email_record_id.in_(emails)),
        delete(EmailFingerprint).where(EmailFingerprint.mailbox_id.in_(mailboxes)),
        delete(SyncRun).where(SyncRun.mailbox_id.in_(mailboxes)),
        delete(ApiToken).where(ApiToken.user_id == user_id),
    )
    for statement in statements:
        session.execute(statement.execution_options(synchronize_session=False))
    _delete_emails_and_applications(session, user_id, mailboxes)


def _delete_emails_and_applications(session: Session, user_id: int, mailboxes: Any) -> None:
    session.execute(
        update(EmailRecord)
        .where(EmailRecord.mailbox_id.in_(mailboxes))
        .values(copy_of_id=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Application)
        .where(Application.user_id == user_id)
        .values(merged_into_id=None)
        .execution_options(synchronize_session=False)
    )
    for statement in (
        delete(EmailRecord).where(EmailRecord.mailbox_id.in_(mailboxes)),
        delete(Application).where(Application.user_id == user_id),
        delete(Mailbox).where(Mailbox.user_id == user_id),
        delete(User).where(User.id == user_id),
    ):
        session.execute(statement.execution_options(synchronize_session=False))
    session.expire_all()


def _corrections_of(session: Session, user_id: int) -> list[EmailCorrection]:
    query = (
        select(EmailCorrection)
        .join(EmailRecord, EmailRecord.id == EmailCorrection.email_record_id)
        .where(EmailRecord.mailbox_id.in_(_mailbox_ids(user_id)))
        .order_by(EmailCorrection.created_at, EmailCorrection.id)
    )
    return list(session.scalars(query))


def _event_data(event: EventView) -> dict[str, Any]:
    email = event.email
    return {
        "from_status": event.from_status,
        "to_status": event.to_status,
        "cause": event.cause,
        "applied": event.applied,
        "counted": event.counted,
        "why": event.why,
        "created_at": event.created_at,
        "email": None
        if email is None
        else {
            "id": email.id,
            "sender": email.sender,
            "subject": email.subject,
            "date": email.date,
            "label": email.label,
        },
    }


def _correction_data(row: EmailCorrection) -> dict[str, Any]:
    return asdict(correction_view(row))
