"""`Board`: what a user's pages read besides the applications: moves, integration, live marker."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from storage.core import StoreCore
from storage.enums import ReviewState, Status
from storage.models import Application, EmailRecord, Mailbox, StatusEvent, SyncRun
from storage.sync_runs import recent_runs
from storage.views import IntegrationView


class Board(StoreCore):
    """The figures around the user's applications: status moves, the integration, the live
    marker (the applications themselves are `storage.applications`)."""

    def status_moves(self, user_id: int) -> dict[tuple[Status | None, Status], int]:
        """How many applied status changes went from one status to another (None: a new one);
        an email that confirms the status an application already has is not a move."""
        moved = or_(
            StatusEvent.from_status.is_(None), StatusEvent.from_status != StatusEvent.to_status
        )
        query = (
            select(StatusEvent.from_status, StatusEvent.to_status, func.count())
            .join(Application, Application.id == StatusEvent.application_id)
            .where(Application.user_id == user_id, StatusEvent.applied.is_(True), moved)
            .group_by(StatusEvent.from_status, StatusEvent.to_status)
        )
        with self._db.session(read_only=True) as session:
            return {(source, target): count for source, target, count in session.execute(query)}

    def integration(self, user_id: int) -> IntegrationView | None:
        """The Integrations page's view of the user's Gmail connection, or None."""
        with self._db.session(read_only=True) as session:
            mailbox = session.scalars(select(Mailbox).where(Mailbox.user_id == user_id)).first()
            if mailbox is None:
                return None
            threads = session.scalar(
                select(func.count(func.distinct(EmailRecord.thread_id))).where(
                    EmailRecord.mailbox_id == mailbox.id
                )
            )
            return IntegrationView(
                mailbox_id=mailbox.id,
                email=self._cipher.decrypt(mailbox.gmail_address_enc),
                state=mailbox.state,
                tier=mailbox.tier,
                last_sync_at=mailbox.last_sync_at,
                threads_monitored=threads or 0,
                history_cursor=mailbox.history_cursor,
                watch_expiration=mailbox.watch_expiration,
                recent_runs=tuple(recent_runs(session, mailbox.id, 10)),
            )

    def change_marker(self, user_id: int) -> str:
        """A short string that changes whenever anything on the user's pages changes."""
        with self._db.session(read_only=True) as session:
            parts = _application_marks(session, user_id)
            mailbox = session.scalars(select(Mailbox).where(Mailbox.user_id == user_id)).first()
            if mailbox is not None:
                parts += _mailbox_marks(session, mailbox)
            return "|".join(str(part) for part in parts)


def _application_marks(session: Session, user_id: int) -> list[object]:
    """The user's application count, latest update and event count."""
    apps = session.execute(
        select(func.count(), func.max(Application.updated_at)).where(Application.user_id == user_id)
    ).one()
    events = session.scalar(
        select(func.count())
        .select_from(StatusEvent)
        .join(Application, Application.id == StatusEvent.application_id)
        .where(Application.user_id == user_id)
    )
    return [apps[0], apps[1], events]


def _mailbox_marks(session: Session, mailbox: Mailbox) -> list[object]:
    """The mailbox's state, last sync, run count, latest run end and pending reviews."""
    runs = session.execute(
        select(func.count(), func.max(SyncRun.finished_at)).where(SyncRun.mailbox_id == mailbox.id)
    ).one()
    reviews = session.scalar(
        select(func.count()).where(
            EmailRecord.mailbox_id == mailbox.id,
            EmailRecord.review_state == ReviewState.PENDING,
        )
    )
    return [mailbox.state.value, mailbox.last_sync_at, *runs, reviews]
