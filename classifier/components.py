"""The pipeline's registered components: email rules, extraction and the final decision.

Factory names are versioned: change behaviour under a new name so a saved pipeline keeps loading
the behaviour it was calibrated with.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from classifier.cues import ATS_DOMAINS, JOB_BOARD_DOMAINS, KEY_PHRASES, NEGATIVE_CUES
from classifier.extraction import extract_company, extract_role
from classifier.messages import JOB_LABELS, LABELS

RULES_FACTORY = "applytrack_email_rules_v1"
EXTRACT_FACTORY = "applytrack_extract_v1"
DECISION_FACTORY = "applytrack_decision_v1"

# Phrases that also show up in other kinds of mail count half.
WEAK_PHRASES = frozenset(
    {
        "unfortunately",
        "after careful consideration",
        "your availability",
        "availability for",
        "quick call",
        "reschedule",
        "rescheduled",
        "welcome to the team",
        "base salary",
        "not a fit",
        "meet the team",
        "time to chat",
        "received your application",
        "find a time",
        "like to chat",
        "love to chat",
        "next round",
        "final round",
        "calendly",
        "equity grant",
        "successfully submitted",
        "job offer",
        "countersign",
        "set up a time",
        "not selected",
    }
)
NONE_LABEL = "none"
_PHRASE_CAP = 2.0
_NEGATIVE_CAP = 2.5
_ATS_WEIGHT = 0.5
_BOARD_WEIGHT = 0.3
_SENDER_DOMAIN = re.compile(r"@([\w.-]+)>?\s*$")
_NONE_PRIOR = 0.5  # rules only: with no evidence at all, mail is ordinary mail


@dataclass(frozen=True)
class Cue:
    """One piece of rule evidence: which rule fired, for which label, and how much it counts."""

    kind: str  # phrase, negative, subject, ats_sender, board_sender
    label: str
    detail: str
    weight: float

    @property
    def reason(self) -> str:
        """The short reason string shown to users ("phrase:offer letter")."""
        return f"{self.kind}:{self.detail}"


def register_extensions() -> None:
    """Declare the Doc attributes the components read and write (safe to call twice)."""
    defaults: dict[str, object] = {
        "applytrack_sender": "",
        "applytrack_subject": "",
        "applytrack_text": "",
        "applytrack_signature": "",
        "applytrack_cues": None,
        "applytrack_label": NONE_LABEL,
        "applytrack_confidence": 0.0,
        "applytrack_reasons": (),
        "applytrack_company": None,
        "applytrack_role": None,
    }
    for name, default in defaults.items():
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=default)


register_extensions()


class EmailRules:
    """Finds key phrases, negative cues, interview patterns and ATS or job-board senders."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name
        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        for label, phrases in KEY_PHRASES.items():
            self.phrases.add(label, list(nlp.tokenizer.pipe(phrases)))
        self.phrases.add("negative", list(nlp.tokenizer.pipe(NEGATIVE_CUES)))
        # Token patterns run on the subject line only: it is short, and a subject naming an
        # interview or an offer is strong evidence where the same word in a body is not.
        self.subject_patterns = Matcher(nlp.vocab)
        self.subject_patterns.add(
            "interviewing", [[{"LOWER": {"IN": ["interview", "interviews", "interviewing"]}}]]
        )
        self.subject_patterns.add("offer", [[{"LOWER": "offer"}, {"LOWER": {"NOT_IN": ["ends"]}}]])
        self.subject_patterns.add(
            "rejected", [[{"LOWER": {"IN": ["regret", "unsuccessful", "declined"]}}]]
        )

    def __call__(self, doc: Doc) -> Doc:
        cues = self._sender_cues(doc._.applytrack_sender)
        seen: set[str] = set()
        for match_id, start, end in self.phrases(doc):
            label = doc.vocab.strings[match_id]
            phrase = doc[start:end].text.lower()
            if phrase in seen:
                continue
            seen.add(phrase)
            if label == "negative":
                cues.append(Cue("negative", NONE_LABEL, phrase, 1.0))
            else:
                weight = 0.5 if phrase in WEAK_PHRASES else 1.0
                cues.append(Cue("phrase", label, phrase, weight))
        subject = doc.char_span(0, len(doc._.applytrack_subject), alignment_mode="contract")
        if subject is not None and len(subject):
            for match_id, start, end in self.subject_patterns(subject):
                cues.append(
                    Cue(
                        "subject", doc.vocab.strings[match_id], subject[start:end].text.lower(), 0.5
                    )
                )
        doc._.applytrack_cues = cues
        return doc

    @staticmethod
    def _sender_cues(sender: str) -> list[Cue]:
        found = _SENDER_DOMAIN.search(sender or "")
        if not found:
            return []
        domain = found.group(1).lower().rstrip(".")
        if not domain:
            return []
        for known in ATS_DOMAINS:
            if domain == known or domain.endswith("." + known):
                return [Cue("ats_sender", label, known, _ATS_WEIGHT) for label in JOB_LABELS]
        for known in JOB_BOARD_DOMAINS:
            if domain == known or domain.endswith("." + known):
                return [Cue("board_sender", NONE_LABEL, known, _BOARD_WEIGHT)]
        return []


