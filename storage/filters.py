"""Advanced Filters' rule engine: what a rule is, its checks, and whether it matches an email.

Pure: no database, no clock. A rule's conditions look at the sender's address, its domain, the
subject, the body (only while the sync reads it; never stored) and the Gmail labels; a condition on
something the caller does not have (the body of a recorded email) does not match. Regular
expressions run on RE2, whose matching time is linear in the text: no pattern can run away.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.utils import parseaddr
from enum import StrEnum
from functools import lru_cache
from typing import Any, TypeVar

import re2

from storage.enums import Status
from storage.errors import InvalidChange

MAX_NAME = 200
MAX_VALUE = 500
MAX_CONDITIONS = 20
_RULE_KEYS = frozenset({"name", "match", "conditions", "action"})
_CONDITION_KEYS = frozenset({"field", "op", "value"})
_ACTION_KEYS = frozenset({"type", "status", "application_id"})
E = TypeVar("E", bound=StrEnum)


class RuleField(StrEnum):
    """What a condition looks at."""

    SENDER = "sender"
    SENDER_DOMAIN = "sender_domain"
    SUBJECT = "subject"
    BODY = "body"
    LABEL = "label"


class RuleOp(StrEnum):
    """How a condition compares (case does not matter for any of them)."""

    EQUALS = "equals"
    CONTAINS = "contains"
    MATCHES = "matches"


class RuleMatch(StrEnum):
    """Whether every condition must hold, or one is enough."""

    ALL = "all"
    ANY = "any"


class ActionType(StrEnum):
    """What a matching rule does to the email."""

    SET_STATUS = "set_status"
    IGNORE = "ignore"  # never a job email
    TREAT_AS_JOB = "treat_as_job"  # the classifier decides the stage; job context is waived
    ASSIGN = "assign"  # the email belongs to this application


@dataclass(frozen=True)
class Condition:
    """One check of a rule."""

    field: RuleField
    op: RuleOp
    value: str


@dataclass(frozen=True)
class RuleAction:
    """What the rule does; ``status`` for set_status, ``application_id`` for assign."""

    type: ActionType
    status: Status | None = None
    application_id: int | None = None


@dataclass(frozen=True)
class RuleSpec:
    """A rule as written: its name, how its conditions combine, and its action."""

    name: str
    match: RuleMatch
    conditions: tuple[Condition, ...]
    action: RuleAction


@dataclass(frozen=True)
class EmailFacts:
    """What a rule can look at; None for what the caller does not have."""

    sender: str
    subject: str
    body: str | None = None
    labels: tuple[str, ...] | None = None


def parse_rule(body: Mapping[str, Any]) -> RuleSpec:
    """A rule from its JSON form; raises `InvalidChange` naming the field at fault."""
    _no_unknown_keys(body, _RULE_KEYS, "")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InvalidChange("name", "name is required: say what the rule is for.")
    if len(name) > MAX_NAME:
        raise InvalidChange("name", f"name is longer than {MAX_NAME} characters.")
    match = _member(RuleMatch, "match", body.get("match", RuleMatch.ALL.value))
    return RuleSpec(name.strip(), match, _conditions(body.get("conditions")), _action(body))


def rule_json(rule: RuleSpec) -> dict[str, Any]:
    """The JSON form of a rule (what `parse_rule` reads back)."""
    action: dict[str, Any] = {"type": rule.action.type.value}
    if rule.action.status is not None:
        action["status"] = rule.action.status.value
    if rule.action.application_id is not None:
        action["application_id"] = rule.action.application_id
    return {
        "name": rule.name,
        "match": rule.match.value,
        "conditions": [
            {"field": c.field.value, "op": c.op.value, "value": c.value} for c in rule.conditions
        ],
        "action": action,
    }


def rule_matches(rule: RuleSpec, facts: EmailFacts) -> bool:
    """Whether the email meets the rule's conditions (all of them, or any)."""
    results = (condition_holds(condition, facts) for condition in rule.conditions)
    return all(results) if rule.match is RuleMatch.ALL else any(results)


def first_match(rules: Sequence[RuleSpec], facts: EmailFacts) -> RuleSpec | None:
    """The first rule, in the user's order, that the email matches (first match wins)."""
    return next((rule for rule in rules if rule_matches(rule, facts)), None)


def condition_holds(condition: Condition, facts: EmailFacts) -> bool:
    """Whether one condition holds for the email; False when the email lacks the field."""
    texts = _field_texts(condition.field, facts)
    if condition.op is RuleOp.MATCHES:
        pattern = compile_pattern(condition.value)
        return any(pattern.search(text) is not None for text in texts)
    wanted = _normalised(condition.field, condition.value)
    if condition.op is RuleOp.EQUALS:
        return any(text.casefold() == wanted for text in texts)
    return any(wanted in text.casefold() for text in texts)


