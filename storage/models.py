"""SQLAlchemy 2.0 models: the tables and the unique constraints that make writes idempotent."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.column_types import EnumText, HistoryIdText, UTCDateTime
from storage.enums import (
    CorrectionKind,
    EventCause,
    Label,
    MailboxState,
    ReviewState,
    Status,
    Tier,
)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

FINGERPRINT_LENGTH = 64


def utc_now() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations name constraints predictably."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class User(Base):
    """An ApplyTrack account; its email is encrypted and found by its fingerprint."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email_enc: Mapped[str] = mapped_column(Text)
    # The blind index of the canonical email: what sign-in finds and what keeps it unique.
    email_fingerprint: Mapped[str] = mapped_column(String(FINGERPRINT_LENGTH), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Raised on sign-out and on a password change: a session cookie with an older one is void.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    # "free" or "premium" (`storage.plans.Plan`): set by the operator, gates the Premium features.
    plan: Mapped[str] = mapped_column(String(16), default="free", server_default="free")


class Mailbox(Base):
    """A connected Gmail account: its encrypted address and token, cursor, watch and lease."""

    __tablename__ = "mailboxes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    gmail_address_enc: Mapped[str] = mapped_column(Text)
    # The blind index of the canonical address: what a push's emailAddress is looked up by.
    gmail_address_fingerprint: Mapped[str] = mapped_column(String(FINGERPRINT_LENGTH), unique=True)
    tier: Mapped[Tier] = mapped_column(EnumText(Tier))
    state: Mapped[MailboxState] = mapped_column(EnumText(MailboxState))
    refresh_token_enc: Mapped[str | None] = mapped_column(Text)
    history_cursor: Mapped[int | None] = mapped_column(HistoryIdText)
    # The newest history id a notification announced: a sync runs until the cursor reaches it.
    wanted_history_id: Mapped[int | None] = mapped_column(HistoryIdText)
    watch_expiration: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_push_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The Gmail quota the last lease holder spent in its final moments, handed to the next one:
    # JSON [[seconds since the epoch, units], ...].
    quota_window: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    # The deeper historical scan (Premium; None: never asked for). Its window, from
    # deep_scan_after to deep_scan_before, is fixed once, so a worker that picks up a killed
    # worker's scan reads the same mail and skips what was recorded.
    deep_scan_state: Mapped[str | None] = mapped_column(String(16))  # `DeepScanState`
    deep_scan_days: Mapped[int | None] = mapped_column(Integer)
    deep_scan_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deep_scan_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deep_scan_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deep_scan_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deep_scan_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deep_scan_processed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    deep_scan_total: Mapped[int | None] = mapped_column(Integer)


class Application(Base):
    """One job application; company and role are encrypted, matched by a fingerprint."""

    __tablename__ = "applications"
    __table_args__ = (
        UniqueConstraint("user_id", "match_fingerprint"),
        Index("ix_applications_user_id_company_fingerprint", "user_id", "company_fingerprint"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    company_enc: Mapped[str | None] = mapped_column(Text)
    role_enc: Mapped[str | None] = mapped_column(Text)
    match_fingerprint: Mapped[str | None] = mapped_column(String(FINGERPRINT_LENGTH))
    company_fingerprint: Mapped[str | None] = mapped_column(String(FINGERPRINT_LENGTH))
    status: Mapped[Status] = mapped_column(EnumText(Status))
    manual_override: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    # What the person wrote down (encrypted like company and role); None until they do.
    job_url_enc: Mapped[str | None] = mapped_column(Text)
    location_enc: Mapped[str | None] = mapped_column(Text)
    salary_enc: Mapped[str | None] = mapped_column(Text)
    notes_enc: Mapped[str | None] = mapped_column(Text)
    # Dates the person gave; without them the pages show the emails' dates.
    applied_on: Mapped[date | None] = mapped_column(Date)
    next_interview_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A tombstone: deleted by the person (its emails stay recorded and keep its thread, so a
    # later email in that thread does not bring it back), or merged into another application.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id", ondelete="SET NULL")
    )


class EmailRecord(Base):
    """The metadata of one Gmail message (never its body); sender and subject are encrypted.

    Ordinary mail (label none, not pending review) keeps only what idempotency needs: the ids,
    the date and the label; its sender, subject and the classifier's texts are None.
    """

    __tablename__ = "email_records"
    __table_args__ = (
        UniqueConstraint("mailbox_id", "gmail_message_id"),
        Index("ix_email_records_mailbox_id_thread_id", "mailbox_id", "thread_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailboxes.id", ondelete="CASCADE"))
    gmail_message_id: Mapped[str] = mapped_column(String(128))
    thread_id: Mapped[str] = mapped_column(String(128))
    sender_enc: Mapped[str | None] = mapped_column(Text)
    subject_enc: Mapped[str | None] = mapped_column(Text)
    reasons_enc: Mapped[str | None] = mapped_column(Text)
    # The classifier's reason in a sentence, for the Activity Log (None on older records).
    explanation_enc: Mapped[str | None] = mapped_column(Text)
    # What the classifier read off the email, kept so a reviewed email can join its application.
    company_enc: Mapped[str | None] = mapped_column(Text)
    role_enc: Mapped[str | None] = mapped_column(Text)
    email_date: Mapped[datetime] = mapped_column(UTCDateTime)
    label: Mapped[Label] = mapped_column(EnumText(Label))
    confidence: Mapped[float] = mapped_column(Float)
    review_state: Mapped[ReviewState] = mapped_column(EnumText(ReviewState))
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id", ondelete="SET NULL"), index=True
    )
    copy_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("email_records.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class EmailFingerprint(Base):
    """A keyed fingerprint of an email's identity; its uniqueness is what detects copies."""

    __tablename__ = "email_fingerprints"
    __table_args__ = (UniqueConstraint("mailbox_id", "fingerprint"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailboxes.id", ondelete="CASCADE"))
    fingerprint: Mapped[str] = mapped_column(String(FINGERPRINT_LENGTH))
    email_record_id: Mapped[int] = mapped_column(
        ForeignKey("email_records.id", ondelete="CASCADE"), index=True
    )


class StatusEvent(Base):
    """One entry of an application's activity log: an email's or a person's status change."""

    __tablename__ = "status_events"
    __table_args__ = (UniqueConstraint("email_record_id", "application_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    email_record_id: Mapped[int | None] = mapped_column(
        ForeignKey("email_records.id", ondelete="CASCADE")
    )
    from_status: Mapped[Status | None] = mapped_column(EnumText(Status))
    to_status: Mapped[Status] = mapped_column(EnumText(Status))
    cause: Mapped[EventCause] = mapped_column(EnumText(EventCause))
    applied: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    # A merge event: the application that was merged into this one (now a tombstone).
    other_application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id", ondelete="SET NULL")
    )


class EmailCorrection(Base):
    """A person's correction of an email's label or application; also a labelled example for the
    classifier, so it keeps the email's metadata (encrypted; never a body)."""

    __tablename__ = "email_corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email_record_id: Mapped[int] = mapped_column(
        ForeignKey("email_records.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[CorrectionKind] = mapped_column(EnumText(CorrectionKind))
    previous_label: Mapped[Label] = mapped_column(EnumText(Label))
    label: Mapped[Label] = mapped_column(EnumText(Label))
    from_application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id", ondelete="SET NULL")
    )
    to_application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id", ondelete="SET NULL")
    )
    sender_enc: Mapped[str] = mapped_column(Text)
    subject_enc: Mapped[str] = mapped_column(Text)
    email_date: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class ApiToken(Base):
    """A personal API token: only its keyed hash is stored, so it is shown once, at creation."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(FINGERPRINT_LENGTH), unique=True)
    # The token's first characters, to tell tokens apart.
    hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SyncRun(Base):
    """One sync of a mailbox, shown as recent activity on the Integrations page."""

    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(
        ForeignKey("mailboxes.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    messages_seen: Mapped[int] = mapped_column(Integer, default=0)
    events_written: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)


class FilterRule(Base):
    """One of a user's Advanced Filters rules (`storage.filters`), kept in the user's order.

    Its name and conditions name senders and subjects, so they are encrypted (JSON inside).
    """

    __tablename__ = "filter_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name_enc: Mapped[str] = mapped_column(Text)
    match: Mapped[str] = mapped_column(String(8))
    conditions_enc: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)  # JSON {type, status?, application_id?}
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
