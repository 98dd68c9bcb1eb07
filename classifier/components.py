"""The pipeline's registered components: email rules, the decision, and extraction.

Factory names are versioned: change behaviour under a new name so a saved pipeline keeps loading
the behaviour it was trained with.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import numpy
from spacy.language import Language
from spacy.tokens import Doc

from classifier.decision import (
    NONE_LABEL,
    DecisionModel,
    MailboxContext,
    Verdict,
    decide,
    feature_vector,
)
from classifier.evidence import Evidence, RuleMatchers
from classifier.explain import explain
from classifier.extraction import extract_company, extract_role
from classifier.messages import LABELS
from classifier.newest_text import forwarded_sender
from classifier.rulebook import RuleBook, default_rulebook

RULES_FACTORY = "applytrack_email_rules_v3"
DECISION_FACTORY = "applytrack_decision_v4"
EXTRACT_FACTORY = "applytrack_extract_v2"
DECISION_FILE = "decision.json"


# What an email's state holds until the rules component puts the evidence it found in its place
# (built anew for each email; nothing writes to this one): one shared empty record, so that
# tokenizing an email builds no throwaway one.
NO_EVIDENCE = Evidence()


@dataclass(slots=True)
class EmailState:
    """What the components read and write for one email, kept in the ``doc._.applytrack`` slot.

    One extension attribute instead of ten: each extension access costs a few microseconds.
    """

    sender: str = ""
    to: str = ""
    subject: str = ""
    text: str = ""  # the subject and the newest text, as written
    folded: str = ""  # the same, folded (what the rules read; the textcat without web addresses)
    written_chars: int = 0  # characters of ``text`` outside web addresses ("shape:short")
    signature: str = ""
    forwarded_message: str = ""  # a message it forwards: header lines and newest text
    subject_only: bool = False
    context: MailboxContext | None = None
    evidence: Evidence = field(default_factory=lambda: NO_EVIDENCE)
    label: str = NONE_LABEL
    confidence: float = 0.0
    reasons: tuple[str, ...] = ()
    explanation: str = ""
    needs_review_hint: bool = False  # the label was given instead of `none`: always review
    company: str | None = None
    role: str | None = None


# Where spaCy keeps the value of ``doc._.applytrack``. Reading it straight from ``doc.user_data``
# skips building an `Underscore` proxy on every access (a few microseconds, four times per email).
_STATE_KEY = ("._.", "applytrack", None, None)


def email_state(doc: Doc) -> EmailState:
    """The doc's email state; a doc made from plain text gets one with its text as the body."""
    state: EmailState | None = _user_data(doc).get(_STATE_KEY)
    if state is None:
        state = EmailState(text=doc.text, folded=doc.text.lower(), written_chars=len(doc.text))
        attach_state(doc, state)
    return state


def attach_state(doc: Doc, state: EmailState) -> None:
    """Give ``doc`` its email state (the value of ``doc._.applytrack``)."""
    _user_data(doc)[_STATE_KEY] = state


def _user_data(doc: Doc) -> dict[object, Any]:
    # spaCy declares ``user_data`` as ``dict[str, Any]``; extension values sit under tuple keys.
    return cast("dict[object, Any]", doc.user_data)


def register_extensions() -> None:
    """Declare the Doc attribute the components share (safe to call twice)."""
    if not Doc.has_extension("applytrack"):
        Doc.set_extension("applytrack", default=None)


register_extensions()


@lru_cache(maxsize=1)
def default_matchers() -> RuleMatchers:
    """The shipped rule files, compiled once per process."""
    return RuleMatchers(default_rulebook())


class EmailRules:
    """Finds what the rule files say about an email: stage statements, topics, sender, language."""

    def __init__(self, name: str, rules: RuleBook | None = None) -> None:
        self.name = name
        self.matchers = default_matchers() if rules is None else RuleMatchers(rules)

    def __call__(self, doc: Doc) -> Doc:
        state = email_state(doc)
        state.evidence = self.matchers.evidence_folded(
            state.sender,
            state.subject,
            state.folded,
            to=state.to,
            forwarded_message=state.forwarded_message,
        )
        return doc


