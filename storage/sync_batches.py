"""`SyncBatches`: the write path: classified emails in, cursor forward, under the lease."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import select

from storage.column_types import format_history_id
from storage.core import StoreCore
from storage.errors import NotFound
from storage.leases import check_lease
from storage.models import EmailRecord, Mailbox
from storage.sync_writer import BatchWriter
from storage.views import BatchOutcome, IncomingEmail

logger = logging.getLogger(__name__)

_IN_CHUNK = 500  # ids per IN (...) list: well below every driver's parameter limit


class SyncBatches(StoreCore):
    """Write batches of classified emails, and tell which were already written."""

    def known_message_ids(self, mailbox_id: int, message_ids: Sequence[str]) -> set[str]:
        """Which of these Gmail message ids the mailbox has already recorded (for resuming)."""
        known: set[str] = set()
        with self._db.session(read_only=True) as session:
            for start in range(0, len(message_ids), _IN_CHUNK):
                chunk = list(message_ids[start : start + _IN_CHUNK])
                rows = session.scalars(
                    select(EmailRecord.gmail_message_id).where(
                        EmailRecord.mailbox_id == mailbox_id,
                        EmailRecord.gmail_message_id.in_(chunk),
                    )
                )
                known.update(rows)
        return known

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
