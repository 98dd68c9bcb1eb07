"""The pipeline's registered components: email rules, extraction and the final decision.

Factory names are versioned: change behaviour under a new name so a saved pipeline keeps loading
the behaviour it was calibrated with.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import numpy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from classifier.contexts import CONTEXT_GROUPS, JOB_CONTEXT
from classifier.cues import (
    ATS_DOMAINS,
    HIRING_SENDER,
    JOB_BOARD_DOMAINS,
    KEY_PHRASES,
    SUBJECT_OFFER_STOP,
    SUBJECT_WORDS,
    WEAK_PHRASES,
)
from classifier.extraction import extract_company, extract_role
from classifier.messages import JOB_LABELS, LABELS
from classifier.patterns import find_patterns
from classifier.tokenizer import word_tokens

RULES_FACTORY = "applytrack_email_rules_v2"
EXTRACT_FACTORY = "applytrack_extract_v1"
DECISION_FACTORY = "applytrack_decision_v3"

NONE_LABEL = "none"
_NONE_INDEX = LABELS.index(NONE_LABEL)
_PHRASE_CAP = 2.0
_CONTEXT_CAP = 2.5
_ATS_WEIGHT = 0.5
_BOARD_WEIGHT = 0.3
_WEAK_CONTEXT_WEIGHT = 0.5
_NONE_PRIOR = 0.5  # rules only: with no evidence at all, mail is ordinary mail
_SENDER_DOMAIN = re.compile(r"@([\w.-]+)>?\s*$")
# "We will not be extending an offer" must not count for `offer`: a negation just before a
# positive statement turns it off (rejections are phrased with negations, so they keep theirs).
_NEGATED_LABELS = frozenset({"applied", "interviewing", "offer"})
_NEGATION_WORDS = frozenset({"not", "n't", "no", "never", "unable", "cannot", "without"})
_NEGATION_BEFORE = re.compile(
    r"(?:\bnot|n't|\bno|\bnever|\bunable\s+to|\bcannot)\s+(?:\w+\s+){0,2}$"
)
# Later stages outrank earlier ones: a rejection still thanks you for applying, an offer
# mentions the interviews. Evidence for an earlier stage counts this much when a later one is clear.
_STAGE_ORDER = {"applied": 0, "interviewing": 1, "offer": 2, "rejected": 2}
_EARLIER_STAGE_DISCOUNT = 0.25


def rule_weights() -> dict[str, object]:
    """The weights, caps and word lists that turn cues into the decision's features.

    Part of the rules fingerprint (`classifier.fingerprint`): the decision was calibrated on them.
    """
    return {
        "phrase_cap": _PHRASE_CAP,
        "context_cap": _CONTEXT_CAP,
        "ats_weight": _ATS_WEIGHT,
        "board_weight": _BOARD_WEIGHT,
        "weak_context_weight": _WEAK_CONTEXT_WEIGHT,
        "negated_labels": sorted(_NEGATED_LABELS),
        "negation_words": sorted(_NEGATION_WORDS),
        "negation_before": _NEGATION_BEFORE.pattern,
        "stage_order": dict(sorted(_STAGE_ORDER.items())),
        "earlier_stage_discount": _EARLIER_STAGE_DISCOUNT,
    }


@dataclass(frozen=True)
class Cue:
    """One piece of rule evidence: which rule fired, for which label, and how much it counts.

    ``kind`` is phrase, pattern, subject, ats_sender, board_sender, hiring_sender or context; for a
    context cue ``label`` is the context group (job, marketing, ...), else a classifier label.
    """

    kind: str
    label: str
    detail: str
    weight: float

    @property
    def reason(self) -> str:
        """The short reason string shown to users ("phrase:offer letter")."""
        if self.kind == "context":
            return f"context:{self.label}:{self.detail}"
        return f"{self.kind}:{self.detail}"


@dataclass(frozen=True)
class RuleFeatures:
    """The rule evidence reduced to what the decision mixes with the textcat."""

    evidence: tuple[float, ...]  # per label in LABELS order; job phrases (none is 0 here)
    ordinary_context: float  # capped evidence that the email is ordinary mail
    job_context: float  # 0 (no sign of a job) .. 1 (clearly about a job)


@dataclass(frozen=True)
class MixParameters:
    """How the decision weighs rules against the textcat; fitted on the calibration split."""

    rule_scale: float = 1.0
    context_scale: float = 1.0
    gate_penalty: float = 1.0
    temperature: float = 1.0


@dataclass(slots=True)
class EmailState:
    """What the components read and write for one email, kept in the ``doc._.applytrack`` slot.

    One extension attribute instead of ten: each extension access costs a few microseconds.
    """

    sender: str = ""
    subject: str = ""
    text: str = ""
    signature: str = ""
    cues: list[Cue] = field(default_factory=list)
    label: str = NONE_LABEL
    confidence: float = 0.0
    reasons: tuple[str, ...] = ()
    company: str | None = None
    role: str | None = None


# Where spaCy keeps the value of ``doc._.applytrack``. Reading it straight from ``doc.user_data``
# skips building an `Underscore` proxy on every access (a few microseconds, four times per email).
_STATE_KEY = ("._.", "applytrack", None, None)


def email_state(doc: Doc) -> EmailState:
    """The doc's email state; a doc made from plain text gets one with its text as the body."""
    state: EmailState | None = _user_data(doc).get(_STATE_KEY)
    if state is None:
        state = EmailState(text=doc.text)
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


