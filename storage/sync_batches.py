"""`SyncBatches`: the write path: classified emails in, cursor forward, under the lease."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence

from sqlalchemy import case, literal, select, update
from sqlalchemy.orm import Session

from storage.column_types import HistoryIdText, format_history_id
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
        """In one query (per few hundred ids): which messages are recorded already, and which of
        these threads belong to an application (its status and company: the classifier's
        context)."""
        id_chunks = _chunks(list(message_ids))
        thread_chunks = _chunks(list(dict.fromkeys(thread_ids)))
        known: set[str] = set()
        threads: dict[str, ThreadApplication] = {}
        ids: list[str]
        thread_chunk: list[str]
        with self._db.session(read_only=True) as session:
            for ids, thread_chunk in itertools.zip_longest(id_chunks, thread_chunks, fillvalue=[]):
                in_threads = set(thread_chunk)
                query = (
                    select(EmailRecord.gmail_message_id, EmailRecord.thread_id, Application)
                    .outerjoin(Application, Application.id == EmailRecord.application_id)
                    .where(
                        EmailRecord.mailbox_id == mailbox_id,
                        EmailRecord.gmail_message_id.in_(ids)
                        | (
                            EmailRecord.thread_id.in_(thread_chunk)
                            & EmailRecord.application_id.is_not(None)
                        ),
                    )
                    .order_by(EmailRecord.id)
                )
                for message_id, thread_id, recorded_in in session.execute(query):
                    known.add(message_id)
                    if recorded_in is None or thread_id not in in_threads or thread_id in threads:
                        continue
                    application = _surviving(session, recorded_in)
                    if application is not None:
                        threads[thread_id] = ThreadApplication(
                            application.id,
                            application.status,
                            self._cipher.decrypt_optional(application.company_enc),
                        )
        return Recorded(known & set(message_ids), threads)

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
            mailbox = self._mark_synced(session, mailbox_id, new_cursor)
            now = self._clock()  # after the row lock: waiting for it may have used up the lease
            check_lease(mailbox, owner, now)
            writer = BatchWriter(session, self._cipher, mailbox, now)
            for email in emails:
                writer.write(email)
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

    def _mark_synced(self, session: Session, mailbox_id: int, new_cursor: int | None) -> Mailbox:
        """Lock the mailbox row, stamp the sync and move the cursor forward to ``new_cursor``,
        in the statement that reads the row: the batch's rows are written under this lock, and
        the whole transaction (this too) rolls back when the lease turns out lost."""
        values: dict[str, object] = {"last_sync_at": self._clock()}
        if new_cursor is not None:
            cursor = Mailbox.history_cursor
            # Compared in the database as zero-padded text, which compares the numbers; the
            # row is locked by this UPDATE, so the cursor only moves forward.
            moved = literal(new_cursor, HistoryIdText())
            values["history_cursor"] = case(
                (cursor.is_(None) | (cursor < moved), moved), else_=cursor
            )
        mailbox = session.scalars(
            update(Mailbox)
            .where(Mailbox.id == mailbox_id)
            .values(values)
            .returning(Mailbox)
            .execution_options(synchronize_session=False)
        ).first()
        if mailbox is None:
            raise NotFound(f"There is no mailbox with id {mailbox_id}.")
        return mailbox


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
