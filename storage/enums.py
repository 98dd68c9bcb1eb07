"""String enums whose values are the words used on the wire and in the database."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Where an application stands."""

    APPLIED = "applied"
    INTERVIEWING = "interviewing"
    OFFER = "offer"
    REJECTED = "rejected"


class Label(StrEnum):
    """What the classifier decided an email is about."""

    APPLIED = "applied"
    INTERVIEWING = "interviewing"
    OFFER = "offer"
    REJECTED = "rejected"
    NONE = "none"

    @property
    def status(self) -> Status | None:
        """The status this label moves an application to (None for non-job mail)."""
        return None if self is Label.NONE else Status(self.value)


class MailboxState(StrEnum):
    """Connection state of a Gmail mailbox, as shown on the Integrations page."""

    ACTIVE = "active"
    RECONNECT_NEEDED = "reconnect_needed"
    DISCONNECTED = "disconnected"


class Tier(StrEnum):
    """Premium mailboxes get push; free ones are polled."""

    PREMIUM = "premium"
    FREE = "free"


class ReviewState(StrEnum):
    """Whether an email still waits for a person to confirm its label."""

    NOT_NEEDED = "not_needed"
    PENDING = "pending"
    ACCEPTED = "accepted"  # a person confirmed the label
    DISMISSED = "dismissed"  # a person decided it changes nothing


class EventCause(StrEnum):
    """What caused a status event."""

    EMAIL = "email"
    MANUAL = "manual"  # a person set the status: it holds until tracking returns to automatic
    ADDED = "added"  # a person added the application by hand, with this status
    AUTOMATIC = "automatic"  # a person returned the application to automatic tracking
    MERGE = "merge"  # a person merged another application into this one


class Tracking(StrEnum):
    """Who decides an application's status: its emails, or the person."""

    AUTOMATIC = "automatic"
    MANUAL = "manual"


class CorrectionKind(StrEnum):
    """What a person corrected about an email that caused a status event."""

    NOT_JOB = "not_job"  # the email is not about a job application
    STATUS = "status"  # the email means another status
    APPLICATION = "application"  # the email belongs to another application
