"""`FilterRules`: a user's Advanced Filters rules (add, edit, reorder, delete, export, import),
their preview over recorded job mail, and their application to it.

Saving a rule applies the user's rules, in their order (first match wins), to the recorded job mail
of the last 90 days: an email's label or application changes as the matching rule says, the
statuses it touched are recomputed from their events (`storage.status_derivation`), and its
Activity Log entry says which rule decided. Running it again changes nothing. An email a person
corrected keeps the person's word. The body of a recorded email is not known (it is never stored),
so a body or Gmail-label condition matches only new mail, at sync time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from storage.activity_log import label_name
from storage.applications import is_row_id, live, live_application
from storage.core import StoreCore
from storage.crypto import FieldCipher
from storage.enums import EventCause, Label, ReviewState, Status
from storage.errors import InvalidChange, NotFound
from storage.filters import (
    ActionType,
    EmailFacts,
    RuleAction,
    RuleField,
    RuleSpec,
    first_match,
    parse_rule,
    rule_json,
)
from storage.models import (
    Application,
    EmailCorrection,
    EmailRecord,
    FilterRule,
    Mailbox,
    StatusEvent,
    User,
)
from storage.plans import Plan
from storage.status_derivation import recompute_status
from storage.sync_writer import BatchWriter
from storage.views import IncomingEmail

PAST_MAIL_DAYS = 90
PREMIUM_PLAN = Plan.PREMIUM.value
_ACCEPTING = (ActionType.SET_STATUS, ActionType.TREAT_AS_JOB)
MAX_RULES = 200
TEXTS_PATH = Path(__file__).resolve().parent / "texts" / "filters.json"


@dataclass(frozen=True)
class FilterRuleView:
    """A saved rule and its place in the user's order (1 is first)."""

    id: int
    position: int
    rule: RuleSpec
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class RuleMatchView:
    """A recorded email a rule matches, and what it does to the email's application."""

    email_id: int
    sender: str
    subject: str
    date: datetime
    application_id: int | None
    status_before: Status | None
    status_after: Status | None


@dataclass(frozen=True)
class RulePreview:
    """What saving a rule would do to the recorded job mail of the window."""

    matches: tuple[RuleMatchView, ...]
    applications_changed: int


@dataclass(frozen=True)
class _Candidate:
    """A rule under consideration: its spec and whether its matches are reported."""

    rule: RuleSpec
    reported: bool = False


class _Rollback(Exception):
    """Raised to undo a preview's trial run."""


@cache
def _texts() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(TEXTS_PATH.read_text(encoding="utf-8"))
    return loaded