class Decision:
    """Joins the textcat's scores, the rule evidence and the context into one label (see
    `classifier.decision`). Works a batch at a time: one matrix product per batch."""

    def __init__(self, name: str, *, model: DecisionModel | None = None) -> None:
        self.name = name
        self.model = model or DecisionModel.neutral()

    def __call__(self, doc: Doc) -> Doc:
        self._decide([doc])
        return doc

    def pipe(self, docs: Iterable[Doc], *, batch_size: int = 256) -> Iterator[Doc]:
        """Decide a batch of documents at once."""
        batch: list[Doc] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= batch_size:
                self._decide(batch)
                yield from batch
                batch = []
        if batch:
            self._decide(batch)
            yield from batch

    def features(self, docs: list[Doc]) -> numpy.ndarray[Any, numpy.dtype[numpy.float64]]:
        """The feature rows of a batch (the training kit fits the model on them)."""
        rows = []
        for doc in docs:
            state = email_state(doc)
            rows.append(
                feature_vector(
                    state.evidence,
                    doc.cats or None,
                    text_chars=state.written_chars,
                    subject_only=state.subject_only,
                )
            )
        return numpy.array(rows, dtype=numpy.float64)

    def _decide(self, docs: list[Doc]) -> None:
        probabilities = self.model.probabilities(self.features(docs)).tolist()
        for doc, row in zip(docs, probabilities, strict=True):
            state = email_state(doc)
            if not state.text.strip():
                state.label, state.confidence = NONE_LABEL, 1.0
                state.reasons, state.explanation = ("empty:no subject or text",), ""
                continue
            verdict = decide(row, state.evidence, doc.cats or None, self.model, state.context)
            _record(state, verdict, doc.cats)

    def to_disk(self, path: str | Path, *, exclude: tuple[str, ...] = ()) -> None:
        """Save the fitted model."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self.model.save(path / DECISION_FILE)

    def from_disk(self, path: str | Path, *, exclude: tuple[str, ...] = ()) -> Decision:
        """Load the model saved by `to_disk`."""
        self.model = DecisionModel.load(Path(path) / DECISION_FILE)
        return self


def _record(state: EmailState, verdict: Verdict, cats: dict[str, float]) -> None:
    state.label = verdict.label
    state.confidence = verdict.confidence
    state.needs_review_hint = verdict.promoted
    reasons = list(dict.fromkeys(cue.reason for cue in state.evidence.cues))
    if cats:
        reasons.append(f"textcat:{verdict.label}={cats.get(verdict.label, 0.0):.2f}")
    if verdict.promoted:
        reasons.append("rule:job evidence, never filed as ordinary mail")
    if verdict.context_rule:
        reasons.append(f"context:{verdict.context_rule}")
    state.reasons = tuple(reasons)
    state.explanation = explain(verdict, state.evidence)


class CompanyRoleExtractor:
    """Sets the company and the role a job email is about (runs after the decision)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        state = email_state(doc)
        if state.label == NONE_LABEL:
            return doc  # ordinary mail joins no application: skip the work
        state.company = extract_company(
            _company_sender(state), state.subject, state.text, state.signature, reader=state.to
        )
        state.role = extract_role(state.subject, state.text, reader=state.to, company=state.company)
        return doc


def _company_sender(state: EmailState) -> str:
    """The sender whose company a job email is about: a forward from a free mail address (the
    reader passing on mail from another account of theirs) is about the message it forwards, and
    that message's sender is the employer or its system; any other sender is its own."""
    if state.evidence.sender.free_mail:
        forwarded = forwarded_sender(state.forwarded_message)
        if "@" in forwarded:
            return forwarded
    return state.sender


@Language.factory(RULES_FACTORY)
def make_email_rules(nlp: Language, name: str) -> EmailRules:
    """Factory for the rule component."""
    return EmailRules(name)


@Language.factory(EXTRACT_FACTORY)
def make_extractor(nlp: Language, name: str) -> CompanyRoleExtractor:
    """Factory for the company and role extractor."""
    return CompanyRoleExtractor(name)


@Language.factory(DECISION_FACTORY)
def make_decision(nlp: Language, name: str) -> Decision:
    """Factory for the decision component (its model is loaded from disk or fitted)."""
    return Decision(name)


__all__ = [
    "DECISION_FACTORY",
    "EXTRACT_FACTORY",
    "LABELS",
    "RULES_FACTORY",
    "CompanyRoleExtractor",
    "Decision",
    "EmailRules",
    "EmailState",
    "attach_state",
    "default_matchers",
    "email_state",
]
