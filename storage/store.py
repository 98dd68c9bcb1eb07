"""`Store`: the data-access API every other package uses. Each method is one transaction."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.column_types import format_history_id
from storage.crypto import FieldCipher
from storage.database import Database
from storage.enums import EventCause, MailboxState, ReviewState, Status, Tier
from storage.errors import LeaseLost, MailboxConflict, NotFound, StorageError
from storage.models import (
    Application,
    EmailRecord,
    Mailbox,
    StatusEvent,
    SyncRun,
    User,
    utc_now,
)
from storage.rotation import reencrypt_fields
from storage.sync_writer import BatchWriter
from storage.views import (
    ApplicationDetail,
    ApplicationView,
    BatchOutcome,
    EmailRef,
    EventView,
    IncomingEmail,
    IntegrationView,
    LeasedMailbox,
    MailboxView,
    ReviewEmailView,
    SyncRunView,
    UserView,
)

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]


class Store:
    """Reads and writes ApplyTrack's data; encrypted fields go in and come out as plaintext."""

    def __init__(self, database: Database, cipher: FieldCipher, *, clock: Clock = utc_now) -> None:
        self._db = database
        self._cipher = cipher
        self._clock = clock

    @property
    def database(self) -> Database:
        """The database this store reads and writes (``store.database.upgrade()`` migrates it)."""
        return self._db

    # Users -------------------------------------------------------------------------------------

    def create_user(
        self, email: str, *, display_name: str | None = None, password_hash: str | None = None
    ) -> int:
        """Create an account and return its id (raises `StorageError` if the email is taken)."""
        address = _normalise_address(email, "user email")
        try:
            with self._db.session() as session:
                user = User(
                    email=address,
                    display_name=display_name,
                    password_hash=password_hash,
                    created_at=self._clock(),
                )
                session.add(user)
                session.flush()
                return user.id
        except IntegrityError:
            raise StorageError(
                f"An account with the email {address} already exists; sign in instead."
            ) from None

    def user_by_email(self, email: str) -> UserView | None:
        """The account with this email, or None."""
        with self._db.session(read_only=True) as session:
            user = session.scalars(select(User).where(User.email == _address_key(email))).first()
            return None if user is None else _user_view(user)

    # Mailboxes ---------------------------------------------------------------------------------

    def connect_mailbox(
        self, user_id: int, gmail_address: str, *, tier: Tier, refresh_token: str | None
    ) -> int:
        """Connect (or reconnect) the user's Gmail mailbox and return its id."""
        address = _normalise_address(gmail_address, "Gmail address")
        try:
            with self._db.session() as session:
                if session.get(User, user_id) is None:
                    raise NotFound(f"There is no user with id {user_id}.")
                mailbox = self._mailbox_to_connect(session, user_id, address)
                if mailbox is None:
                    mailbox = Mailbox(
                        user_id=user_id,
                        gmail_address=address,
                        state=MailboxState.ACTIVE,
                        tier=Tier(tier),
                        created_at=self._clock(),
                    )
                    session.add(mailbox)
                mailbox.tier = Tier(tier)
                mailbox.state = MailboxState.ACTIVE
                if refresh_token is not None:
                    mailbox.refresh_token_enc = self._cipher.encrypt(refresh_token)
                session.flush()
                return mailbox.id
        except IntegrityError:
            raise MailboxConflict(
                f"{address} or this account was connected by someone else at the same moment; "
                "reload the Integrations page and try again."
            ) from None

    def _mailbox_to_connect(self, session: Session, user_id: int, address: str) -> Mailbox | None:
        by_address = session.scalars(
            select(Mailbox).where(Mailbox.gmail_address == address)
        ).first()
        if by_address is not None and by_address.user_id != user_id:
            raise MailboxConflict(
                f"The Gmail address {address} is already connected to another ApplyTrack account; "
                "disconnect it there first."
            )
        by_user = session.scalars(select(Mailbox).where(Mailbox.user_id == user_id)).first()
        if by_user is not None and by_user.gmail_address != address:
            raise MailboxConflict(
                f"This account already has {by_user.gmail_address} connected; only one Gmail "
                f"account per ApplyTrack account is supported, so {address} was not connected."
            )
        return by_user

    def mailbox(self, mailbox_id: int) -> MailboxView:
        """The mailbox with this id (raises `NotFound`)."""
        with self._db.session(read_only=True) as session:
            return _mailbox_view(_get_mailbox(session, mailbox_id))

    def mailbox_by_address(self, address: str) -> MailboxView | None:
        """The mailbox connected for this Gmail address, or None."""
        with self._db.session(read_only=True) as session:
            query = select(Mailbox).where(Mailbox.gmail_address == _address_key(address))
            mailbox = session.scalars(query).first()
            return None if mailbox is None else _mailbox_view(mailbox)

    def mailbox_for_user(self, user_id: int) -> MailboxView | None:
        """The user's mailbox, or None when none was connected."""
        with self._db.session(read_only=True) as session:
            mailbox = session.scalars(select(Mailbox).where(Mailbox.user_id == user_id)).first()
            return None if mailbox is None else _mailbox_view(mailbox)

    def mailboxes(self) -> list[MailboxView]:
        """Every mailbox, oldest first."""
        with self._db.session(read_only=True) as session:
            rows = session.scalars(select(Mailbox).order_by(Mailbox.id))
            return [_mailbox_view(mailbox) for mailbox in rows]

    def refresh_token(self, mailbox_id: int) -> str | None:
        """The mailbox's decrypted OAuth refresh token, or None."""
        with self._db.session(read_only=True) as session:
            mailbox = _get_mailbox(session, mailbox_id)
            return self._cipher.decrypt_optional(mailbox.refresh_token_enc)

    def set_refresh_token(self, mailbox_id: int, token: str | None) -> None:
        """Replace (or, with None, forget) the mailbox's refresh token."""
        with self._db.session() as session:
            mailbox = _get_mailbox(session, mailbox_id)
            mailbox.refresh_token_enc = self._cipher.encrypt_optional(token)

    def set_mailbox_state(self, mailbox_id: int, state: MailboxState) -> None:
        """Mark the mailbox active, reconnect-needed or disconnected."""
        with self._db.session() as session:
            _get_mailbox(session, mailbox_id).state = MailboxState(state)

    def record_watch(self, mailbox_id: int, *, history_id: int, expiration: datetime) -> None:
        """Store a watch's expiration; its history id becomes the cursor only if there is none."""
        format_history_id(history_id)
        with self._db.session() as session:
            mailbox = _get_mailbox(session, mailbox_id)
            mailbox.watch_expiration = expiration
            session.flush()
            session.execute(
                update(Mailbox)
                .where(Mailbox.id == mailbox_id, Mailbox.history_cursor.is_(None))
                .values(history_cursor=history_id)
                .execution_options(synchronize_session=False)
            )

    def record_push(self, mailbox_id: int, *, at: datetime | None = None) -> None:
        """Remember when Gmail last pushed a notification for the mailbox."""
        with self._db.session() as session:
            _get_mailbox(session, mailbox_id).last_push_at = at or self._clock()

    # Leases ------------------------------------------------------------------------------------

    def acquire_lease(self, mailbox_id: int, owner: str, *, ttl_seconds: float) -> bool:
        """Take or extend the mailbox's lease if it is free, expired or already ``owner``'s."""
        with self._db.session() as session:
            return self._take_lease(session, mailbox_id, owner, ttl_seconds) is not None

    def lease_mailbox(
        self,
        mailbox_id: int,
        owner: str,
        *,
        ttl_seconds: float,
        history_after: int | None = None,
    ) -> LeasedMailbox | None:
        """Take the lease as `acquire_lease` does, but only of an active mailbox, and read the
        mailbox and its refresh token under it, in one transaction.

        With ``history_after``, only a mailbox whose cursor is below it (or unset) is leased.
        None: not leased (another owner holds it, the mailbox is not active, or its cursor has
        reached ``history_after``); `Store.mailbox` tells which.
        """
        conditions = [Mailbox.state == MailboxState.ACTIVE]
        if history_after is not None:
            conditions.append(
                Mailbox.history_cursor.is_(None) | (Mailbox.history_cursor < history_after)
            )
        with self._db.session() as session:
            mailbox = self._take_lease(session, mailbox_id, owner, ttl_seconds, *conditions)
            if mailbox is None:
                return None
            token = self._cipher.decrypt_optional(mailbox.refresh_token_enc)
            spends = _quota_spends(mailbox_id, mailbox.quota_window)
            return LeasedMailbox(_mailbox_view(mailbox), token, spends)

    def _take_lease(
        self,
        session: Session,
        mailbox_id: int,
        owner: str,
        ttl_seconds: float,
        *conditions: ColumnElement[bool],
    ) -> Mailbox | None:
        """The mailbox as leased (read by the same statement), or None when not taken."""
        if not owner:
            raise ValueError("A lease owner must be a non-empty string naming the worker.")
        if ttl_seconds <= 0:
            raise ValueError(f"ttl_seconds must be positive (got {ttl_seconds}).")
        now = self._clock()
        leased = session.scalars(
            update(Mailbox)
            .where(
                Mailbox.id == mailbox_id,
                (Mailbox.lease_owner.is_(None))
                | (Mailbox.lease_owner == owner)
                | (Mailbox.lease_expires_at.is_(None))
                | (Mailbox.lease_expires_at <= now),
                *conditions,
            )
            .values(lease_owner=owner, lease_expires_at=now + timedelta(seconds=ttl_seconds))
            .returning(Mailbox)
            .execution_options(synchronize_session=False)
        ).first()
        if leased is None:
            _get_mailbox(session, mailbox_id)  # raises NotFound for an unknown id
        return leased

    def release_lease(
        self,
        mailbox_id: int,
        owner: str,
        *,
        quota_spends: Sequence[tuple[float, int]] | None = None,
    ) -> None:
        """Give the lease back, if ``owner`` still holds it, with the Gmail quota it spent that
        the next holder must still count (``quota_spends``: seconds since the epoch, units)."""
        values: dict[str, object] = {"lease_owner": None, "lease_expires_at": None}
        if quota_spends is not None:
            values["quota_window"] = json.dumps([[moment, units] for moment, units in quota_spends])
        with self._db.session() as session:
            session.execute(
                update(Mailbox)
                .where(Mailbox.id == mailbox_id, Mailbox.lease_owner == owner)
                .values(values)
                .execution_options(synchronize_session=False)
            )

    def known_message_ids(self, mailbox_id: int, message_ids: Sequence[str]) -> set[str]:
        """Which of these Gmail message ids the mailbox has already recorded (for resuming)."""
        known: set[str] = set()
        with self._db.session(read_only=True) as session:
            for start in range(0, len(message_ids), 500):
                chunk = list(message_ids[start : start + 500])
                rows = session.scalars(
                    select(EmailRecord.gmail_message_id).where(
                        EmailRecord.mailbox_id == mailbox_id,
                        EmailRecord.gmail_message_id.in_(chunk),
                    )
                )
                known.update(rows)
        return known

    # The write path ----------------------------------------------------------------------------

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
            _check_lease(mailbox, owner, now)
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

    def rotate_encryption(self, *, batch_size: int = 500) -> int:
        """Re-encrypt fields written with older keys under the active key; return the count."""
        return reencrypt_fields(self._db, self._cipher, batch_size=batch_size)

    # Sync runs ---------------------------------------------------------------------------------

    def start_sync_run(
        self, mailbox_id: int, kind: str, *, started_at: datetime | None = None
    ) -> int:
        """Record that a sync of ``kind`` (push, poll, initial, resync, ...) started (now, unless
        ``started_at`` says when)."""
        with self._db.session() as session:
            _get_mailbox(session, mailbox_id)
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
        """Record how a sync run ended."""
        with self._db.session() as session:
            run = _get_run(session, run_id)
            run.status = status
            run.messages_seen = messages_seen
            run.events_written = events_written
            run.error = error
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
            return _recent_runs(session, mailbox_id, limit)

    # Applications ------------------------------------------------------------------------------

    def applications(self, user_id: int) -> list[ApplicationView]:
        """The user's applications, most recently updated first."""
        with self._db.session(read_only=True) as session:
            query = (
                select(Application)
                .where(Application.user_id == user_id)
                .order_by(Application.updated_at.desc(), Application.id.desc())
            )
            return [self._application_view(row) for row in session.scalars(query)]

    def application(self, user_id: int, application_id: int) -> ApplicationDetail | None:
        """One of the user's applications with its activity log, or None."""
        with self._db.session(read_only=True) as session:
            row = session.get(Application, application_id)
            if row is None or row.user_id != user_id:
                return None
            view = self._application_view(row)
            return ApplicationDetail(
                id=view.id,
                company=view.company,
                role=view.role,
                status=view.status,
                updated_at=view.updated_at,
                manual_override=row.manual_override,
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

    def emails_for_review(self, user_id: int) -> list[ReviewEmailView]:
        """The user's emails recorded as needing review, newest first."""
        with self._db.session(read_only=True) as session:
            query = (
                select(EmailRecord)
                .join(Mailbox, Mailbox.id == EmailRecord.mailbox_id)
                .where(
                    Mailbox.user_id == user_id,
                    EmailRecord.review_state == ReviewState.PENDING,
                )
                .order_by(EmailRecord.email_date.desc(), EmailRecord.id.desc())
            )
            return [self._review_view(record) for record in session.scalars(query)]

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
                email=mailbox.gmail_address,
                state=mailbox.state,
                tier=mailbox.tier,
                last_sync_at=mailbox.last_sync_at,
                threads_monitored=threads or 0,
                history_cursor=mailbox.history_cursor,
                watch_expiration=mailbox.watch_expiration,
                recent_runs=tuple(_recent_runs(session, mailbox.id, 10)),
            )

    # Accounts, review decisions and the dashboard's live marker (issue 4) ------------------------

    def user(self, user_id: int) -> UserView | None:
        """The account with this id, or None."""
        with self._db.session(read_only=True) as session:
            user = session.get(User, user_id)
            return None if user is None else _user_view(user)

    def disconnect_mailbox(self, mailbox_id: int) -> None:
        """Forget the mailbox's token and mark it disconnected; its applications stay."""
        with self._db.session() as session:
            mailbox = _get_mailbox(session, mailbox_id)
            mailbox.refresh_token_enc = None
            mailbox.state = MailboxState.DISCONNECTED
            mailbox.watch_expiration = None

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
            query = (
                select(EmailRecord)
                .join(Mailbox, Mailbox.id == EmailRecord.mailbox_id)
                .where(
                    Mailbox.user_id == user_id,
                    EmailRecord.review_state == ReviewState.PENDING,
                    EmailRecord.thread_id.in_(threads),
                )
                .order_by(EmailRecord.email_date.desc(), EmailRecord.id.desc())
            )
            return [self._review_view(record) for record in session.scalars(query)]

    def accept_review(self, user_id: int, email_id: int) -> int | None:
        """Accept a flagged email's label: apply it like any email; return its application id."""
        with self._db.session() as session:
            record, mailbox = self._pending_review(session, user_id, email_id)
            record.review_state = ReviewState.ACCEPTED
            email = IncomingEmail(
                gmail_message_id=record.gmail_message_id,
                thread_id=record.thread_id,
                rfc822_message_id=None,
                sender=self._cipher.decrypt(record.sender_enc),
                subject=self._cipher.decrypt(record.subject_enc),
                date=record.email_date,
                label=record.label,
                confidence=record.confidence,
                company=self._cipher.decrypt_optional(record.company_enc),
                role=self._cipher.decrypt_optional(record.role_enc),
            )
            writer = BatchWriter(session, self._cipher, mailbox, self._clock())
            return writer.apply_reviewed(record, email)

    def dismiss_review(self, user_id: int, email_id: int) -> None:
        """Decide that a flagged email changes nothing; it stays recorded."""
        with self._db.session() as session:
            record, _ = self._pending_review(session, user_id, email_id)
            record.review_state = ReviewState.DISMISSED

    def _pending_review(
        self, session: Session, user_id: int, email_id: int
    ) -> tuple[EmailRecord, Mailbox]:
        record = session.get(EmailRecord, email_id)
        mailbox = None if record is None else session.get(Mailbox, record.mailbox_id)
        if record is None or mailbox is None or mailbox.user_id != user_id:
            raise NotFound(f"You have no email with id {email_id} waiting for review.")
        if record.review_state is not ReviewState.PENDING:
            raise NotFound(f"The email with id {email_id} was already reviewed.")
        return record, mailbox

    def change_marker(self, user_id: int) -> str:
        """A short string that changes whenever anything on the user's pages changes."""
        with self._db.session(read_only=True) as session:
            apps = session.execute(
                select(func.count(), func.max(Application.updated_at)).where(
                    Application.user_id == user_id
                )
            ).one()
            events = session.scalar(
                select(func.count())
                .select_from(StatusEvent)
                .join(Application, Application.id == StatusEvent.application_id)
                .where(Application.user_id == user_id)
            )
            mailbox = session.scalars(select(Mailbox).where(Mailbox.user_id == user_id)).first()
            parts: list[object] = [apps[0], apps[1], events]
            if mailbox is not None:
                runs = session.execute(
                    select(func.count(), func.max(SyncRun.finished_at)).where(
                        SyncRun.mailbox_id == mailbox.id
                    )
                ).one()
                reviews = session.scalar(
                    select(func.count()).where(
                        EmailRecord.mailbox_id == mailbox.id,
                        EmailRecord.review_state == ReviewState.PENDING,
                    )
                )
                parts += [mailbox.state.value, mailbox.last_sync_at, *runs, reviews]
            return "|".join(str(part) for part in parts)

    # Views -------------------------------------------------------------------------------------

    def _reasons(self, reasons_enc: str) -> tuple[str, ...]:
        return tuple(json.loads(self._cipher.decrypt(reasons_enc)))

    def _application_view(self, row: Application) -> ApplicationView:
        return ApplicationView(
            id=row.id,
            company=self._cipher.decrypt_optional(row.company_enc),
            role=self._cipher.decrypt_optional(row.role_enc),
            status=row.status,
            updated_at=row.updated_at,
        )

    def _events(self, session: Session, application_id: int) -> list[EventView]:
        query = (
            select(StatusEvent, EmailRecord)
            .outerjoin(EmailRecord, EmailRecord.id == StatusEvent.email_record_id)
            .where(StatusEvent.application_id == application_id)
            .order_by(StatusEvent.created_at, StatusEvent.id)
        )
        return [self._event_view(event, record) for event, record in session.execute(query)]

    def _event_view(self, event: StatusEvent, record: EmailRecord | None) -> EventView:
        email = None
        reasons: tuple[str, ...] = ()
        if record is not None:
            email = EmailRef(
                sender=self._cipher.decrypt(record.sender_enc),
                subject=self._cipher.decrypt(record.subject_enc),
                date=record.email_date,
            )
            reasons = self._reasons(record.reasons_enc)
        return EventView(
            from_status=event.from_status,
            to_status=event.to_status,
            cause=event.cause,
            applied=event.applied,
            email=email,
            reasons=reasons,
            created_at=event.created_at,
        )

    def _review_view(self, record: EmailRecord) -> ReviewEmailView:
        return ReviewEmailView(
            id=record.id,
            gmail_message_id=record.gmail_message_id,
            thread_id=record.thread_id,
            sender=self._cipher.decrypt(record.sender_enc),
            subject=self._cipher.decrypt(record.subject_enc),
            date=record.email_date,
            label=record.label,
            confidence=record.confidence,
            reasons=self._reasons(record.reasons_enc),
        )