class EmailRules:
    """Finds key phrases, what the email is about (its contexts), and hiring or ATS senders."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name
        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        # One matcher key per phrase, each mapped to its ready-made cue: no per-match text work.
        self.cue_of: dict[int, Cue] = {}
        for label, phrases in KEY_PHRASES.items():
            for phrase in phrases:
                weight = 0.5 if phrase in WEAK_PHRASES else 1.0
                self._add(nlp, Cue("phrase", label, phrase, weight))
        for group in CONTEXT_GROUPS:
            for phrase in group.strong:
                self._add(nlp, Cue("context", group.name, phrase, 1.0))
            for phrase in group.weak:
                self._add(nlp, Cue("context", group.name, phrase, _WEAK_CONTEXT_WEIGHT))

    def _add(self, nlp: Language, cue: Cue) -> None:
        key = f"{cue.kind}|{cue.label}|{cue.detail}"
        self.phrases.add(key, [nlp.make_doc(cue.detail)])
        self.cue_of[nlp.vocab.strings[key]] = cue

    def __call__(self, doc: Doc) -> Doc:
        state = email_state(doc)
        cues = sender_cues(state.sender)
        seen: set[int] = set()
        for match_id, start, _end in self.phrases(doc):
            if match_id in seen:
                continue
            seen.add(match_id)
            cue = self.cue_of[match_id]
            if cue.kind == "phrase" and cue.label in _NEGATED_LABELS and _negated(doc, start):
                continue
            cues.append(cue)
        cues.extend(_subject_cues(state.subject))
        cues.extend(pattern_cues(state.text.lower()))
        state.cues = cues
        return doc


def _negated(doc: Doc, start: int) -> bool:
    return any(doc[index].lower_ in _NEGATION_WORDS for index in range(max(start - 3, 0), start))


def pattern_cues(text: str) -> list[Cue]:
    """Cues from the proximity patterns (`classifier.patterns`) over lower-cased text."""
    cues = []
    for pattern, found in find_patterns(text):
        if pattern.label in _NEGATED_LABELS and _NEGATION_BEFORE.search(
            text, max(found.start() - 30, 0), found.start()
        ):
            continue
        cues.append(Cue("pattern", pattern.label, pattern.name, pattern.weight))
    return cues


def _subject_cues(subject: str) -> list[Cue]:
    """Subject words: "Interview" or "Offer" in a subject counts where it would not in a body."""
    cues = []
    words = word_tokens(subject.lower())
    for index, word in enumerate(words):
        label = SUBJECT_WORDS.get(word)
        if label is None:
            continue
        if label == "offer" and index + 1 < len(words) and words[index + 1] in SUBJECT_OFFER_STOP:
            continue
        cues.append(Cue("subject", label, word, 0.5))
    return cues


def sender_cues(sender: str) -> list[Cue]:
    """Cues from the From header: an ATS domain, a job board, or a sender named for hiring."""
    return list(_sender_cues(sender or ""))


@lru_cache(maxsize=4096)  # a mailbox hears from the same senders again and again
def _sender_cues(sender: str) -> tuple[Cue, ...]:
    cues: list[Cue] = []
    found = _SENDER_DOMAIN.search(sender)
    domain = found.group(1).lower().rstrip(".") if found else ""
    if domain:
        known_ats = _known(domain, ATS_DOMAINS)
        if known_ats:
            cues.extend(Cue("ats_sender", label, known_ats, _ATS_WEIGHT) for label in JOB_LABELS)
        known_board = _known(domain, JOB_BOARD_DOMAINS)
        if known_board:
            cues.append(Cue("board_sender", NONE_LABEL, known_board, _BOARD_WEIGHT))
    hiring = HIRING_SENDER.search(sender)
    if hiring:
        cues.append(Cue("hiring_sender", JOB_CONTEXT, hiring.group(0).lower(), 1.0))
    return tuple(cues)


def _known(domain: str, known_domains: tuple[str, ...]) -> str | None:
    for known in known_domains:
        if domain == known or domain.endswith("." + known):
            return known
    return None


def rule_features(cues: Iterable[Cue]) -> RuleFeatures:
    """Reduce the cues to per-label phrase evidence, ordinary-mail evidence and the job gate."""
    evidence = dict.fromkeys(LABELS, 0.0)
    ats = ordinary = job = 0.0
    for cue in cues:
        if cue.kind in ("phrase", "pattern", "subject"):
            evidence[cue.label] += cue.weight
        elif cue.kind == "ats_sender":
            ats = cue.weight
        elif cue.kind == "board_sender":
            ordinary += cue.weight
            job += 0.5
        elif cue.label == JOB_CONTEXT:
            job += cue.weight
        else:
            ordinary += cue.weight
    _discount_earlier_stages(evidence)
    capped = tuple(
        0.0 if label == NONE_LABEL else min(evidence[label], _PHRASE_CAP) + ats for label in LABELS
    )
    job_context = min(job + (1.0 if ats else 0.0), 1.0)
    return RuleFeatures(capped, min(ordinary, _CONTEXT_CAP), job_context)


def _discount_earlier_stages(evidence: dict[str, float]) -> None:
    clear = [label for label in JOB_LABELS if evidence[label] >= 1.0]
    if not clear:
        return
    latest = max(_STAGE_ORDER[label] for label in clear)
    for label in JOB_LABELS:
        if _STAGE_ORDER[label] < latest:
            evidence[label] *= _EARLIER_STAGE_DISCOUNT


def mix_probabilities(
    textcat: numpy.ndarray,
    evidence: numpy.ndarray,
    ordinary_context: numpy.ndarray,
    job_context: numpy.ndarray,
    parameters: MixParameters,
) -> numpy.ndarray:
    """Calibrated label probabilities for a batch: rows are emails, columns follow LABELS.

    logit(job label) = log p_textcat + rule_scale * job_context * phrase evidence
                       - gate_penalty * (1 - job_context) * p_textcat(none);
    logit(none) = log p_textcat(none) + context_scale * ordinary_context;
    probabilities = softmax(logit / temperature). A rules-only pipeline passes
    `rules_only_prior()` as its textcat scores.
    """
    # Key phrases only mean something about a job in a job context: outside one they count for
    # nothing, and the job labels pay the gate penalty on top ("none" wins without job evidence).
    # The penalty shrinks as the textcat grows sure the email is job mail: "Checking in on your
    # offer" names no job word the rules know, and the textcat has read enough such mail.
    gated_evidence = evidence * job_context[:, None]
    logits = numpy.log(numpy.maximum(textcat, 1e-6)) + parameters.rule_scale * gated_evidence
    closed_gate = parameters.gate_penalty * (1.0 - job_context) * textcat[:, _NONE_INDEX]
    logits -= closed_gate[:, None]
    logits[:, _NONE_INDEX] += closed_gate + parameters.context_scale * ordinary_context
    logits /= parameters.temperature
    logits -= logits.max(axis=1, keepdims=True)
    exps = numpy.exp(logits)
    probabilities: numpy.ndarray = exps / exps.sum(axis=1, keepdims=True)
    return probabilities


def rules_only_prior() -> tuple[float, ...]:
    """The textcat stand-in of a rules-only pipeline: with no evidence, mail is ordinary."""
    weights = [1.0 if label != NONE_LABEL else numpy.exp(_NONE_PRIOR) for label in LABELS]
    total = sum(weights)
    return tuple(weight / total for weight in weights)


class CompanyRoleExtractor:
    """Sets the company and the role a job email is about (runs after the decision)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        state = email_state(doc)
        if state.label == NONE_LABEL:
            return doc  # ordinary mail joins no application: skip the work
        state.company = extract_company(state.sender, state.subject, state.text, state.signature)
        state.role = extract_role(state.subject, state.text)
        return doc