class FilterRules(StoreCore):
    """A user's rules, kept in order, and their effect on recorded mail."""

    def filter_rules(self, user_id: int) -> list[FilterRuleView]:
        """The user's rules in their order."""
        with self._db.session(read_only=True) as session:
            return [self._view(row) for row in _rows(session, user_id)]

    def filter_rule(self, user_id: int, rule_id: int) -> FilterRuleView:
        """One of the user's rules (raises `NotFound`, for another user's too)."""
        with self._db.session(read_only=True) as session:
            return self._view(_own_rule(session, user_id, rule_id))

    def add_filter_rule(self, user_id: int, rule: RuleSpec) -> FilterRuleView:
        """Save a new rule after the others; it is applied to past mail (see the module)."""
        now = self._clock()
        with self._db.session() as session:
            _check_target(session, user_id, rule.action)
            rows = _rows(session, user_id)
            if len(rows) >= MAX_RULES:
                raise InvalidChange("name", f"You can keep at most {MAX_RULES} rules.")
            row = FilterRule(user_id=user_id, position=len(rows) + 1, created_at=now)
            self._write(row, rule, now)
            session.add(row)
            session.flush()
            view = self._view(row)
        self.apply_filter_rules_to_past(user_id)
        return view

    def edit_filter_rule(
        self, user_id: int, rule_id: int, rule: RuleSpec, *, position: int | None = None
    ) -> FilterRuleView:
        """Replace a rule's name, conditions and action (and move it to ``position``); the
        rules are applied to past mail again."""
        now = self._clock()
        with self._db.session() as session:
            _check_target(session, user_id, rule.action)
            row = _own_rule(session, user_id, rule_id)
            self._write(row, rule, now)
            if position is not None:
                _move(_rows(session, user_id), row, position)
            session.flush()
            view = self._view(row)
        self.apply_filter_rules_to_past(user_id)
        return view

    def reorder_filter_rules(self, user_id: int, rule_ids: Sequence[int]) -> list[FilterRuleView]:
        """Put the user's rules in this order (every rule id exactly once)."""
        with self._db.session() as session:
            rows = {row.id: row for row in _rows(session, user_id)}
            if sorted(rule_ids) != sorted(rows):
                raise InvalidChange("ids", "ids must list each of your rules exactly once.")
            for position, rule_id in enumerate(rule_ids, start=1):
                rows[rule_id].position = position
            session.flush()
        self.apply_filter_rules_to_past(user_id)
        return self.filter_rules(user_id)

    def delete_filter_rule(self, user_id: int, rule_id: int) -> None:
        """Delete a rule; the ones after it move up. What it already did to mail stays."""
        with self._db.session() as session:
            row = _own_rule(session, user_id, rule_id)
            session.delete(row)
            session.flush()
            for position, rest in enumerate(_rows(session, user_id), start=1):
                rest.position = position

    def export_filter_rules(self, user_id: int) -> list[dict[str, Any]]:
        """The user's rules as JSON objects, in order (what `import_filter_rules` reads)."""
        return [rule_json(view.rule) for view in self.filter_rules(user_id)]

    def import_filter_rules(
        self, user_id: int, items: Sequence[Mapping[str, Any]]
    ) -> list[FilterRuleView]:
        """Add exported rules after the user's own, all or none (a bad one: `InvalidChange`
        naming ``rules[i].…``); then apply the rules to past mail."""
        rules = [_parsed(index, item) for index, item in enumerate(items)]
        now = self._clock()
        with self._db.session() as session:
            for index, rule in enumerate(rules):
                try:
                    _check_target(session, user_id, rule.action)
                except InvalidChange as error:
                    raise InvalidChange(f"rules[{index}].{error.field}", str(error)) from None
            start = len(_rows(session, user_id))
            if start + len(rules) > MAX_RULES:
                raise InvalidChange("rules", f"You can keep at most {MAX_RULES} rules.")
            for offset, rule in enumerate(rules, start=1):
                row = FilterRule(user_id=user_id, position=start + offset, created_at=now)
                self._write(row, rule, now)
                session.add(row)
        self.apply_filter_rules_to_past(user_id)
        return self.filter_rules(user_id)

    def preview_filter_rule(
        self, user_id: int, rule: RuleSpec, *, replacing: int | None = None
    ) -> RulePreview:
        """What saving ``rule`` after the user's rules (or, with ``replacing``, in that rule's
        place: an edit) would do to the recorded job mail of the last 90 days: each email it
        would decide, and how many applications would change. A trial run, rolled back:
        nothing is written."""
        preview: RulePreview | None = None
        try:
            with self._db.session() as session:
                _check_target(session, user_id, rule.action)
                candidate = _Candidate(rule, reported=True)
                rows = _rows(session, user_id)
                rules = [
                    candidate if row.id == replacing else _Candidate(self._spec(row))
                    for row in rows
                ]
                if all(row.id != replacing for row in rows):
                    rules.append(candidate)
                preview = self._run(session, user_id, rules)
                raise _Rollback
        except _Rollback:
            pass
        assert preview is not None
        return preview

    def recorded_job_message_ids(self, user_id: int, message_ids: Sequence[str]) -> set[str]:
        """Which of these Gmail message ids are the user's recorded job mail (or mail waiting
        for review): ordinary mail keeps no sender, so it is not among them."""
        with self._db.session(read_only=True) as session:
            query = (
                select(EmailRecord.gmail_message_id)
                .join(Mailbox, Mailbox.id == EmailRecord.mailbox_id)
                .where(
                    Mailbox.user_id == user_id,
                    EmailRecord.sender_enc.is_not(None),
                    EmailRecord.gmail_message_id.in_(list(message_ids)),
                )
            )
            return set(session.scalars(query))

    def apply_filter_rules_to_past(self, user_id: int) -> RulePreview:
        """Apply the user's rules, in order, to the recorded job mail of the last 90 days;
        the answer lists the emails whose label or application changed (idempotent)."""
        with self._db.session() as session:
            rules = [_Candidate(self._spec(row), reported=True) for row in _rows(session, user_id)]
            return self._run(session, user_id, rules, only_changes=True)

    def _run(
        self,
        session: Session,
        user_id: int,
        rules: list[_Candidate],
        *,
        only_changes: bool = False,
    ) -> RulePreview:
        now = self._clock()
        before = _statuses(session, user_id)
        decided: list[tuple[EmailRecord, int | None]] = []
        for record in _recorded_job_mail(session, user_id, now - timedelta(days=PAST_MAIL_DAYS)):
            facts = EmailFacts(
                sender=self._cipher.decrypt_optional(record.sender_enc) or "",
                subject=self._cipher.decrypt_optional(record.subject_enc) or "",
            )
            rule = first_match([candidate.rule for candidate in rules], facts)
            candidate = next((c for c in rules if c.rule is rule), None)
            if candidate is None or not candidate.reported:
                continue
            previous = record.application_id
            changed = _apply(session, self._cipher, user_id, record, candidate.rule, now)
            if changed or not only_changes:
                decided.append((record, record.application_id or previous))
        after = _statuses(session, user_id)
        matches = tuple(self._match_view(r, a, before, after) for r, a in decided)
        changed_count = sum(
            1 for key in before.keys() | after.keys() if before.get(key) != after.get(key)
        )
        return RulePreview(matches, changed_count)

    def _match_view(
        self,
        record: EmailRecord,
        application_id: int | None,
        before: dict[int, Status],
        after: dict[int, Status],
    ) -> RuleMatchView:
        return RuleMatchView(
            email_id=record.id,
            sender=self._cipher.decrypt_optional(record.sender_enc) or "",
            subject=self._cipher.decrypt_optional(record.subject_enc) or "",
            date=record.email_date,
            application_id=application_id,
            status_before=None if application_id is None else before.get(application_id),
            status_after=None if application_id is None else after.get(application_id),
        )

    def _write(self, row: FilterRule, rule: RuleSpec, now: datetime) -> None:
        stored = rule_json(rule)
        row.name_enc = self._cipher.encrypt(rule.name)
        row.match = rule.match.value
        row.conditions_enc = self._cipher.encrypt(json.dumps(stored["conditions"]))
        row.action = json.dumps(stored["action"])
        row.updated_at = now

    def _spec(self, row: FilterRule) -> RuleSpec:
        return _rule_spec(self._cipher, row)

    def _view(self, row: FilterRule) -> FilterRuleView:
        return FilterRuleView(row.id, row.position, self._spec(row), row.created_at, row.updated_at)


