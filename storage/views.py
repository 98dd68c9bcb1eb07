"""Frozen dataclasses passed in and out of `Store`: plaintext views of encrypted rows."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from storage.enums import (
    CorrectionKind,
    EventCause,
    Label,
    MailboxState,
    Status,
    Tier,
    Tracking,
)
from storage.filters import RuleSpec

# The status of a sync run that read no mail in the window it looked at (first sync, resync).
NO_MAIL_STATUS = "no_mail"


@dataclass(frozen=True)
class IncomingEmail:
    """One classified Gmail message, as the processor hands it to `Store.apply_sync_batch`."""

    gmail_message_id: str
    thread_id: str
    rfc822_message_id: str | None
    sender: str
    subject: str
    date: datetime
    label: Label
    confidence: float
    company: str | None = None
    role: str | None = None
    reasons: tuple[str, ...] = ()
    explanation: str = ""
    needs_review: bool = False
    original_sender: str | None = None
    original_subject: str | None = None
    original_date: datetime | None = None

    def __post_init__(self) -> None:
        if not self.gmail_message_id or not self.thread_id:
            raise ValueError("An IncomingEmail needs a non-empty gmail_message_id and thread_id.")
        if not isinstance(self.sender, str) or not isinstance(self.subject, str):
            raise ValueError(
                f"Email {self.gmail_message_id}: sender and subject must be text "
                "(use an empty string for a missing header)."
            )
        if not isinstance(self.date, datetime):
            raise ValueError(
                f"Email {self.gmail_message_id}: date must be an aware datetime, not "
                f"{type(self.date).__name__} (use Gmail's internalDate when Date is missing)."
            )
        try:
            object.__setattr__(self, "label", Label(self.label))
        except ValueError:
            allowed = ", ".join(label.value for label in Label)
            raise ValueError(
                f"Email {self.gmail_message_id}: label {self.label!r} is not one of {allowed}."
            ) from None
        if not isinstance(self.confidence, int | float) or not 0.0 <= self.confidence <= 1.0:
            raise ValueError(
                f"Email {self.gmail_message_id}: confidence {self.confidence!r} must be a number "
                "between 0 and 1."
            )
        if math.isnan(self.confidence):
            raise ValueError(f"Email {self.gmail_message_id}: confidence is NaN.")
        for name in ("date", "original_date"):
            value = getattr(self, name)
            if value is not None and (value.tzinfo is None or value.utcoffset() is None):
                raise ValueError(
                    f"Email {self.gmail_message_id}: {name} {value.isoformat()} has no timezone; "
                    "parse the Date header into an aware datetime."
                )
        object.__setattr__(self, "reasons", tuple(self.reasons))


@dataclass(frozen=True)
class BatchOutcome:
    """What one `apply_sync_batch` call wrote."""

    emails_new: int = 0
    emails_skipped: int = 0
    events_written: int = 0  # status changes: the email moved its application (or started it)
    needs_review: int = 0
    copies: int = 0
    events_logged: int = 0  # events that changed nothing: in the Activity Log, not status changes


@dataclass(frozen=True)
class FinishedRun:
    """A sync run as recorded once it has ended (``error`` as for `Store.finish_sync_run`)."""

    kind: str
    started_at: datetime
    status: str
    messages_seen: int
    events_written: int
    error: str | None = None


@dataclass(frozen=True)
class UserView:
    """An ApplyTrack account."""

    id: int
    email: str
    display_name: str | None
    password_hash: str | None
    created_at: datetime
    session_version: int = 0  # a session signed in under an older version has ended


@dataclass(frozen=True)
class MailboxView:
    """A connected Gmail mailbox (without its token: use `Store.refresh_token`)."""

    id: int
    user_id: int
    gmail_address: str
    tier: Tier
    state: MailboxState
    history_cursor: int | None
    watch_expiration: datetime | None
    last_sync_at: datetime | None
    last_push_at: datetime | None


@dataclass(frozen=True)
class LeasedMailbox:
    """A mailbox read under its lease, with its decrypted refresh token (None: not connected)."""

    mailbox: MailboxView
    refresh_token: str | None
    # Gmail quota the previous holder spent that may still count: (seconds since epoch, units).
    quota_spends: tuple[tuple[float, int], ...] = ()
    # The history id the holder must sync to, as read when the lease was taken or kept; a pass
    # that started after it was read satisfies it (see `Store.finish_sync_pass`).
    wanted_history_id: int | None = None


@dataclass(frozen=True)
class BehindMailbox:
    """An active mailbox whose wanted history id is ahead of its cursor: a sync is owed."""

    mailbox_id: int
    wanted_history_id: int
    history_cursor: int | None
    leased: bool  # a lease is live: a worker is syncing it now


class LeaseRefusal(StrEnum):
    """Why `Store.lease_mailbox` took no lease."""

    BUSY = "busy"  # another owner holds an unexpired lease (and the mailbox is active and behind)
    INACTIVE = "inactive"  # the mailbox is not ACTIVE (reconnect needed or disconnected)
    COVERED = "covered"  # history_after was given and the cursor has already reached it


@dataclass(frozen=True)
class LeaseRefused:
    """`Store.lease_mailbox` took nothing, and why; ``holder`` names the lease owner when BUSY."""

    mailbox_id: int
    reason: LeaseRefusal
    holder: str | None = None


@dataclass(frozen=True)
class SyncRunView:
    """One sync of a mailbox, for the Integrations page."""

    id: int
    mailbox_id: int
    kind: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    messages_seen: int
    events_written: int
    processed: int
    total: int | None
    error: str | None  # why it failed; for a "no_mail" run, the warning to show

    @property
    def found_no_mail(self) -> bool:
        """A first sync or resync that read no mail at all (the wrong account, perhaps)."""
        return self.status == NO_MAIL_STATUS


@dataclass(frozen=True)
class EmailRef:
    """The metadata of the email that caused an event."""

    id: int
    thread_id: str
    sender: str
    subject: str
    date: datetime
    label: Label  # as the classifier read it, or as a person corrected it


@dataclass(frozen=True)
class ThreadApplication:
    """The application a Gmail thread belongs to, as the classifier's context needs it."""

    application_id: int
    status: Status
    company: str | None


