"""`SyncRuns`: the log of a mailbox's syncs (kind, progress, outcome) for the Integrations page,
and the state of the deeper historical scan a Premium account asks for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from storage.core import StoreCore, get_mailbox, locked_mailbox
from storage.enums import MailboxState
from storage.errors import ChangeConflict, NotFound
from storage.models import Mailbox, SyncRun
from storage.row_views import run_view
from storage.run_errors import run_error_reason
from storage.views import FinishedRun, SyncRunView

# A finished run in one INSERT on the session's connection: the ORM's unit of work cost more
# than the insert (a push-sync writes one of these).
_INSERT_FINISHED_RUN = insert(SyncRun).returning(SyncRun.id)


class DeepScanState(StrEnum):
    """Where a mailbox's deeper historical scan stands."""

    IDLE = "idle"  # never asked for
    RUNNING = "running"  # asked for: queued, being read, or left by a worker to resume
    FINISHED = "finished"


@dataclass(frozen=True)
class DeepScanView:
    """A mailbox's deeper historical scan: its window (``window_start`` to ``window_end``, fixed
    when the worker starts it), and how many of the window's messages are handled."""

    mailbox_id: int
    state: DeepScanState
    days: int | None = None
    requested_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    processed: int = 0
    total: int | None = None


class SyncRuns(StoreCore):
    """Start, advance, finish and list sync runs; request and advance a deeper scan."""

    def start_sync_run(
        self, mailbox_id: int, kind: str, *, started_at: datetime | None = None
    ) -> int:
        """Record that a sync of ``kind`` (push, poll, initial, resync, ...) started (now, unless
        ``started_at`` says when)."""
        with self._db.session() as session:
            get_mailbox(session, mailbox_id)
            run = SyncRun(
                mailbox_id=mailbox_id,
                kind=kind,
                status="running",
                started_at=started_at or self._clock(),
                messages_seen=0,
                events_written=0,
                processed=0,
            )
            session.add(run)
            session.flush()
            return run.id

    def record_sync_run(
        self,
        mailbox_id: int,
        kind: str,
        *,
        started_at: datetime,
        status: str,
        messages_seen: int,
        events_written: int,
        error: str | None = None,
    ) -> int:
        """Record a sync run that has already ended, in one INSERT: a short sync is over before
        anyone could watch its progress (``error`` as for `finish_sync_run`)."""
        run = FinishedRun(kind, started_at, status, messages_seen, events_written, error)
        with self._db.session() as session:
            return insert_finished_run(session, mailbox_id, run, finished_at=self._clock())

    def finish_sync_run(
        self,
        run_id: int,
        *,
        status: str,
        messages_seen: int,
        events_written: int,
        error: str | None = None,
    ) -> None:
        """Record how a sync run ended. ``error`` is kept as a plain sentence for people, or
        else shortened to a reason ("gmail 404 notFound"): never an id, URL, address or the
        error's own text (`run_error_reason`)."""
        with self._db.session() as session:
            run = _get_run(session, run_id)
            run.status = status
            run.messages_seen = messages_seen
            run.events_written = events_written
            run.error = run_error_reason(error)
            run.finished_at = self._clock()

    def update_sync_progress(self, run_id: int, *, processed: int, total: int | None) -> None:
        """Record how far a long sync (a backfill) has got."""
        with self._db.session() as session:
            run = _get_run(session, run_id)
            run.processed = processed
            run.total = total

    def sync_runs(self, mailbox_id: int, limit: int = 10) -> list[SyncRunView]:
        """The mailbox's most recent sync runs, newest first."""
        with self._db.session(read_only=True) as session:
            return recent_runs(session, mailbox_id, limit)

    def deep_scan(self, mailbox_id: int) -> DeepScanView:
        """The mailbox's deeper historical scan (idle when none was asked for)."""
        with self._db.session(read_only=True) as session:
            return _deep_scan_view(get_mailbox(session, mailbox_id))

    def request_deep_scan(self, mailbox_id: int, *, days: int) -> DeepScanView:
        """Ask for a scan of the last ``days`` days; raises `ChangeConflict` when the mailbox is
        not active or a scan is already running (checked on the locked row: two requests at
        once start one scan)."""
        with self._db.session() as session:
            mailbox = locked_mailbox(session, mailbox_id)
            if mailbox.state is not MailboxState.ACTIVE:
                raise ChangeConflict(
                    "mailbox", "Gmail is not connected, so there is nothing to scan; connect it."
                )
            if mailbox.deep_scan_state == DeepScanState.RUNNING:
                raise ChangeConflict(
                    "deep_scan",
                    f"A scan of {mailbox.deep_scan_days} days is already running; "
                    "wait until it has finished.",
                )
            now = self._clock()
            mailbox.deep_scan_state = DeepScanState.RUNNING.value
            mailbox.deep_scan_days = days
            mailbox.deep_scan_requested_at = now
            mailbox.deep_scan_after = now - timedelta(days=days)
            mailbox.deep_scan_before = None
            mailbox.deep_scan_started_at = mailbox.deep_scan_finished_at = None
            mailbox.deep_scan_processed = 0
            mailbox.deep_scan_total = None
            return _deep_scan_view(mailbox)

    def start_deep_scan(self, mailbox_id: int, *, read_days: int) -> DeepScanView:
        """Fix the running scan's window on its first start: it ends where the mail of the last
        ``read_days`` days (read by the first sync) begins, as of the request. A resumed scan
        keeps its window."""
        with self._db.session() as session:
            mailbox = locked_mailbox(session, mailbox_id)
            requested = mailbox.deep_scan_requested_at
            after = mailbox.deep_scan_after
            if mailbox.deep_scan_state != DeepScanState.RUNNING or not requested or not after:
                return _deep_scan_view(mailbox)
            if mailbox.deep_scan_before is None:
                mailbox.deep_scan_before = max(after, requested - timedelta(days=read_days))
            if mailbox.deep_scan_started_at is None:
                mailbox.deep_scan_started_at = self._clock()
            return _deep_scan_view(mailbox)

    def record_deep_scan_progress(
        self, mailbox_id: int, *, processed: int, total: int, finished: bool = False
    ) -> None:
        """Record how many of the scan's ``total`` messages are handled; ``finished`` ends it."""
        with self._db.session() as session:
            mailbox = get_mailbox(session, mailbox_id)
            if mailbox.deep_scan_state != DeepScanState.RUNNING:
                return
            mailbox.deep_scan_processed = processed
            mailbox.deep_scan_total = total
            if finished:
                mailbox.deep_scan_state = DeepScanState.FINISHED.value
                mailbox.deep_scan_finished_at = self._clock()

    def deep_scans_to_resume(self) -> list[int]:
        """Active mailboxes with a running scan and no live lease: nobody is reading it (it was
        never started, its message was lost, or its worker died)."""
        now = self._clock()
        query = (
            select(Mailbox.id)
            .where(
                Mailbox.state == MailboxState.ACTIVE,
                Mailbox.deep_scan_state == DeepScanState.RUNNING.value,
                Mailbox.lease_owner.is_(None)
                | Mailbox.lease_expires_at.is_(None)
                | (Mailbox.lease_expires_at <= now),
            )
            .order_by(Mailbox.id)
        )
        with self._db.session(read_only=True) as session:
            return list(session.scalars(query))