def rule_decision_text(rule: RuleSpec) -> str:
    """The Activity Log's sentence for an email a rule decided ("Rule 'X' decided: …")."""
    why: dict[str, str] = _texts()["why"]
    status = rule.action.status
    return why[rule.action.type.value].format(
        name=rule.name, status=label_name(status) if status else ""
    )


def rules_read_the_body(rules: Sequence[RuleSpec]) -> bool:
    """Whether any rule has a condition on the body (the sync then reads it, and forgets it)."""
    return any(c.field is RuleField.BODY for rule in rules for c in rule.conditions)


def decided_by_rule(rule: RuleSpec, email: IncomingEmail) -> IncomingEmail:
    """A new email as the rule that matched it decides, before it is written: ignore makes it
    ordinary mail, set_status gives its label, treat_as_job takes it out of review (a job label,
    Applied when the classifier found none). Assign keeps the classifier's label: the email is
    moved to the application once written (`apply_filter_rules_to_past`)."""
    decided = replace(email, explanation=rule_decision_text(rule), needs_review=False)
    kind = rule.action.type
    if kind is ActionType.IGNORE:
        return replace(decided, label=Label.NONE, confidence=1.0)
    if kind is ActionType.SET_STATUS and rule.action.status is not None:
        return replace(decided, label=Label(rule.action.status.value), confidence=1.0)
    if email.label is Label.NONE:
        return replace(decided, label=Label.APPLIED)
    return decided