class CompanyRoleExtractor:
    """Sets the company and the role a job email is about (runs after the decision)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        if doc._.applytrack_label == NONE_LABEL:
            return doc  # ordinary mail joins no application: skip the work
        text = doc._.applytrack_text or doc.text
        doc._.applytrack_company = extract_company(
            doc._.applytrack_sender, doc._.applytrack_subject, text, doc._.applytrack_signature
        )
        doc._.applytrack_role = extract_role(doc._.applytrack_subject, text)
        return doc


class Decision:
    """Joins the textcat's scores and the rule evidence into one label and a calibrated confidence.

    score(label) = log p_textcat(label) + rule_scale * rule_evidence(label), and
    confidence = softmax(score / temperature). ``rule_scale`` and ``temperature`` are fitted on the
    calibration split by `classifier.training.calibrate` and saved with the pipeline.
    """

    def __init__(self, name: str, *, rule_scale: float, temperature: float) -> None:
        self.name = name
        self.rule_scale = rule_scale
        self.temperature = temperature

    def __call__(self, doc: Doc) -> Doc:
        cues = doc._.applytrack_cues or []
        if not len(doc) and not cues:
            doc._.applytrack_label, doc._.applytrack_confidence = NONE_LABEL, 1.0
            doc._.applytrack_reasons = ("empty:no subject or text",)
            return doc
        scores = decision_scores(doc.cats, cues, self.rule_scale, self.temperature)
        label = max(scores, key=scores.__getitem__)
        doc._.applytrack_label = label
        doc._.applytrack_confidence = scores[label]
        doc._.applytrack_reasons = _reasons(doc.cats, cues, label)
        return doc

    def to_disk(self, path: str | Path, *, exclude: tuple[str, ...] = ()) -> None:
        """Save the calibration."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        values = {"rule_scale": self.rule_scale, "temperature": self.temperature}
        (path / "calibration.json").write_text(json.dumps(values, indent=2) + "\n")

    def from_disk(self, path: str | Path, *, exclude: tuple[str, ...] = ()) -> Decision:
        """Load the calibration saved by `to_disk`."""
        values = json.loads((Path(path) / "calibration.json").read_text())
        self.rule_scale = float(values["rule_scale"])
        self.temperature = float(values["temperature"])
        return self


def rule_evidence(cues: list[Cue]) -> dict[str, float]:
    """Sum the cue weights per label, capped so that piling up phrases cannot dominate."""
    evidence = dict.fromkeys(LABELS, 0.0)
    for cue in cues:
        evidence[cue.label] += cue.weight
    for label in JOB_LABELS:
        evidence[label] = min(evidence[label], _PHRASE_CAP + _ATS_WEIGHT)
    evidence[NONE_LABEL] = min(evidence[NONE_LABEL], _NEGATIVE_CAP)
    return evidence


def decision_scores(
    cats: dict[str, float], cues: list[Cue], rule_scale: float, temperature: float
) -> dict[str, float]:
    """Return the calibrated probability of every label."""
    evidence = rule_evidence(cues)
    if cats:
        base = {label: math.log(max(cats.get(label, 0.0), 1e-6)) for label in LABELS}
    else:
        base = {label: (_NONE_PRIOR if label == NONE_LABEL else 0.0) for label in LABELS}
    logits = {label: (base[label] + rule_scale * evidence[label]) / temperature for label in LABELS}
    top = max(logits.values())
    exps = {label: math.exp(value - top) for label, value in logits.items()}
    total = sum(exps.values())
    return {label: value / total for label, value in exps.items()}


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


@Language.factory(DECISION_FACTORY, default_config={"rule_scale": 1.0, "temperature": 1.0})
def make_decision(nlp: Language, name: str, rule_scale: float, temperature: float) -> Decision:
    """Factory for the decision component."""
    return Decision(name, rule_scale=rule_scale, temperature=temperature)