def insert_finished_run(
    session: Session, mailbox_id: int, run: FinishedRun, *, finished_at: datetime
) -> int:
    """Write ``run`` in one INSERT on the session's connection; returns its row's id."""
    values = {
        "mailbox_id": mailbox_id,
        "kind": run.kind,
        "status": run.status,
        "started_at": run.started_at,
        "finished_at": finished_at,
        "messages_seen": run.messages_seen,
        "events_written": run.events_written,
        "processed": 0,
        "total": None,
        "error": run_error_reason(run.error),
    }
    return int(session.connection().execute(_INSERT_FINISHED_RUN, values).scalar_one())


def recent_runs(session: Session, mailbox_id: int, limit: int) -> list[SyncRunView]:
    """The mailbox's ``limit`` most recent sync runs, newest first, read in ``session``."""
    query = (
        select(SyncRun)
        .where(SyncRun.mailbox_id == mailbox_id)
        .order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
        .limit(limit)
    )
    return [run_view(run) for run in session.scalars(query)]


def _deep_scan_view(mailbox: Mailbox) -> DeepScanView:
    if mailbox.deep_scan_state is None:
        return DeepScanView(mailbox.id, DeepScanState.IDLE)
    return DeepScanView(
        mailbox_id=mailbox.id,
        state=DeepScanState(mailbox.deep_scan_state),
        days=mailbox.deep_scan_days,
        requested_at=mailbox.deep_scan_requested_at,
        started_at=mailbox.deep_scan_started_at,
        finished_at=mailbox.deep_scan_finished_at,
        window_start=mailbox.deep_scan_after,
        window_end=mailbox.deep_scan_before,
        processed=mailbox.deep_scan_processed,
        total=mailbox.deep_scan_total,
    )


def _get_run(session: Session, run_id: int) -> SyncRun:
    run = session.get(SyncRun, run_id)
    if run is None:
        raise NotFound(f"There is no sync run with id {run_id}.")
    return run
