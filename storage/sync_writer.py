"""Writes classified emails inside `Store.apply_sync_batch`'s transaction, by the status rules."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, exists, select, update
from sqlalchemy.orm import Session

from storage.crypto import FieldCipher
from storage.enums import EventCause, Label, ReviewState, Status
from storage.identity import (
    application_fingerprint,
    companies_agree,
    company_fingerprint,
    email_fingerprints,
    titles_agree,
)
from storage.models import Application, EmailFingerprint, EmailRecord, StatusEvent
from storage.row_views import MailboxRow
from storage.status_derivation import follow_merges, tracked_events
from storage.status_rules import EmailEvent, automatic_status
from storage.upsert import insert_all_or_ignore, insert_or_ignore, insert_row_or_ignore
from storage.views import BatchOutcome, IncomingEmail

# The columns of an email's texts: what ordinary mail does not keep.
ORDINARY_MAIL_TEXT = (
    "sender_enc",
    "subject_enc",
    "reasons_enc",
    "explanation_enc",
    "company_enc",
    "role_enc",
)


# The write path's statements, built once with their values as parameters: building them anew
# for every email cost more Python than running them.
_UPDATE_RECORD = update(EmailRecord).where(EmailRecord.id == bindparam("record_id"))  # SET: keys
# The earlier emails that own some of ``fingerprints`` and counted: an event, or a review.
# Their ids and applications are all a copy needs: no `EmailRecord` is loaded.
_COUNTED_OWNERS = (
    select(EmailFingerprint.fingerprint, EmailRecord.id, EmailRecord.application_id)
    .join(EmailRecord, EmailFingerprint.email_record_id == EmailRecord.id)
    .where(
        EmailFingerprint.mailbox_id == bindparam("mailbox_id"),
        EmailFingerprint.fingerprint.in_(bindparam("fingerprints", expanding=True)),
        EmailRecord.review_state.in_((ReviewState.PENDING, ReviewState.DISMISSED))
        | exists().where(StatusEvent.email_record_id == EmailRecord.id),
    )
)
# The application of the thread's first email that joined one, beside each row.
_thread_application = (
    select(EmailRecord.application_id)
    .where(
        EmailRecord.mailbox_id == bindparam("mailbox_id"),
        EmailRecord.thread_id == bindparam("thread_id"),
        EmailRecord.application_id.is_not(None),
    )
    .order_by(EmailRecord.id)
    .limit(1)
    .scalar_subquery()
)
_THREAD_APPLICATION = select(Application, _thread_application).where(
    Application.id == _thread_application
)
_THREAD_OR_COMPANY_APPLICATIONS = select(Application, _thread_application).where(
    (Application.id == _thread_application)
    | (
        (Application.user_id == bindparam("user_id"))
        & (
            (Application.match_fingerprint == bindparam("fingerprint"))
            | (Application.company_fingerprint == bindparam("company"))
        )
    )
)
# The user's applications of other company names: the ones a name written more or less fully
# may still belong to (read only when no application has the email's company name).
_OTHER_COMPANY_APPLICATIONS = select(Application).where(
    (Application.user_id == bindparam("user_id"))
    & Application.company_fingerprint.is_not(None)
    & (Application.company_fingerprint != bindparam("company"))
)


def is_ordinary_mail(email: IncomingEmail) -> bool:
    """Mail the classifier found nothing job-related in, and nobody is asked to review."""
    return email.label is Label.NONE and not email.needs_review


@dataclass(frozen=True)
class CountedOwner:
    """An earlier email that already counted for a fingerprint: a copy points at it."""

    id: int
    application_id: int | None


@dataclass
class _Counts:
    emails_new: int = 0
    emails_skipped: int = 0
    events_written: int = 0
    needs_review: int = 0
    copies: int = 0
    events_logged: int = 0


class BatchWriter:
    """Writes emails for one mailbox; the caller owns the transaction and holds the mailbox lock."""

    def __init__(self, session: Session, cipher: FieldCipher, mailbox: MailboxRow, now: datetime):
        self._session = session
        self._cipher = cipher
        self._mailbox = mailbox
        self._now = now
        self._counts = _Counts()

    def outcome(self) -> BatchOutcome:
        """What has been written so far."""
        counts = self._counts
        return BatchOutcome(
            emails_new=counts.emails_new,
            emails_skipped=counts.emails_skipped,
            events_written=counts.events_written,
            needs_review=counts.needs_review,
            copies=counts.copies,
            events_logged=counts.events_logged,
        )

    def write(self, email: IncomingEmail) -> None:
        """Record ``email`` once; detect copies; join or start an application; write its event."""
        record_id = self._insert_record(email)
        if record_id is None:
            self._counts.emails_skipped += 1
            return
        self._counts.emails_new += 1
        original = self._counted_original(record_id, email)
        if original is not None:
            self._update_record(
                record_id,
                copy_of_id=original.id,
                application_id=original.application_id,
                review_state=ReviewState.NOT_NEEDED,  # the original is reviewed, not its copy
            )
            self._counts.copies += 1
            return
        if email.needs_review:
            self._counts.needs_review += 1
            return
        status = email.label.status
        if status is None:
            return
        application, previous = self._join_or_start(email, status)
        if application.deleted_at is not None:  # the person deleted it: recorded, not revived
            return
        self._update_record(record_id, application_id=application.id)
        if previous is not None:  # joined an existing application: fill in what it lacks
            self._fill_in_company_and_role(application, email)
        changed = self._write_event(application, previous, record_id, email, status)
        if changed is True:
            self._counts.events_written += 1
        elif changed is False:
            self._counts.events_logged += 1

    def apply_reviewed(self, record: EmailRecord, email: IncomingEmail) -> int | None:
        """Apply an email a person accepted: join or start its application and write the event."""
        status = email.label.status
        if status is None:
            return None
        application, previous = self._join_or_start(email, status)
        if application.deleted_at is not None:  # the person deleted it: recorded, not revived
            return None
        record.application_id = application.id
        self._fill_in_company_and_role(application, email)
        self._write_event(application, previous, record.id, email, status)
        return application.id

    def _insert_record(self, email: IncomingEmail) -> int | None:
        review = ReviewState.PENDING if email.needs_review else ReviewState.NOT_NEEDED
        values = {
            "mailbox_id": self._mailbox.id,
            "gmail_message_id": email.gmail_message_id,
            "thread_id": email.thread_id,
            "email_date": email.date,
            "label": email.label,
            "confidence": float(email.confidence),
            "review_state": review,
            "created_at": self._now,
            **self._sealed_text(email),
        }
        return insert_or_ignore(
            self._session, EmailRecord, values, ("mailbox_id", "gmail_message_id")
        )

    def _sealed_text(self, email: IncomingEmail) -> dict[str, str | None]:
        """The email's encrypted texts; ordinary mail keeps none (its ids, date and label are
        all that idempotency needs, and nobody is shown it)."""
        if is_ordinary_mail(email):
            return dict.fromkeys(ORDINARY_MAIL_TEXT)
        encrypt, encrypt_optional = self._cipher.encrypt, self._cipher.encrypt_optional
        return {
            "sender_enc": encrypt(email.sender),
            "subject_enc": encrypt(email.subject),
            "reasons_enc": encrypt(json.dumps(list(email.reasons))),
            "explanation_enc": encrypt_optional(email.explanation or None),
            "company_enc": encrypt_optional(email.company),
            "role_enc": encrypt_optional(email.role),
        }

    def _update_record(self, record_id: int, **values: object) -> None:
        """One UPDATE by id, on the session's connection (the ORM's UPDATE path cost more than
        the statement); a copy already loaded in this session is expired, so it reads anew."""
        self._session.connection().execute(_UPDATE_RECORD, {"record_id": record_id, **values})
        loaded = self._session.identity_map.get(self._session.identity_key(EmailRecord, record_id))
        if loaded is not None:
            self._session.expire(loaded)

    def _counted_original(self, record_id: int, email: IncomingEmail) -> CountedOwner | None:
        """Claim the email's fingerprints; return the earlier email that already counted, if any."""
        fingerprints = email_fingerprints(self._cipher, email)
        rows = [
            {
                "mailbox_id": self._mailbox.id,
                "fingerprint": fingerprint,
                "email_record_id": record_id,
            }
            for fingerprint in fingerprints
        ]
        claimed = insert_all_or_ignore(
            self._session,
            EmailFingerprint,
            rows,
            ("mailbox_id", "fingerprint"),
            returning="fingerprint",
        )
        unclaimed = [fingerprint for fingerprint in fingerprints if fingerprint not in claimed]
        if not unclaimed:
            return None
        owners = self._counted_owners(unclaimed)
        return next((owners[f] for f in unclaimed if f in owners), None)

    def _counted_owners(self, fingerprints: Sequence[str]) -> dict[str, CountedOwner]:
        """The earlier emails that own these fingerprints and counted, by fingerprint, in one
        query: an email counts once it produced an event or a person looked at it (or will)."""
        parameters = {"mailbox_id": self._mailbox.id, "fingerprints": list(fingerprints)}
        rows = self._session.connection().execute(_COUNTED_OWNERS, parameters)
        return {row.fingerprint: CountedOwner(row.id, row.application_id) for row in rows}

    def _join_or_start(
        self, email: IncomingEmail, status: Status
    ) -> tuple[Application, Status | None]:
        """The application the email belongs to, and its status before this email (None: new)."""
        application = self._find_application(email)
        if application is not None:
            return application, application.status
        return self._start_application(email, status)

    def _find_application(self, email: IncomingEmail) -> Application | None:
        """The email's application, past any merges (a deleted one is returned as it is)."""
        found = self._matching_application(email)
        return None if found is None else follow_merges(self._session, found)

    def _matching_application(self, email: IncomingEmail) -> Application | None:
        """The application of the email's thread (the one its first joined email is in); else
        the one with the email's company + role; else, when one side does not know the role or
        the two titles agree, the most recently updated one of the same company; else such a
        one of a company named more or less fully. One query, two when nothing matched."""
        fingerprint = application_fingerprint(self._cipher, email.company, email.role)
        company = company_fingerprint(self._cipher, email.company)
        parameters = {
            "mailbox_id": self._mailbox.id,
            "thread_id": email.thread_id,
            "user_id": self._mailbox.user_id,
            "fingerprint": fingerprint,
            "company": company,
        }
        # Without a company (no fingerprint) only the thread can match.
        query = _THREAD_APPLICATION if fingerprint is None else _THREAD_OR_COMPANY_APPLICATIONS
        rows: list[tuple[Application, int | None]] = [
            (application, in_thread)
            for application, in_thread in self._session.execute(query, parameters)
        ]
        by_thread = next((a for a, in_thread in rows if a.id == in_thread), None)
        if by_thread is not None or fingerprint is None:
            return by_thread
        found = [application for application, _ in rows]
        exact = next((a for a in found if a.match_fingerprint == fingerprint), None)
        if exact is not None:
            return exact
        same_company = [a for a in found if a.company_fingerprint == company]
        return self._latest_taking(same_company, email.role) or self._latest_taking(
            self._named_alike(email.company, parameters), email.role
        )

    def _latest_taking(
        self, applications: Sequence[Application], role: str | None
    ) -> Application | None:
        """The most recently updated of ``applications`` that may take an email naming ``role``."""
        if role is not None:
            applications = [a for a in applications if self._role_may_match(a, role)]
        return max(applications, key=lambda a: (a.updated_at, a.id), default=None)

    def _named_alike(self, company: str | None, parameters: dict[str, object]) -> list[Application]:
        """The user's applications of a company named more or less fully than ``company``."""
        assert company is not None
        rows = self._session.scalars(_OTHER_COMPANY_APPLICATIONS, parameters)
        named = ((a, self._cipher.decrypt_optional(a.company_enc)) for a in rows)
        return [a for a, name in named if name is not None and companies_agree(name, company)]

    def _role_may_match(self, application: Application, role: str) -> bool:
        """An application of the email's company takes an email naming ``role`` when it has no
        role yet or when the two titles agree."""
        known = self._cipher.decrypt_optional(application.role_enc)
        return known is None or titles_agree(known, role)

    def _application_by_fingerprint(self, fingerprint: str) -> Application | None:
        query = select(Application).where(
            Application.user_id == self._mailbox.user_id,
            Application.match_fingerprint == fingerprint,
        )
        return self._session.scalars(query).first()

    def _start_application(
        self, email: IncomingEmail, status: Status
    ) -> tuple[Application, Status | None]:
        fingerprint = application_fingerprint(self._cipher, email.company, email.role)
        values = {
            "user_id": self._mailbox.user_id,
            "company_enc": self._cipher.encrypt_optional(email.company),
            "role_enc": self._cipher.encrypt_optional(email.role),
            "match_fingerprint": fingerprint,
            "company_fingerprint": company_fingerprint(self._cipher, email.company),
            "status": status,
            "manual_override": False,
            "created_at": self._now,
            "updated_at": self._now,
        }
        application = insert_row_or_ignore(
            self._session, Application, values, ("user_id", "match_fingerprint")
        )
        if application is None:
            # Another writer created the same company + role first: join theirs.
            assert fingerprint is not None
            existing = self._application_by_fingerprint(fingerprint)
            assert existing is not None
            return existing, existing.status
        return application, None

    def _fill_in_company_and_role(self, application: Application, email: IncomingEmail) -> None:
        if application.company_enc is None:
            application.company_enc = self._cipher.encrypt_optional(email.company)
        if application.role_enc is None:
            application.role_enc = self._cipher.encrypt_optional(email.role)
        company = self._cipher.decrypt_optional(application.company_enc)
        role = self._cipher.decrypt_optional(application.role_enc)
        application.company_fingerprint = company_fingerprint(self._cipher, company)
        fingerprint = application_fingerprint(self._cipher, company, role)
        if fingerprint in (None, application.match_fingerprint):
            return
        # Another application may already own this company + role; then keep the old index.
        assert fingerprint is not None
        if self._application_by_fingerprint(fingerprint) is None:
            application.match_fingerprint = fingerprint

    def _write_event(
        self,
        application: Application,
        previous: Status | None,
        record_id: int,
        email: IncomingEmail,
        status: Status,
    ) -> bool | None:
        """Write the email's event: True when it changed the application's status (or started
        it), False when it changed nothing (the same status again, a change the rules refuse, a
        manual status), None when the event was already written."""
        if application.manual_override:
            resulting = application.status
        elif previous is None:  # started by this email: there are no earlier events to weigh
            resulting = status
        else:
            events = [
                *tracked_events(self._session, application.id),
                EmailEvent(status, email.date),
            ]
            resulting = automatic_status(events) or status
        # Logged either way (the rules fold over every email event), applied only when it moved.
        changed = resulting == status and resulting != previous and not application.manual_override
        values = {
            "application_id": application.id,
            "email_record_id": record_id,
            "from_status": previous,
            "to_status": status,
            "cause": EventCause.EMAIL,
            "applied": changed,
            "created_at": self._now,
        }
        event_id = insert_or_ignore(
            self._session, StatusEvent, values, ("email_record_id", "application_id")
        )
        if event_id is None:
            return None
        application.status = resulting
        application.updated_at = self._now
        return changed
