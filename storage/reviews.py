"""`Reviews`: emails whose label was too unsure to apply, and a person's decision on them.

A thread is one review item: the person sees its newest pending email (and how many more wait in
the thread), and their decision covers every pending email of the thread.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import replace

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from storage.core import StoreCore
from storage.enums import ReviewState
from storage.errors import NotFound
from storage.models import Application, EmailRecord, Mailbox
from storage.row_views import review_view
from storage.sync_writer import BatchWriter
from storage.views import IncomingEmail, ReviewEmailView


class Reviews(StoreCore):
    """List pending reviews; accept or dismiss one."""

    def emails_for_review(self, user_id: int) -> list[ReviewEmailView]:
        """The user's review items, newest first: one per thread, its newest pending email."""
        with self._db.session(read_only=True) as session:
            return self._one_per_thread(session.scalars(_pending_for_user(user_id)))

    def review_emails_for_application(
        self, user_id: int, application_id: int
    ) -> list[ReviewEmailView]:
        """Pending-review emails in the same Gmail threads as one of the user's applications."""
        with self._db.session(read_only=True) as session:
            row = session.get(Application, application_id)
            if row is None or row.user_id != user_id:
                return []
            threads = select(EmailRecord.thread_id).where(
                EmailRecord.application_id == application_id
            )
            query = _pending_for_user(user_id).where(EmailRecord.thread_id.in_(threads))
            return self._one_per_thread(session.scalars(query))

    def accept_review(self, user_id: int, email_id: int) -> int | None:
        """Accept a review item: every pending email of its thread is applied like any email,
        oldest first; return the application they joined."""
        with self._db.session() as session:
            record, mailbox = _pending_review(session, user_id, email_id)
            writer = BatchWriter(session, self._cipher, mailbox, self._clock())
            application_id = None
            for pending in _pending_in_thread(session, record):
                pending.review_state = ReviewState.ACCEPTED
                joined = writer.apply_reviewed(pending, self._as_incoming(pending))
                application_id = joined or application_id
            return application_id

    def dismiss_review(self, user_id: int, email_id: int) -> None:
        """Decide that a review item changes nothing: every pending email of its thread stays
        recorded and changes no application."""
        with self._db.session() as session:
            record, _ = _pending_review(session, user_id, email_id)
            for pending in _pending_in_thread(session, record):
                pending.review_state = ReviewState.DISMISSED

    def _one_per_thread(self, records: Iterable[EmailRecord]) -> list[ReviewEmailView]:
        """The newest of each thread's records (they come newest first), counting the rest."""
        newest: dict[tuple[int, str], EmailRecord] = {}
        waiting: Counter[tuple[int, str]] = Counter()
        for record in records:
            key = (record.mailbox_id, record.thread_id)
            newest.setdefault(key, record)
            waiting[key] += 1
        return [
            replace(review_view(self._cipher, record), others_in_thread=waiting[key] - 1)
            for key, record in newest.items()
        ]

    def _as_incoming(self, record: EmailRecord) -> IncomingEmail:
        """The recorded email, decrypted, as the writer takes it."""
        return IncomingEmail(
            gmail_message_id=record.gmail_message_id,
            thread_id=record.thread_id,
            rfc822_message_id=None,
            sender=self._cipher.decrypt_optional(record.sender_enc) or "",
            subject=self._cipher.decrypt_optional(record.subject_enc) or "",
            date=record.email_date,
            label=record.label,
            confidence=record.confidence,
            company=self._cipher.decrypt_optional(record.company_enc),
            role=self._cipher.decrypt_optional(record.role_enc),
        )


def _pending_for_user(user_id: int) -> Select[EmailRecord]:
    """The user's emails waiting for review, newest first."""
    return (
        select(EmailRecord)
        .join(Mailbox, Mailbox.id == EmailRecord.mailbox_id)
        .where(Mailbox.user_id == user_id, EmailRecord.review_state == ReviewState.PENDING)
        .order_by(EmailRecord.email_date.desc(), EmailRecord.id.desc())
    )


def _pending_in_thread(session: Session, record: EmailRecord) -> list[EmailRecord]:
    """Every pending email of ``record``'s thread, oldest first (``record`` among them)."""
    query = (
        select(EmailRecord)
        .where(
            EmailRecord.mailbox_id == record.mailbox_id,
            EmailRecord.thread_id == record.thread_id,
            EmailRecord.review_state == ReviewState.PENDING,
        )
        .order_by(EmailRecord.email_date, EmailRecord.id)
    )
    return list(session.scalars(query))


def _pending_review(session: Session, user_id: int, email_id: int) -> tuple[EmailRecord, Mailbox]:
    """The user's email still waiting for review, with its mailbox (raises `NotFound`)."""
    record = session.get(EmailRecord, email_id)
    mailbox = None if record is None else session.get(Mailbox, record.mailbox_id)
    if record is None or mailbox is None or mailbox.user_id != user_id:
        raise NotFound(f"You have no email with id {email_id} waiting for review.")
    if record.review_state is not ReviewState.PENDING:
        raise NotFound(f"The email with id {email_id} was already reviewed.")
    return record, mailbox
