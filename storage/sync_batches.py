"""`SyncBatches`: the write path: classified emails in, cursor forward, under the lease."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy import bindparam, case, select, update
from sqlalchemy.orm import Session

from storage.column_types import HistoryIdText, UTCDateTime, format_history_id
from storage.core import StoreCore
from storage.errors import NotFound
from storage.filter_rules import premium_rule_specs
from storage.leases import LeaseGrant, check_lease, check_lease_arguments, finish_pass
from storage.models import Application, EmailRecord, Mailbox
from storage.row_views import MailboxRow
from storage.sync_runs import insert_finished_run
from storage.sync_writer import BatchWriter
from storage.views import BatchOutcome, FinishedRun, IncomingEmail, Recorded, ThreadApplication

logger = logging.getLogger(__name__)

_IN_CHUNK = 500  # ids per IN (...) list: well below every driver's parameter limit
_MAX_MERGE_CHAIN = 32  # merges of merges: far more than a person makes; a cycle cannot hang us


# Built once, the values as parameters (see `storage.leases`). The row is locked by this UPDATE,
# and the cursor, zero-padded text compared as the numbers, only moves forward; it returns the
# columns the batch is checked and written with, not a whole `Mailbox`.
_STAMP_SYNC = (
    update(Mailbox)
    .where(Mailbox.id == bindparam("mailbox_id"))
    .values(last_sync_at=bindparam("now", type_=UTCDateTime()))
    .returning(Mailbox.id, Mailbox.user_id, Mailbox.lease_owner, Mailbox.lease_expires_at)
)
_moved = bindparam("cursor", type_=HistoryIdText())
_STAMP_SYNC_AND_MOVE_CURSOR = _STAMP_SYNC.values(
    history_cursor=case(
        (Mailbox.history_cursor.is_(None) | (Mailbox.history_cursor < _moved), _moved),
        else_=Mailbox.history_cursor,
    )
)


# Recorded messages among ``ids``, and the recorded mail of ``threads`` that joined an
# application (with it), oldest first.
_RECORDED = (
    select(EmailRecord.gmail_message_id, EmailRecord.thread_id, Application)
    .outerjoin(Application, Application.id == EmailRecord.application_id)
    .where(
        EmailRecord.mailbox_id == bindparam("mailbox_id"),
        EmailRecord.gmail_message_id.in_(bindparam("ids", expanding=True))
        | (
            EmailRecord.thread_id.in_(bindparam("threads", expanding=True))
            & EmailRecord.application_id.is_not(None)
        ),
    )
    .order_by(EmailRecord.id)
)


@dataclass(frozen=True)
class PassEnd:
    """What `SyncBatches.end_sync_pass` wrote with a pass's last batch."""

    outcome: BatchOutcome
    run_id: int  # the finished run's row
    next_pass: LeaseGrant | None  # the lease kept for one more pass; None: released (or lost)