@dataclass(frozen=True)
class Recorded:
    """What a sync reads before classifying: messages already recorded, threads' applications,
    and (when asked for) the account's Advanced Filters rules in order."""

    known_message_ids: set[str]
    threads: dict[str, ThreadApplication]
    rules: tuple[RuleSpec, ...] = ()


@dataclass(frozen=True)
class CorrectionView:
    """A person's correction of an email: what it replaced, and when."""

    id: int
    email_id: int
    kind: CorrectionKind
    previous_label: Label
    label: Label
    from_application_id: int | None
    to_application_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class EventView:
    """One entry of an application's activity log."""

    from_status: Status | None
    to_status: Status
    cause: EventCause
    applied: bool
    email: EmailRef | None
    reasons: tuple[str, ...]
    created_at: datetime
    explanation: str = ""  # the classifier's reason in a sentence (empty when it gave none)
    id: int = 0
    # False once a correction took the email out of this application's status (not a job
    # email, or moved to another application): the entry stays in the log, marked.
    counted: bool = True
    corrections: tuple[CorrectionView, ...] = ()  # of this email, concerning this application
    why: str = ""  # why this entry is here and what it did, in words


@dataclass(frozen=True)
class ActivityEntry:
    """One line of the Activity Log: an event, and the events after it in the same thread that
    changed nothing, folded under it ("3 more emails in this thread")."""

    event: EventView
    folded: tuple[EventView, ...] = ()
    note: str = ""  # what is folded, in words; empty when nothing is