def _address_key(address: str) -> str:
    return address.strip().casefold()


def _normalise_address(address: str, what: str) -> str:
    normalised = _address_key(address)
    if "@" not in normalised or len(normalised) > 320:
        raise ValueError(f"The {what} {address!r} is not an email address.")
    return normalised


def _quota_spends(mailbox_id: int, stored: str | None) -> tuple[tuple[float, int], ...]:
    """The quota window a lease was released with; unreadable means empty (Gmail's own 429s and
    our backoff cover the one window that could then be over-spent)."""
    if not stored:
        return ()
    try:
        return tuple((float(moment), int(units)) for moment, units in json.loads(stored))
    except (ValueError, TypeError):
        logger.warning("unreadable quota window ignored", extra={"mailbox_id": mailbox_id})
        return ()


def _get_mailbox(session: Session, mailbox_id: int) -> Mailbox:
    mailbox = session.get(Mailbox, mailbox_id)
    if mailbox is None:
        raise NotFound(f"There is no mailbox with id {mailbox_id}.")
    return mailbox


def _get_run(session: Session, run_id: int) -> SyncRun:
    run = session.get(SyncRun, run_id)
    if run is None:
        raise NotFound(f"There is no sync run with id {run_id}.")
    return run


def _check_lease(mailbox: Mailbox, owner: str, now: datetime) -> None:
    expires = mailbox.lease_expires_at
    if mailbox.lease_owner != owner or expires is None or expires <= now:
        holder = mailbox.lease_owner or "nobody"
        raise LeaseLost(
            f"{owner} no longer holds the lease on mailbox {mailbox.id} (held by {holder}); "
            "the batch was not written: take the lease again and re-sync from the cursor."
        )