def _parsed(index: int, item: object) -> RuleSpec:
    if not isinstance(item, Mapping):
        raise InvalidChange(f"rules[{index}]", f"rules[{index}] must be a rule object.")
    try:
        return parse_rule(item)
    except InvalidChange as error:
        raise InvalidChange(f"rules[{index}].{error.field}", str(error)) from None


# Built once (every sync reads it): the rules of a Premium account, in order.
_PREMIUM_RULES = (
    select(FilterRule)
    .join(User, User.id == FilterRule.user_id)
    .where(FilterRule.user_id == bindparam("user_id"), User.plan == PREMIUM_PLAN)
    .order_by(FilterRule.position, FilterRule.id)
)


def premium_rule_specs(session: Session, cipher: FieldCipher, user_id: int) -> list[RuleSpec]:
    """The rules a sync runs on the account's new mail, in order, read in ``session`` by one
    query: none unless the account is on Premium."""
    rows = session.scalars(_PREMIUM_RULES, {"user_id": user_id})
    return [_rule_spec(cipher, row) for row in rows]


def _rule_spec(cipher: FieldCipher, row: FilterRule) -> RuleSpec:
    return parse_rule(
        {
            "name": cipher.decrypt(row.name_enc),
            "match": row.match,
            "conditions": json.loads(cipher.decrypt(row.conditions_enc)),
            "action": json.loads(row.action),
        }
    )


def _rows(session: Session, user_id: int) -> list[FilterRule]:
    query = (
        select(FilterRule)
        .where(FilterRule.user_id == user_id)
        .order_by(FilterRule.position, FilterRule.id)
    )
    return list(session.scalars(query))


def _own_rule(session: Session, user_id: int, rule_id: int) -> FilterRule:
    row = session.get(FilterRule, rule_id) if is_row_id(rule_id) else None
    if row is None or row.user_id != user_id:
        raise NotFound(f"You have no rule with id {rule_id}.")
    return row


def _move(rows: list[FilterRule], row: FilterRule, position: int) -> None:
    if not 1 <= position <= len(rows):
        raise InvalidChange("position", f"position must be between 1 and {len(rows)}.")
    ordered = [other for other in rows if other.id != row.id]
    ordered.insert(position - 1, row)
    for index, other in enumerate(ordered, start=1):
        other.position = index


def _check_target(session: Session, user_id: int, action: RuleAction) -> None:
    """An assign rule must name one of the user's live applications."""
    if action.type is not ActionType.ASSIGN or action.application_id is None:
        return
    try:
        live_application(session, user_id, action.application_id)
    except NotFound:
        raise InvalidChange(
            "action.application_id",
            f"action.application_id: you have no application with id {action.application_id}.",
        ) from None


def _recorded_job_mail(session: Session, user_id: int, since: datetime) -> list[EmailRecord]:
    """The user's recorded job mail (and mail waiting for review) since ``since``, oldest
    first, leaving out what a person corrected."""
    corrected = select(EmailCorrection.email_record_id)
    query = (
        select(EmailRecord)
        .join(Mailbox, Mailbox.id == EmailRecord.mailbox_id)
        .where(
            Mailbox.user_id == user_id,
            EmailRecord.sender_enc.is_not(None),
            EmailRecord.email_date >= since,
            EmailRecord.id.not_in(corrected),
        )
        .order_by(EmailRecord.email_date, EmailRecord.id)
    )
    return list(session.scalars(query))


def _statuses(session: Session, user_id: int) -> dict[int, Status]:
    query = select(Application.id, Application.status).where(live(user_id))
    return {application_id: status for application_id, status in session.execute(query)}


def _decision(record: EmailRecord, action: RuleAction) -> tuple[Label, int | None] | None:
    """The email's label and application once the rule decided (None: the rule changes
    nothing a recorded email can show, e.g. treat as job mail for what already is)."""
    if action.type is ActionType.IGNORE:
        return Label.NONE, record.application_id
    if action.type is ActionType.SET_STATUS and action.status is not None:
        if record.application_id is None:
            return None
        return Label(action.status.value), record.application_id
    if action.type is ActionType.ASSIGN and record.label is not Label.NONE:
        return record.label, action.application_id
    return None


