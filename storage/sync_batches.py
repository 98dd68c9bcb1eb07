"""`SyncBatches`: the write path: classified emails in, cursor forward, under the lease."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.column_types import format_history_id
from storage.core import StoreCore
from storage.errors import NotFound
from storage.leases import check_lease
from storage.models import Application, EmailRecord, Mailbox
from storage.sync_writer import BatchWriter
from storage.views import BatchOutcome, IncomingEmail, Recorded, ThreadApplication

logger = logging.getLogger(__name__)

_IN_CHUNK = 500  # ids per IN (...) list: well below every driver's parameter limit
_MAX_MERGE_CHAIN = 32  # merges of merges: far more than a person makes; a cycle cannot hang us


class SyncBatches(StoreCore):
    """Write batches of classified emails, and tell which were already written."""

    def known_message_ids(self, mailbox_id: int, message_ids: Sequence[str]) -> set[str]:
        """Which of these Gmail message ids the mailbox has already recorded (for resuming)."""
        return self.recorded(mailbox_id, message_ids, ()).known_message_ids

    def recorded(
        self, mailbox_id: int, message_ids: Sequence[str], thread_ids: Sequence[str]
    ) -> Recorded:
        """In one read: which messages are recorded already, and which of these threads belong
        to an application (its status and company: the classifier's context)."""
        with self._db.session(read_only=True) as session:
            known: set[str] = set()
            for chunk in _chunks(message_ids):
                known.update(
                    session.scalars(
                        select(EmailRecord.gmail_message_id).where(
                            EmailRecord.mailbox_id == mailbox_id,
                            EmailRecord.gmail_message_id.in_(chunk),
                        )
                    )
                )
            threads: dict[str, ThreadApplication] = {}
            for chunk in _chunks(list(dict.fromkeys(thread_ids))):
                query = (
                    select(EmailRecord.thread_id, Application)
                    .join(Application, Application.id == EmailRecord.application_id)
                    .where(EmailRecord.mailbox_id == mailbox_id, EmailRecord.thread_id.in_(chunk))
                    .order_by(EmailRecord.id)
                )
                for thread_id, recorded_in in session.execute(query):
                    application = _surviving(session, recorded_in)
                    if application is None or thread_id in threads:
                        continue
                    threads[thread_id] = ThreadApplication(
                        application.id,
                        application.status,
                        self._cipher.decrypt_optional(application.company_enc),
                    )
            return Recorded(known, threads)

    def apply_sync_batch(
        self,
        mailbox_id: int,
        owner: str,
        emails: Sequence[IncomingEmail],
        *,
        new_cursor: int | None,
    ) -> BatchOutcome:
        """Write a batch of classified emails and move the cursor forward, in one transaction."""
        if new_cursor is not None:
            format_history_id(new_cursor)
        with self._db.session() as session:
            mailbox = session.scalars(
                select(Mailbox).where(Mailbox.id == mailbox_id).with_for_update()
            ).first()
            if mailbox is None:
                raise NotFound(f"There is no mailbox with id {mailbox_id}.")
            now = self._clock()  # after the row lock: waiting for it may have used up the lease
            check_lease(mailbox, owner, now)
            writer = BatchWriter(session, self._cipher, mailbox, now)
            for email in emails:
                writer.write(email)
            mailbox.last_sync_at = now
            # The row is locked, so the cursor read with it is current: it only moves forward.
            if new_cursor is not None and (mailbox.history_cursor or 0) < new_cursor:
                mailbox.history_cursor = new_cursor
            outcome = writer.outcome()
        logger.info(
            "sync batch written",
            extra={
                "mailbox_id": mailbox_id,
                "emails_new": outcome.emails_new,
                "events_written": outcome.events_written,
            },
        )
        return outcome


def _chunks(values: Sequence[str]) -> list[list[str]]:
    return [list(values[start : start + _IN_CHUNK]) for start in range(0, len(values), _IN_CHUNK)]


def _surviving(session: Session, application: Application) -> Application | None:
    """The application a thread's mail now belongs to: the one it was merged into (following
    merges of merges), or None when the person deleted it (its thread is no application's)."""
    current: Application | None = application
    for _ in range(_MAX_MERGE_CHAIN):
        if current is None or current.merged_into_id is None:
            break
        current = session.get(Application, current.merged_into_id)
    if current is None or current.deleted_at is not None or current.merged_into_id is not None:
        return None
    return current