def _recent_runs(session: Session, mailbox_id: int, limit: int) -> list[SyncRunView]:
    query = (
        select(SyncRun)
        .where(SyncRun.mailbox_id == mailbox_id)
        .order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
        .limit(limit)
    )
    return [_run_view(run) for run in session.scalars(query)]


def _user_view(user: User) -> UserView:
    return UserView(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        password_hash=user.password_hash,
        created_at=user.created_at,
    )


def _mailbox_view(mailbox: Mailbox) -> MailboxView:
    return MailboxView(
        id=mailbox.id,
        user_id=mailbox.user_id,
        gmail_address=mailbox.gmail_address,
        tier=mailbox.tier,
        state=mailbox.state,
        history_cursor=mailbox.history_cursor,
        watch_expiration=mailbox.watch_expiration,
        last_sync_at=mailbox.last_sync_at,
        last_push_at=mailbox.last_push_at,
    )


def _run_view(run: SyncRun) -> SyncRunView:
    return SyncRunView(
        id=run.id,
        mailbox_id=run.mailbox_id,
        kind=run.kind,
        status=run.status,
        started_at=run.started_at,
        finished_at=run.finished_at,
        messages_seen=run.messages_seen,
        events_written=run.events_written,
        processed=run.processed,
        total=run.total,
        error=run.error,
    )
