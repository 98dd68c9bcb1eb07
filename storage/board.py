"""`Board`: what a user's pages read: applications, their logs, counts, moves, the live marker."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from storage.core import StoreCore
from storage.enums import EventCause, ReviewState, Status, Tracking
from storage.errors import NotFound
from storage.models import Application, EmailRecord, Mailbox, StatusEvent, SyncRun
from storage.row_views import application_view, event_view
from storage.sync_runs import recent_runs
from storage.views import ApplicationDetail, ApplicationView, EventView, IntegrationView


class Board(StoreCore):
    """The user's applications and the figures around them; plus manual status changes."""

    def applications(self, user_id: int) -> list[ApplicationView]:
        """The user's applications, most recently updated first."""
        with self._db.session(read_only=True) as session:
            query = (
                select(Application)
                .where(Application.user_id == user_id)
                .order_by(Application.updated_at.desc(), Application.id.desc())
            )
            return [application_view(self._cipher, row) for row in session.scalars(query)]

    def application(self, user_id: int, application_id: int) -> ApplicationDetail | None:
        """One of the user's applications with its activity log, or None."""
        with self._db.session(read_only=True) as session:
            row = session.get(Application, application_id)
            if row is None or row.user_id != user_id:
                return None
            view = application_view(self._cipher, row)
            return ApplicationDetail(
                id=view.id,
                company=view.company,
                role=view.role,
                status=view.status,
                updated_at=view.updated_at,
                tracking=Tracking.MANUAL if row.manual_override else Tracking.AUTOMATIC,
                events=tuple(self._events(session, application_id)),
            )

    def set_status_manually(self, user_id: int, application_id: int, status: Status) -> None:
        """A person's status change: applied at once, logged as manual, and it sticks."""
        target = Status(status)
        now = self._clock()
        with self._db.session() as session:
            row = session.get(Application, application_id)
            if row is None or row.user_id != user_id:
                raise NotFound(f"The user {user_id} has no application with id {application_id}.")
            session.add(
                StatusEvent(
                    application_id=row.id,
                    email_record_id=None,
                    from_status=row.status,
                    to_status=target,
                    cause=EventCause.MANUAL,
                    applied=True,
                    created_at=now,
                )
            )
            row.status = target
            row.manual_override = True
            row.updated_at = now

    def status_counts(self, user_id: int) -> dict[Status, int]:
        """How many of the user's applications are in each status (every status is a key)."""
        counts = dict.fromkeys(Status, 0)
        with self._db.session(read_only=True) as session:
            query = (
                select(Application.status, func.count())
                .where(Application.user_id == user_id)
                .group_by(Application.status)
            )
            for status, count in session.execute(query):
                counts[status] = count
        return counts

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

    def _events(self, session: Session, application_id: int) -> list[EventView]:
        query = (
            select(StatusEvent, EmailRecord)
            .outerjoin(EmailRecord, EmailRecord.id == StatusEvent.email_record_id)
            .where(StatusEvent.application_id == application_id)
            .order_by(StatusEvent.created_at, StatusEvent.id)
        )
        return [event_view(self._cipher, event, record) for event, record in session.execute(query)]


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