@dataclass(frozen=True)
class ApplicationFields:
    """What a person writes down about an application (None: not known)."""

    company: str | None = None
    role: str | None = None
    applied_on: date | None = None
    job_url: str | None = None
    location: str | None = None
    salary: str | None = None
    notes: str | None = None
    next_interview_at: datetime | None = None


@dataclass(frozen=True)
class ApplicationView:
    """One row of the Applications page.

    The dates are the emails': ``applied_on`` is the day the person gave, else the day of the
    first confirmation (else the first job email); ``last_email_at`` the newest job email's date.
    """

    id: int
    company: str | None
    role: str | None
    status: Status
    updated_at: datetime  # when ApplyTrack last changed the application
    tracking: Tracking = Tracking.AUTOMATIC
    applied_on: date | None = None
    last_email_at: datetime | None = None
    next_interview_at: datetime | None = None
    job_url: str | None = None
    location: str | None = None
    salary: str | None = None
    notes: str | None = None
    created_at: datetime | None = None

    @property
    def manual_override(self) -> bool:
        """True while the status is one the person set ("set by you")."""
        return self.tracking is Tracking.MANUAL


@dataclass(frozen=True)
class ApplicationDetail(ApplicationView):
    """An application with its activity log: every event oldest first, and the same events as
    the log shows them (changes that change nothing folded)."""

    events: tuple[EventView, ...] = field(default_factory=tuple)
    activity: tuple[ActivityEntry, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class CorrectionOutcome:
    """What a correction did: the email's application now (None: none) and the one it left."""

    email_id: int
    label: Label
    application_id: int | None
    previous_application_id: int | None
    corrected: bool  # False when the email already had this label and application


@dataclass(frozen=True)
class LabelledExample:
    """A corrected email as a labelled example for the classifier (metadata only, no body)."""

    id: str
    sender: str
    subject: str
    date: datetime
    label: Label


@dataclass(frozen=True)
class ApiTokenView:
    """A personal API token as listed (its secret is never shown again)."""

    id: int
    name: str
    hint: str  # the token's first characters
    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True)
class NewApiToken:
    """A token just created: ``token`` is the secret, shown this once."""

    view: ApiTokenView
    token: str


@dataclass(frozen=True)
class IntegrationView:
    """What the Settings → Integrations page shows about the user's Gmail connection."""

    mailbox_id: int
    email: str
    state: MailboxState
    tier: Tier
    last_sync_at: datetime | None
    threads_monitored: int
    history_cursor: int | None
    watch_expiration: datetime | None
    recent_runs: tuple[SyncRunView, ...]

    @property
    def no_mail_warning(self) -> str | None:
        """The warning of a first sync or resync that found no mail, until a later sync reads
        some (``recent_runs`` is newest first)."""
        for run in self.recent_runs:
            if run.found_no_mail:
                return run.error
            if run.messages_seen > 0:
                return None
        return None


@dataclass(frozen=True)
class ReviewEmailView:
    """An email whose label was below the confidence threshold, waiting for a person."""

    id: int
    gmail_message_id: str
    thread_id: str
    sender: str
    subject: str
    date: datetime
    label: Label
    confidence: float
    reasons: tuple[str, ...]
    explanation: str = ""
    others_in_thread: int = 0  # more pending emails of the same thread, decided with this one


@dataclass(frozen=True)
class ApplicationQuery:
    """How to search, filter and sort the Applications list (None: no filter).

    ``text`` matches company, role, location and notes (case-insensitive); ``applied_from`` and
    ``applied_to`` bound the applied-on date (inclusive); ``sort`` is a field of `ApplicationView`
    (``company``, ``role``, ``status``, ``applied_on``, ``last_email_at``, ``updated_at``),
    ``-`` first for descending.
    """

    text: str | None = None
    status: Status | None = None
    applied_from: date | None = None
    applied_to: date | None = None
    sort: str = "-updated_at"
