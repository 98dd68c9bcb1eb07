"""`SyncRuns`: the log of a mailbox's syncs (kind, progress, outcome) for the Integrations page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.core import StoreCore, get_mailbox
from storage.errors import NotFound
from storage.models import SyncRun
from storage.row_views import run_view
from storage.run_errors import run_error_reason
from storage.views import SyncRunView


class SyncRuns(StoreCore):
    """Start, advance, finish and list sync runs."""

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


def recent_runs(session: Session, mailbox_id: int, limit: int) -> list[SyncRunView]:
    """The mailbox's ``limit`` most recent sync runs, newest first, read in ``session``."""
    query = (
        select(SyncRun)
        .where(SyncRun.mailbox_id == mailbox_id)
        .order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
        .limit(limit)
    )
    return [run_view(run) for run in session.scalars(query)]


def _get_run(session: Session, run_id: int) -> SyncRun:
    run = session.get(SyncRun, run_id)
    if run is None:
        raise NotFound(f"There is no sync run with id {run_id}.")
    return run