class Decision:
    """Joins the textcat's scores and the rule evidence into one label and a calibrated confidence.

    See `mix_probabilities`; the parameters are fitted on the calibration split by
    `classifier.training.calibrate` and saved with the pipeline. Works a batch at a time.
    """

    def __init__(self, name: str, *, parameters: MixParameters) -> None:
        self.name = name
        self.parameters = parameters

    def __call__(self, doc: Doc) -> Doc:
        self._decide([doc])
        return doc

    def pipe(self, docs: Iterable[Doc], *, batch_size: int = 256) -> Iterator[Doc]:
        """Decide a batch of documents at once (one numpy call per batch)."""
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

    def _decide(self, docs: list[Doc]) -> None:
        states = [email_state(doc) for doc in docs]
        features = [rule_features(state.cues) for state in states]
        prior = rules_only_prior()
        textcat = numpy.array(
            [[doc.cats.get(label, 0.0) for label in LABELS] if doc.cats else prior for doc in docs]
        )
        probabilities = mix_probabilities(
            textcat,
            numpy.array([feature.evidence for feature in features]),
            numpy.array([feature.ordinary_context for feature in features]),
            numpy.array([feature.job_context for feature in features]),
            self.parameters,
        )
        best = probabilities.argmax(axis=1)
        rows = zip(docs, states, probabilities.tolist(), best.tolist(), strict=True)
        for doc, state, row, index in rows:
            if not len(doc) and not state.cues:
                state.label, state.confidence = NONE_LABEL, 1.0
                state.reasons = ("empty:no subject or text",)
                continue
            state.label = LABELS[index]
            state.confidence = row[index]
            state.reasons = _reasons(doc.cats, state.cues, state.label)

    def to_disk(self, path: str | Path, *, exclude: tuple[str, ...] = ()) -> None:
        """Save the calibration."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        values = {
            "rule_scale": self.parameters.rule_scale,
            "context_scale": self.parameters.context_scale,
            "gate_penalty": self.parameters.gate_penalty,
            "temperature": self.parameters.temperature,
        }
        (path / "calibration.json").write_text(json.dumps(values, indent=2) + "\n")

    def from_disk(self, path: str | Path, *, exclude: tuple[str, ...] = ()) -> Decision:
        """Load the calibration saved by `to_disk`."""
        values = json.loads((Path(path) / "calibration.json").read_text())
        self.parameters = MixParameters(**{key: float(value) for key, value in values.items()})
        return self


def _reasons(cats: dict[str, float], cues: list[Cue], label: str) -> tuple[str, ...]:
    reasons = [cue.reason for cue in cues if cue.kind != "ats_sender" or cue.label == JOB_LABELS[0]]
    if cats:
        reasons.append(f"textcat:{label}={cats.get(label, 0.0):.2f}")
    return tuple(reasons)


@Language.factory(RULES_FACTORY)
def make_email_rules(nlp: Language, name: str) -> EmailRules:
    """Factory for the rule component."""
    return EmailRules(nlp, name)


@Language.factory(EXTRACT_FACTORY)
def make_extractor(nlp: Language, name: str) -> CompanyRoleExtractor:
    """Factory for the company and role extractor."""
    return CompanyRoleExtractor(name)


@Language.factory(
    DECISION_FACTORY,
    default_config={
        "rule_scale": 1.0,
        "context_scale": 1.0,
        "gate_penalty": 1.0,
        "temperature": 1.0,
    },
)
def make_decision(
    nlp: Language,
    name: str,
    rule_scale: float,
    context_scale: float,
    gate_penalty: float,
    temperature: float,
) -> Decision:
    """Factory for the decision component."""
    parameters = MixParameters(rule_scale, context_scale, gate_penalty, temperature)
    return Decision(name, parameters=parameters)
