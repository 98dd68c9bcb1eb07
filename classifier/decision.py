"""The decision: rule evidence, the textcat's scores and the mailbox's context become one label.

Each email becomes a vector of features (`FEATURES`: the textcat's log-probabilities, stage
evidence from the text and the subject, what the email is about, who sent it, its shape). A
multinomial logistic model over them — fitted by the training kit on mail held out from the
textcat's training; only its weights ship — gives each label a probability. Then two rules:

- **Context** (`MailboxContext`, when the caller has it): mail from the reader's own employer or
  with the reader only in Cc, and a friend's forward of mail sent to them, is ordinary mail unless
  clearly otherwise; a human reply from the company in an application's thread is a recruiter's
  answer (interviewing) unless it reads as an offer or a decline.
- **No silent drops**: an email with job evidence (a stage statement, an applicant tracking
  system or hiring sender, or a textcat sure it is job mail) whose likeliest label is ``none`` is
  given its likeliest job label instead, when that label is at least ``review_floor`` likely — with
  that low confidence, the caller sends it to review rather than filing it as ordinary mail.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy
from numpy.typing import NDArray

from classifier.evidence import Evidence, known_domain
from classifier.messages import JOB_LABELS, LABELS
from classifier.phrases import fold
from classifier.rulebook import default_rulebook

NONE_LABEL = "none"
NONE_INDEX = LABELS.index(NONE_LABEL)
JOB_INDEXES = tuple(index for index in range(len(LABELS)) if index != NONE_INDEX)
ORDINARY_GROUPS = (
    "job_alert",
    "content",
    "press_research",
    "interviewer_side",
    "employer_hr",
    "other_application",
    "commerce",
    "account",
    "personal",
)
STAGE_CAP = 3.0
SUBJECT_CAP = 2.0
CONTEXT_CAP = 3.0
ORDINARY_CAP = 3.0
FEATURES: tuple[str, ...] = (
    *(f"textcat:{label}" for label in LABELS),
    *(f"stage:{label}" for label in JOB_LABELS),
    *(f"stage_in_job_context:{label}" for label in JOB_LABELS),
    *(f"subject:{label}" for label in JOB_LABELS),
    "job_context",
    "ordinary_total",
    *(f"ordinary:{group}" for group in ORDINARY_GROUPS),
    "sender:ats",
    "sender:board",
    "sender:platform",
    "sender:hiring",
    "sender:automated",
    "sender:free_mail",
    "sender:internal",
    "shape:subject_only",
    "shape:short",
)
SHORT_TEXT_CHARS = 300
# Out of fold, short ordinary mail with no job cue at all ("Gasp!", "use this address instead")
# was given job labels by the textcat alone; job mail without a cue mostly arrives in an
# application's thread, where the context rule speaks for it.
UNCUED_NONE_CEILING = 0.3
# The textcat's scores are read no lower than this: on mail unlike its training mail the textcat
# is sure of `none` (0.998) against an offer the rules read plainly; below this floor its log
# would outweigh every statement the rules found. Out of fold, the written mail's macro-F1 was
# 0.860 with 3%, 0.859 with 1% and 0.857 with 5% (`training/candidates/README.md`, v25).
TEXTCAT_FLOOR = 3e-2
# Applied after the model, as a factor on the job labels' probabilities (the label is then `none`).
# The thread stages a recruiter's reply moves on (an offer or a decline is not undone by a reply),
# and the labels a reply is not.
_REPLY_STAGES = frozenset({"applied", "interviewing"})
_NOT_A_RESPONSE = (LABELS.index("applied"), NONE_INDEX)
INTERNAL_SENDER_FACTOR = 0.05
CC_ONLY_FACTOR = 0.1
OTHERS_NEWS_FACTOR = 0.1
FloatArray = NDArray[numpy.float64]


@dataclass(frozen=True)
class MailboxContext:
    """What the mailbox knows around one email (all optional; the classifier stays pure).

    ``thread_status`` is the status of the application the email's thread belongs to (None: no
    application); ``thread_company`` that application's company; ``user_wrote_in_thread``
    whether the reader sent mail in the thread; ``user_in_cc_only`` whether the reader is only in
    Cc; ``user_address`` the reader's own address (mail from its domain is internal, unless the
    domain is a free mail provider).
    """

    thread_status: str | None = None
    thread_company: str | None = None
    user_wrote_in_thread: bool = False
    user_in_cc_only: bool = False
    user_address: str = ""


# What an email without a known context is decided with (frozen, so one is shared).
_NO_CONTEXT = MailboxContext()


@dataclass(frozen=True)
class Verdict:
    """The decision for one email: label, confidence, and what shaped it."""

    label: str
    confidence: float
    probabilities: tuple[float, ...]
    promoted: bool = False  # a job label given instead of `none` (no silent drops)
    context_rule: str | None = None  # "internal", "cc_only", "others_news", "thread_reply"


@dataclass(frozen=True)
class DecisionModel:
    """The fitted logistic model and the no-silent-drop floor."""

    weights: FloatArray  # one row per label, one column per feature
    bias: FloatArray
    review_floor: float = 0.2

    def probabilities(self, features: FloatArray) -> FloatArray:
        """Label probabilities for a batch of feature rows (softmax of the linear scores)."""
        scores = features @ self.weights.T + self.bias
        scores -= scores.max(axis=1, keepdims=True)
        exps = numpy.exp(scores)
        result: FloatArray = exps / exps.sum(axis=1, keepdims=True)
        return result

    def to_json(self) -> dict[str, object]:
        """The model as plain JSON data (with the feature names, to catch a mismatch)."""
        return {
            "features": list(FEATURES),
            "labels": list(LABELS),
            "weights": [[round(float(w), 6) for w in row] for row in self.weights],
            "bias": [round(float(b), 6) for b in self.bias],
            "review_floor": self.review_floor,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> DecisionModel:
        """Read `to_json`'s data; a model fitted on other features or labels is refused."""
        if data.get("features") != list(FEATURES) or data.get("labels") != list(LABELS):
            raise ValueError(
                "the saved decision was fitted on other features or labels than this classifier "
                "computes: retrain it with `applytrack train`"
            )
        weights = numpy.array(data["weights"], dtype=numpy.float64)
        bias = numpy.array(data["bias"], dtype=numpy.float64)
        floor = data.get("review_floor", 0.2)
        return cls(weights, bias, float(floor) if isinstance(floor, (int, float)) else 0.2)

    @classmethod
    def neutral(cls) -> DecisionModel:
        """An unfitted model that trusts the textcat alone (a blank pipeline's)."""
        weights = numpy.zeros((len(LABELS), len(FEATURES)))
        for index in range(len(LABELS)):
            weights[index, index] = 1.0
        return cls(weights, numpy.zeros(len(LABELS)))

    @classmethod
    def rules_only(cls) -> DecisionModel:
        """A hand-set model for a pipeline without a textcat: stage statements in a job context
        and subjects say the stage; without them, or with ordinary-mail evidence, it is `none`."""
        weights = numpy.zeros((len(LABELS), len(FEATURES)))
        for index, label in enumerate(JOB_LABELS):
            weights[index, FEATURES.index(f"stage:{label}")] = 0.8
            weights[index, FEATURES.index(f"stage_in_job_context:{label}")] = 1.5
            weights[index, FEATURES.index(f"subject:{label}")] = 1.0
        weights[NONE_INDEX, FEATURES.index("ordinary_total")] = 0.8
        bias = numpy.zeros(len(LABELS))
        bias[NONE_INDEX] = 1.5
        return cls(weights, bias, review_floor=0.15)

    def save(self, path: Path) -> None:
        """Write the model as JSON."""
        path.write_text(json.dumps(self.to_json(), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> DecisionModel:
        """Read a model written by `save`."""
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"{path} does not hold a decision model")
        return cls.from_json(data)


def feature_vector(
    evidence: Evidence, cats: Mapping[str, float] | None, *, text_chars: int, subject_only: bool
) -> list[float]:
    """One email's features, in `FEATURES` order (``cats``: the textcat's scores, or None)."""
    if cats:
        score = cats.get
        textcat = [math.log(max(score(label, 0.0), TEXTCAT_FLOOR)) for label in LABELS]
    else:
        textcat = [0.0] * len(LABELS)
    context = min(evidence.job_context, CONTEXT_CAP) / CONTEXT_CAP
    stage = [min(evidence.stage[label], STAGE_CAP) for label in JOB_LABELS]
    ordinary_found = evidence.ordinary
    ordinary = (
        [min(ordinary_found.get(group, 0.0), ORDINARY_CAP) for group in ORDINARY_GROUPS]
        if ordinary_found
        else [0.0] * len(ORDINARY_GROUPS)  # what the line above gives, without its 9 look-ups
    )
    sender = evidence.sender
    return [
        *textcat,
        *stage,
        *[value * context for value in stage],
        *[min(evidence.subject[label], SUBJECT_CAP) for label in JOB_LABELS],
        context,
        min(sum(ordinary_found.values()), ORDINARY_CAP * 2),
        *ordinary,
        float(sender.ats),
        float(sender.board),
        float(sender.platform),
        float(sender.hiring),
        float(sender.automated),
        float(sender.free_mail),
        float(evidence.internal),
        float(subject_only),
        float(text_chars < SHORT_TEXT_CHARS),
    ]


def has_job_evidence(evidence: Evidence, cats: Mapping[str, float] | None) -> bool:
    """Anything that says the email may be about the reader's own application."""
    sender = evidence.sender
    stated = evidence.stage_found and (evidence.job_context > 0 or sender.ats or sender.hiring)
    subject_stated = any(value >= 1.0 for value in evidence.subject.values())
    model_sure = _textcat_none(cats) < 0.5
    return stated or subject_stated or sender.ats or model_sure


@dataclass(frozen=True)
class Signals:
    """What choosing a label needs besides the probabilities: whether the email has job evidence
    (`has_job_evidence`), whether the rules found any job cue at all, and the textcat's `none`."""

    job_evidence: bool
    job_cue: bool
    textcat_none: float


def signals(evidence: Evidence, cats: Mapping[str, float] | None) -> Signals:
    """The `Signals` of one email."""
    sender = evidence.sender
    cue = (
        evidence.stage_found
        or evidence.job_context > 0
        or any(value > 0 for value in evidence.subject.values())
        or sender.ats
        or sender.board
        or sender.hiring
    )
    return Signals(has_job_evidence(evidence, cats), cue, _textcat_none(cats))


def choose_label(probabilities: Sequence[float], found: Signals, floor: float) -> tuple[int, bool]:
    """The label (its index) and whether it was promoted from `none` (no silent drops).

    Without a single job cue the textcat alone gives a job label only when it is sure (`none`
    below `UNCUED_NONE_CEILING`); otherwise a job label goes to `none`, and `none` goes to the
    likeliest job label when the email has job evidence and that label is at least ``floor``.
    """
    best = max(range(len(probabilities)), key=probabilities.__getitem__)
    uncued = not found.job_cue and found.textcat_none >= UNCUED_NONE_CEILING
    if best != NONE_INDEX:
        return (NONE_INDEX, False) if uncued else (best, False)
    if uncued or not found.job_evidence:
        return NONE_INDEX, False
    job = max(JOB_INDEXES, key=probabilities.__getitem__)
    return (job, True) if probabilities[job] >= floor else (NONE_INDEX, False)


def decide(
    probabilities: Sequence[float],
    evidence: Evidence,
    cats: Mapping[str, float] | None,
    model: DecisionModel,
    context: MailboxContext | None = None,
) -> Verdict:
    """The label of one email from its model probabilities, its evidence and its context."""
    probabilities = list(probabilities)
    context = context or _NO_CONTEXT
    rule = _apply_context(probabilities, evidence, context)
    if rule in ("internal", "cc_only", "others_news"):  # not the reader's own application
        # The rule, not the model, decided: its `none` is as certain as an empty email's. The
        # model's view, scaled by the rule, stays in the probabilities.
        return Verdict(NONE_LABEL, 1.0, tuple(probabilities), context_rule=rule)
    found = signals(evidence, cats)
    if rule == "thread_reply":  # the application's thread is the cue
        found = Signals(True, True, found.textcat_none)
    label, promoted = choose_label(probabilities, found, model.review_floor)
    return Verdict(
        LABELS[label], probabilities[label], tuple(probabilities), promoted, context_rule=rule
    )


def _textcat_none(cats: Mapping[str, float] | None) -> float:
    return 1.0 if cats is None else cats.get(NONE_LABEL, 1.0)


def _apply_context(
    probabilities: list[float], evidence: Evidence, context: MailboxContext
) -> str | None:
    """Adjust ``probabilities`` in place by what the mailbox knows; name the rule that applied."""
    sender = evidence.sender
    internal = evidence.internal or _internal(sender.domain, context.user_address)
    if internal and not sender.ats:
        _scale_job_labels(probabilities, INTERNAL_SENDER_FACTOR)
        return "internal"
    if context.user_in_cc_only:
        _scale_job_labels(probabilities, CC_ONLY_FACTOR)
        return "cc_only"
    if evidence.others_news:
        _scale_job_labels(probabilities, OTHERS_NEWS_FACTOR)
        return "others_news"
    if context.thread_status not in _REPLY_STAGES or sender.automated:
        return None
    if not company_matches(context.thread_company, sender.display, sender.domain):
        return None
    final = max(probabilities[LABELS.index("offer")], probabilities[LABELS.index("rejected")])
    if final < 0.5:
        # A person at the company writing in the thread is past the confirmation: what reads as
        # a confirmation (the quoted subject) or as ordinary mail is the recruiter's response.
        interviewing = LABELS.index("interviewing")
        for index in _NOT_A_RESPONSE:
            probabilities[interviewing] += probabilities[index]
            probabilities[index] = 0.0
        return "thread_reply"
    return None


def _internal(sender_domain: str, user_address: str) -> bool:
    user_domain = user_address.rpartition("@")[2].lower()
    if not user_domain or not sender_domain:
        return False
    if user_domain in default_rulebook().senders.free_mail_domains:
        return False
    return known_domain(sender_domain, (user_domain,)) is not None


def company_matches(company: str | None, display: str, domain: str) -> bool:
    """Whether a sender's name or domain names ``company`` ("Acme Corp" and jane@acme.com)."""
    if not company:
        return False
    # Folded, as the mail may write "Condé Nast" or "Tischlerei Kühn" and the domain cannot.
    words = [word for word in "".join(c if c.isalnum() else " " for c in fold(company)).split()]
    significant = [word for word in words if len(word) > 2 and word not in _COMPANY_SUFFIXES]
    if not significant:
        return False
    squashed = "".join(significant)
    labels = ["".join(filter(str.isalnum, label)) for label in domain.lower().split(".")]
    if any(squashed in label or label in squashed for label in labels[:-1] if len(label) > 2):
        return True
    folded_display = fold(display)
    return all(word in folded_display for word in significant)


def _scale_job_labels(probabilities: list[float], factor: float) -> None:
    for index, _ in enumerate(LABELS):
        if index != NONE_INDEX:
            probabilities[index] *= factor
    _normalise(probabilities)


def _normalise(probabilities: list[float]) -> None:
    total = sum(probabilities) or 1.0
    for index, value in enumerate(probabilities):
        probabilities[index] = value / total


_COMPANY_SUFFIXES = frozenset(
    {"inc", "llc", "ltd", "gmbh", "corp", "co", "plc", "sas", "sarl", "ltda", "the", "group", "and"}
)