class SyncBatches(StoreCore):
    """Write batches of classified emails, and tell which were already written."""

    def known_message_ids(self, mailbox_id: int, message_ids: Sequence[str]) -> set[str]:
        """Which of these Gmail message ids the mailbox has already recorded (for resuming)."""
        return self.recorded(mailbox_id, message_ids, ()).known_message_ids

    def recorded(
        self,
        mailbox_id: int,
        message_ids: Sequence[str],
        thread_ids: Sequence[str],
        *,
        rules_of: int | None = None,
    ) -> Recorded:
        """In one query (per few hundred ids): which messages are recorded already, and which of
        these threads belong to an application (its status and company: the classifier's
        context). With ``rules_of`` (the mailbox's account), the rules the sync runs on its new
        mail, in order, read in the same session: none on the Free plan (Advanced Filters are
        Premium; the rules are kept for a return to Premium)."""
        id_chunks = _chunks(list(message_ids))
        thread_chunks = _chunks(list(dict.fromkeys(thread_ids)))
        known: set[str] = set()
        threads: dict[str, ThreadApplication] = {}
        ids: list[str]
        thread_chunk: list[str]
        with self._db.session(read_only=True) as session:
            for ids, thread_chunk in itertools.zip_longest(id_chunks, thread_chunks, fillvalue=[]):
                in_threads = set(thread_chunk)
                parameters = {"mailbox_id": mailbox_id, "ids": ids, "threads": thread_chunk}
                for message_id, thread_id, recorded_in in session.execute(_RECORDED, parameters):
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
            rules = () if rules_of is None else premium_rule_specs(session, self._cipher, rules_of)
        return Recorded(known & set(message_ids), threads, tuple(rules))

    def apply_sync_batch(
        self,
        mailbox_id: int,
        owner: str,
        emails: Sequence[IncomingEmail],
        *,
        new_cursor: int | None,
    ) -> BatchOutcome:
        """Write a batch of classified emails and move the cursor forward, in one transaction."""
        with self._db.session() as session:
            outcome = self._write_batch(session, mailbox_id, owner, emails, new_cursor)
        _log_batch(mailbox_id, outcome)
        return outcome

    def end_sync_pass(
        self,
        mailbox_id: int,
        owner: str,
        emails: Sequence[IncomingEmail],
        *,
        new_cursor: int,
        run: FinishedRun,
        wanted_seen: int | None,
        ttl_seconds: float,
        quota_spends: Sequence[tuple[float, int]] = (),
    ) -> PassEnd:
        """A pass's last batch and what `record_sync_run` and `finish_sync_pass` would write
        after it, in one transaction: the emails and the cursor (as `apply_sync_batch`), the
        finished ``run`` (its ``events_written`` counts the earlier batches; this one's are
        added), and the lease released unless something newer is wanted."""
        check_lease_arguments(owner, ttl_seconds)
        with self._db.session() as session:
            outcome = self._write_batch(session, mailbox_id, owner, emails, new_cursor)
            events = run.events_written + outcome.events_written
            finished = replace(run, events_written=events)
            now = self._clock()
            run_id = insert_finished_run(session, mailbox_id, finished, finished_at=now)
            next_pass = finish_pass(
                session,
                self._cipher,
                mailbox_id,
                owner,
                wanted_seen=wanted_seen,
                expires_at=now + timedelta(seconds=ttl_seconds),
                quota_spends=quota_spends,
            )
        _log_batch(mailbox_id, outcome)
        return PassEnd(outcome, run_id, next_pass)

    def _write_batch(
        self,
        session: Session,
        mailbox_id: int,
        owner: str,
        emails: Sequence[IncomingEmail],
        new_cursor: int | None,
    ) -> BatchOutcome:
        if new_cursor is not None:
            format_history_id(new_cursor)
        mailbox = self._mark_synced(session, mailbox_id, new_cursor)
        now = self._clock()  # after the row lock: waiting for it may have used up the lease
        check_lease(mailbox, owner, now)
        writer = BatchWriter(session, self._cipher, mailbox, now)
        for email in emails:
            writer.write(email)
        return writer.outcome()

    def _mark_synced(self, session: Session, mailbox_id: int, new_cursor: int | None) -> MailboxRow:
        """Lock the mailbox row, stamp the sync and move the cursor forward to ``new_cursor``,
        in the statement that reads the row: the batch's rows are written under this lock, and
        the whole transaction (this too) rolls back when the lease turns out lost."""
        parameters = {"mailbox_id": mailbox_id, "now": self._clock(), "cursor": new_cursor}
        statement = _STAMP_SYNC if new_cursor is None else _STAMP_SYNC_AND_MOVE_CURSOR
        row = session.connection().execute(statement, parameters).first()
        if row is None:
            raise NotFound(f"There is no mailbox with id {mailbox_id}.")
        return row


def _log_batch(mailbox_id: int, outcome: BatchOutcome) -> None:
    logger.info(
        "sync batch written",
        extra={
            "mailbox_id": mailbox_id,
            "emails_new": outcome.emails_new,
            "events_written": outcome.events_written,
        },
    )


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