def _apply(
    session: Session,
    cipher: FieldCipher,
    user_id: int,
    record: EmailRecord,
    rule: RuleSpec,
    now: datetime,
) -> bool:
    """Apply the rule's decision to one recorded email; False when it already read so."""
    if _waits_for_review(record) and rule.action.type in _ACCEPTING:
        return _accept_for_review(session, cipher, record, rule, now)
    decision = _decision(record, rule.action)
    if decision is None or decision == (record.label, record.application_id):
        return False
    previous = record.application_id
    record.label, record.application_id = decision
    record.explanation_enc = cipher.encrypt(rule_decision_text(rule))
    if record.review_state is ReviewState.PENDING:
        pending_kept = record.label is not Label.NONE and record.application_id is None
        record.review_state = ReviewState.PENDING if pending_kept else ReviewState.ACCEPTED
    target = record.application_id
    if target is not None and record.label is not Label.NONE:
        _log_email_on(session, record, target, now)
    session.flush()
    for application_id in {previous, target} - {None}:
        application = session.get(Application, application_id)
        if application is None or application.user_id != user_id or application.deleted_at:
            continue
        if recompute_status(session, application, now=now):
            _mark_applied(session, record, application)
    return True


def _waits_for_review(record: EmailRecord) -> bool:
    return record.review_state is ReviewState.PENDING and record.application_id is None


def _accept_for_review(
    session: Session, cipher: FieldCipher, record: EmailRecord, rule: RuleSpec, now: datetime
) -> bool:
    """An email waiting for review, accepted as the rule says (its status, or its likeliest job
    label): it joins or starts its application like an email a person accepted."""
    status = rule.action.status
    if status is not None:
        record.label = Label(status.value)
    elif record.label is Label.NONE:
        record.label = Label.APPLIED
    record.review_state = ReviewState.ACCEPTED
    record.explanation_enc = cipher.encrypt(rule_decision_text(rule))
    mailbox = session.get(Mailbox, record.mailbox_id)
    assert mailbox is not None
    joined = BatchWriter(session, cipher, mailbox, now).apply_reviewed(
        record, _as_incoming(cipher, record)
    )
    session.flush()
    application = None if joined is None else session.get(Application, joined)
    if application is not None and recompute_status(session, application, now=now):
        _mark_applied(session, record, application)
    return True


def _as_incoming(cipher: FieldCipher, record: EmailRecord) -> IncomingEmail:
    """The recorded email, decrypted, as the sync writer takes it."""
    return IncomingEmail(
        gmail_message_id=record.gmail_message_id,
        thread_id=record.thread_id,
        rfc822_message_id=None,
        sender=cipher.decrypt_optional(record.sender_enc) or "",
        subject=cipher.decrypt_optional(record.subject_enc) or "",
        date=record.email_date,
        label=record.label,
        confidence=record.confidence,
        company=cipher.decrypt_optional(record.company_enc),
        role=cipher.decrypt_optional(record.role_enc),
    )


def _log_email_on(
    session: Session, record: EmailRecord, application_id: int, now: datetime
) -> None:
    """The email's event on the application, saying what the email now means."""
    status = record.label.status
    assert status is not None
    event = session.scalars(
        select(StatusEvent).where(
            StatusEvent.email_record_id == record.id, StatusEvent.application_id == application_id
        )
    ).first()
    if event is not None:
        event.to_status = status
        return
    application = session.get(Application, application_id)
    assert application is not None
    has_events = session.scalar(
        select(func.count()).where(StatusEvent.application_id == application_id)
    )
    session.add(
        StatusEvent(
            application_id=application_id,
            email_record_id=record.id,
            from_status=application.status if has_events else None,
            to_status=status,
            cause=EventCause.EMAIL,
            applied=True,
            created_at=now,
        )
    )


def _mark_applied(session: Session, record: EmailRecord, application: Application) -> None:
    """Whether the email's event moved the application, now that its status is recomputed."""
    event = session.scalars(
        select(StatusEvent).where(
            StatusEvent.email_record_id == record.id,
            StatusEvent.application_id == application.id,
        )
    ).first()
    if event is not None and record.application_id == application.id:
        event.applied = application.status is event.to_status and not application.manual_override