def sender_address(sender: str) -> str:
    """The address of a From header ("Acme <jobs@acme.example>" → "jobs@acme.example")."""
    return parseaddr(sender)[1].strip().casefold() or sender.strip().casefold()


def sender_domain(sender: str) -> str:
    """The domain of a From header's address ("" when it has none)."""
    return sender_address(sender).rpartition("@")[2] if "@" in sender else ""


@lru_cache(maxsize=1024)
def compile_pattern(value: str) -> Any:
    """The RE2 pattern of a ``matches`` condition, case-insensitive (raises ``re2.error``)."""
    options = re2.Options()
    options.log_errors = False
    options.case_sensitive = False
    return re2.compile(value, options)


def _field_texts(field: RuleField, facts: EmailFacts) -> tuple[str, ...]:
    if field is RuleField.SENDER:
        return (sender_address(facts.sender),)
    if field is RuleField.SENDER_DOMAIN:
        return (sender_domain(facts.sender),)
    if field is RuleField.SUBJECT:
        return (facts.subject,)
    if field is RuleField.BODY:
        return () if facts.body is None else (facts.body,)
    return facts.labels or ()


def _normalised(field: RuleField, value: str) -> str:
    text = value.strip().casefold()
    return text.removeprefix("@") if field is RuleField.SENDER_DOMAIN else text


def _conditions(value: object) -> tuple[Condition, ...]:
    if not isinstance(value, list) or not value:
        raise InvalidChange("conditions", "conditions must be a list of at least one condition.")
    if len(value) > MAX_CONDITIONS:
        raise InvalidChange("conditions", f"A rule has at most {MAX_CONDITIONS} conditions.")
    return tuple(_condition(index, item) for index, item in enumerate(value))


def _condition(index: int, item: object) -> Condition:
    where = f"conditions[{index}]"
    if not isinstance(item, dict):
        raise InvalidChange(where, f"{where} must be an object with field, op and value.")
    _no_unknown_keys(item, _CONDITION_KEYS, f"{where}.")
    field = _member(RuleField, f"{where}.field", item.get("field"))
    op = _member(RuleOp, f"{where}.op", item.get("op"))
    value = item.get("value")
    if not isinstance(value, str) or not value.strip():
        raise InvalidChange(f"{where}.value", f"{where}.value must be some text, not empty.")
    if len(value) > MAX_VALUE:
        raise InvalidChange(
            f"{where}.value", f"{where}.value is longer than {MAX_VALUE} characters."
        )
    if op is RuleOp.MATCHES:
        _check_pattern(f"{where}.value", value)
    return Condition(field, op, value)


def _check_pattern(where: str, value: str) -> None:
    try:
        compile_pattern(value)
    except re2.error as error:
        reason = (
            error.args[0].decode() if error.args and isinstance(error.args[0], bytes) else error
        )
        raise InvalidChange(
            where,
            f"{where} is not a regular expression we can run in linear time ({reason}); "
            "lookarounds and back-references are not supported.",
        ) from None


def _action(body: Mapping[str, Any]) -> RuleAction:
    action = body.get("action")
    if not isinstance(action, dict):
        raise InvalidChange("action", "action must be an object with a type.")
    _no_unknown_keys(action, _ACTION_KEYS, "action.")
    kind = _member(ActionType, "action.type", action.get("type"))
    if kind is ActionType.SET_STATUS:
        status = _member(Status, "action.status", action.get("status"))
        return RuleAction(kind, status=status)
    if kind is ActionType.ASSIGN:
        target = action.get("application_id")
        if isinstance(target, bool) or not isinstance(target, int) or not 0 < target < 2**63:
            raise InvalidChange(
                "action.application_id",
                "action.application_id must be the id of one of your applications.",
            )
        return RuleAction(kind, application_id=target)
    return RuleAction(kind)


def _member(kind: type[E], field: str, value: object) -> E:
    allowed = {member.value for member in kind}
    if not isinstance(value, str) or value not in allowed:
        raise InvalidChange(field, f"{field} must be one of {', '.join(m.value for m in kind)}.")
    return kind(value)


def _no_unknown_keys(body: Mapping[str, Any], known: frozenset[str], prefix: str) -> None:
    unknown = sorted(set(body) - known)
    if unknown:
        raise InvalidChange(
            f"{prefix}{unknown[0]}", f"{prefix}{unknown[0]} is not a field of a rule."
        )
