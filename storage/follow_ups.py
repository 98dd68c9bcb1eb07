"""`FollowUps`: Email Templates. Follow-up drafts written locally from an application's state and
what its newest email says (recruiter, role, company, interview date), in the email's language,
each with a Gmail compose link; and the applications whose follow-up is due (no answer for N days).

Nothing is sent and nothing leaves the server: a draft is text and a link the person opens. The
sentences live in storage/texts/follow_ups.json (English, Spanish, German, French, Portuguese).
The web process may re-read the newest email through Gmail and hand in what it says
(`MessageFacts`: language, recruiter, proposed times) as plain data; no body reaches the database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from email.utils import parseaddr
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.application_fields import read_fields
from storage.applications import live, live_application
from storage.core import StoreCore
from storage.enums import Label, Status
from storage.models import Application, EmailRecord, User

TEXTS_PATH = Path(__file__).resolve().parent / "texts" / "follow_ups.json"
GMAIL_COMPOSE = "https://mail.google.com/mail/"
DEFAULT_LANGUAGE = "en"
SLOT_TIMES = ("10:00", "14:00", "11:00")


@dataclass(frozen=True)
class FollowUpDays:
    """How long without an answer before a check-in is due."""

    after_applied: int = 7
    after_interview: int = 5


@dataclass(frozen=True)
class FollowUpDraft:
    """One draft: edit it, copy it, or open ``compose_url`` (Gmail's compose window)."""

    kind: str
    subject: str
    body: str
    compose_url: str
    language: str


@dataclass(frozen=True)
class FollowUpDue:
    """An application waiting for an answer long enough to follow up."""

    application_id: int
    company: str | None
    role: str | None
    status: Status
    waiting_since: datetime
    days_waiting: int


@dataclass(frozen=True)
class ProposedTime:
    """A day (and, when the message gave one, a time of day) a recruiter offered, as written."""

    day: date
    at: time | None = None


@dataclass(frozen=True)
class MessageFacts:
    """What the recruiter's newest message says, read through Gmail when drafts are asked for
    and handed in as plain data (the message itself is never kept)."""

    language: str | None = None
    recruiter: str | None = None
    proposed_times: tuple[ProposedTime, ...] = ()


@dataclass(frozen=True)
class FollowUpSource:
    """Where the application's newest job email lives in Gmail, to re-read it."""

    mailbox_id: int
    gmail_message_id: str


@dataclass(frozen=True)
class _Facts:
    """What a draft says, read off the application and its newest email."""

    company: str
    role: str | None
    status: Status
    recruiter: str | None
    recruiter_address: str
    subject: str
    waiting_since: datetime
    interview_at: datetime | None
    own_name: str | None
    proposed_times: tuple[ProposedTime, ...] = ()


@cache
def texts() -> dict[str, Any]:
    """The drafts' sentences (storage/texts/follow_ups.json)."""
    loaded: dict[str, Any] = json.loads(TEXTS_PATH.read_text(encoding="utf-8"))
    return loaded


def languages() -> tuple[str, ...]:
    """The languages drafts are written in."""
    return tuple(texts()["languages"])


def language_names() -> dict[str, str]:
    """Each draft language's code and its name in that language ("de": "Deutsch")."""
    return {code: str(words["name"]) for code, words in texts()["languages"].items()}


def guess_language(text: str) -> str:
    """The language of an email's text, by its marker phrases (English when none stands out)."""
    folded = text.casefold()
    markers: dict[str, list[str]] = texts()["language_markers"]
    scores = {lang: sum(phrase in folded for phrase in words) for lang, words in markers.items()}
    best = max(scores, key=lambda lang: scores[lang])
    return best if scores[best] > 0 else DEFAULT_LANGUAGE


def signature_openers() -> tuple[str, ...]:
    """The sign-offs ("Best regards", "Mit freundlichen Grüßen") a signature's name follows."""
    openers: dict[str, list[str]] = texts()["signature_openers"]
    return tuple(phrase for phrases in openers.values() for phrase in phrases)


def compose_url(to: str, subject: str, body: str) -> str:
    """A link that opens Gmail's compose window pre-filled (nothing is sent)."""
    query = urlencode(
        {"view": "cm", "fs": "1", "to": to, "su": subject, "body": body}, quote_via=quote
    )
    return f"{GMAIL_COMPOSE}?{query}"


class FollowUps(StoreCore):
    """Follow-up drafts and the list of follow-ups due."""

    def follow_ups_due(self, user_id: int, days: FollowUpDays | None = None) -> list[FollowUpDue]:
        """Applied or interviewing applications with no job email for N days, newest first."""
        days = days or FollowUpDays()
        now = self._clock()
        with self._db.session(read_only=True) as session:
            rows = session.scalars(
                select(Application).where(
                    live(user_id), Application.status.in_([Status.APPLIED, Status.INTERVIEWING])
                )
            )
            due = []
            for row in rows:
                since = _waiting_since(session, row)
                waited = (now - since).days
                if waited >= _days_for(row.status, days):
                    fields = read_fields(self._cipher, row)
                    due.append(
                        FollowUpDue(row.id, fields.company, fields.role, row.status, since, waited)
                    )
        return sorted(due, key=lambda item: (item.waiting_since, item.application_id), reverse=True)

    def follow_up_drafts(
        self,
        user_id: int,
        application_id: int,
        *,
        language: str | None = None,
        days: FollowUpDays | None = None,
        message: MessageFacts | None = None,
    ) -> list[FollowUpDraft]:
        """The drafts that fit the application's state, in ``language`` or its email's; with
        ``message`` (what the re-read email says), its language, recruiter and proposed times."""
        days = days or FollowUpDays()
        with self._db.session(read_only=True) as session:
            row = live_application(session, user_id, application_id)
            facts = self._facts(session, row)
        if message is not None:
            facts = replace(
                facts,
                recruiter=message.recruiter or facts.recruiter,
                proposed_times=message.proposed_times,
            )
        message_language = None if message is None else message.language
        if message_language not in languages():
            message_language = None
        lang = language or message_language or guess_language(facts.subject)
        waited = (self._clock() - facts.waiting_since).days
        kinds = _kinds_for(facts.status, waited >= _days_for(facts.status, days))
        return [self._draft(kind, lang, facts, waited) for kind in kinds]

    def follow_up_source(self, user_id: int, application_id: int) -> FollowUpSource | None:
        """The application's newest job email's mailbox and Gmail id (None: it has none);
        raises `NotFound` for another user's or a deleted application."""
        with self._db.session(read_only=True) as session:
            row = live_application(session, user_id, application_id)
            newest = _newest_email(session, row.id)
            if newest is None:
                return None
            return FollowUpSource(newest.mailbox_id, newest.gmail_message_id)

    def _facts(self, session: Session, row: Application) -> _Facts:
        fields = read_fields(self._cipher, row)
        newest = _newest_email(session, row.id)
        sender = "" if newest is None else self._cipher.decrypt_optional(newest.sender_enc) or ""
        name, address = parseaddr(sender)
        user = session.get(User, row.user_id)
        return _Facts(
            company=fields.company or "",
            role=fields.role,
            status=row.status,
            recruiter=name.strip() or None,
            recruiter_address=address,
            subject=""
            if newest is None
            else self._cipher.decrypt_optional(newest.subject_enc) or "",
            waiting_since=_waiting_since(session, row),
            interview_at=fields.next_interview_at,
            own_name=None if user is None else user.display_name,
        )

    def _draft(self, kind: str, lang: str, facts: _Facts, waited: int) -> FollowUpDraft:
        words: dict[str, Any] = texts()["languages"][lang]
        template: dict[str, str] = words["kinds"][kind]
        values = {
            "company": facts.company,
            "role": facts.role or words["role_fallback"],
            "days": str(waited),
            "interview": _interview_words(words, facts.interview_at),
            "times": "\n".join(f"- {slot}" for slot in _times(words, facts, self._clock())),
        }
        subject = template["subject"].format(**values)
        greeting = (
            words["greeting_named"].format(recruiter=facts.recruiter)
            if facts.recruiter
            else words["greeting"]
        )
        closing = words["signoff"] + (f"\n{facts.own_name}" if facts.own_name else "")
        body = f"{greeting}\n\n{template['body'].format(**values)}\n\n{closing}"
        return FollowUpDraft(
            kind, subject, body, compose_url(facts.recruiter_address, subject, body), lang
        )


def _kinds_for(status: Status, check_in_due: bool) -> list[str]:
    """The drafts that make sense for an application in this status."""
    check_in = ["check_in"] if check_in_due else []
    if status is Status.APPLIED:
        return [*check_in, "withdrawal"]
    if status is Status.INTERVIEWING:
        return ["thank_you", "scheduling_reply", *check_in, "withdrawal"]
    if status is Status.OFFER:
        return ["offer_accept", "offer_more_time", "offer_negotiate", "withdrawal"]
    return ["feedback_request"]


def _days_for(status: Status, days: FollowUpDays) -> int:
    return days.after_interview if status is Status.INTERVIEWING else days.after_applied


def _newest_email(session: Session, application_id: int) -> EmailRecord | None:
    query = (
        select(EmailRecord)
        .where(
            EmailRecord.application_id == application_id,
            EmailRecord.label != Label.NONE,
            EmailRecord.sender_enc.is_not(None),
        )
        .order_by(EmailRecord.email_date.desc(), EmailRecord.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def _waiting_since(session: Session, row: Application) -> datetime:
    """The newest job email's date, else when the application was added."""
    newest = _newest_email(session, row.id)
    return row.created_at if newest is None else newest.email_date


def _interview_words(words: dict[str, Any], when: datetime | None) -> str:
    if when is None:
        return str(words["interview_recently"])
    return str(words["interview_on"]).format(date=when.date().isoformat())


def _times(words: dict[str, Any], facts: _Facts, now: datetime) -> list[str]:
    """The times the recruiter proposed, else three of our own."""
    if not facts.proposed_times:
        return _proposed_slots(words, now)
    return [_time_words(words, proposed) for proposed in facts.proposed_times]


def _time_words(words: dict[str, Any], proposed: ProposedTime) -> str:
    weekday = words["weekdays"][proposed.day.weekday()]
    if proposed.at is None:
        return str(words["slot_day"]).format(weekday=weekday, date=proposed.day.isoformat())
    return str(words["slot"]).format(
        weekday=weekday, date=proposed.day.isoformat(), time=proposed.at.strftime("%H:%M")
    )


def _proposed_slots(words: dict[str, Any], now: datetime) -> list[str]:
    """Three times on the next working days, to propose for an interview."""
    slots: list[str] = []
    day: date = now.date()
    while len(slots) < len(SLOT_TIMES):
        day += timedelta(days=1)
        if day.weekday() < 5:
            slots.append(
                str(words["slot"]).format(
                    weekday=words["weekdays"][day.weekday()],
                    date=day.isoformat(),
                    time=SLOT_TIMES[len(slots)],
                )
            )
    return slots
