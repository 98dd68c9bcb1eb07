"""Evaluation: per-label precision, recall and F1, confusion matrix, misfiled ordinary mail."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from classifier.messages import JOB_LABELS, LABELS, Email
from classifier.pipeline import Classifier
from training.datasets import LabelledEmail


@dataclass(frozen=True)
class LabelScore:
    """Precision, recall and F1 of one label, with its number of true examples."""

    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class EvaluationReport:
    """The result of classifying a labelled dataset."""

    scores: tuple[LabelScore, ...]
    macro_f1: float
    confusion: dict[str, dict[str, int]]  # confusion[true][predicted]
    none_misfiled_share: float  # share of true `none` mail given a job label
    job_mail_dropped_share: float  # share of true job mail labelled `none`
    emails_per_second: float
    total: int
    mistakes: tuple[tuple[str, str, str], ...]  # (id, true, predicted), first few only


@dataclass(frozen=True)
class HamReport:
    """How much ordinary mail was given a job label."""

    total: int
    misfiled: int
    examples: tuple[str, ...]  # subjects of misfiled messages, first few only

    @property
    def share(self) -> float:
        """Misfiled share in [0, 1]."""
        return self.misfiled / self.total if self.total else 0.0


def evaluate(classifier: Classifier, records: Sequence[LabelledEmail]) -> EvaluationReport:
    """Classify every record and compare with its label."""
    started = time.perf_counter()
    results = classifier.classify_many([record.email for record in records])
    elapsed = time.perf_counter() - started
    confusion = {true: dict.fromkeys(LABELS, 0) for true in LABELS}
    mistakes: list[tuple[str, str, str]] = []
    for record, result in zip(records, results, strict=True):
        confusion[record.label][result.label] += 1
        if record.label != result.label and len(mistakes) < 20:
            mistakes.append((record.id, record.label, result.label))
    scores = tuple(_label_score(label, confusion) for label in LABELS)
    present = [score for score in scores if score.support or _predicted(score.label, confusion)]
    true_none = sum(confusion["none"].values())
    misfiled = sum(confusion["none"][label] for label in JOB_LABELS)
    true_job = sum(sum(confusion[label].values()) for label in JOB_LABELS)
    dropped = sum(confusion[label]["none"] for label in JOB_LABELS)
    return EvaluationReport(
        scores=scores,
        macro_f1=sum(score.f1 for score in present) / len(present) if present else 0.0,
        confusion=confusion,
        none_misfiled_share=misfiled / true_none if true_none else 0.0,
        job_mail_dropped_share=dropped / true_job if true_job else 0.0,
        emails_per_second=len(records) / elapsed if elapsed > 0 else float("inf"),
        total=len(records),
        mistakes=tuple(mistakes),
    )


def evaluate_ham(classifier: Classifier, emails: Sequence[Email]) -> HamReport:
    """Count ordinary (ham) emails given a job label."""
    results = classifier.classify_many(emails)
    wrong = [
        email.subject for email, result in zip(emails, results, strict=True) if result.is_job_label
    ]
    return HamReport(total=len(emails), misfiled=len(wrong), examples=tuple(wrong[:10]))


def format_report(report: EvaluationReport, *, title: str = "Evaluation") -> str:
    """Render a report as readable Markdown-friendly text."""
    lines = [
        f"## {title} ({report.total} emails)",
        "",
        "| label | precision | recall | F1 | support |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for score in report.scores:
        lines.append(
            f"| {score.label} | {score.precision:.3f} | {score.recall:.3f} | {score.f1:.3f} "
            f"| {score.support} |"
        )
    lines += [
        "",
        f"macro-F1: {report.macro_f1:.3f}",
        f"`none` mail given a job label: {report.none_misfiled_share:.2%}",
        f"job mail labelled `none`: {report.job_mail_dropped_share:.2%}",
        f"throughput: {report.emails_per_second:,.0f} emails/s",
        "",
        "confusion matrix (rows: true label, columns: predicted):",
        "",
        "| true \\ predicted | " + " | ".join(LABELS) + " |",
        "| --- | " + " | ".join("---:" for _ in LABELS) + " |",
    ]
    for true in LABELS:
        row = " | ".join(str(report.confusion[true][predicted]) for predicted in LABELS)
        lines.append(f"| {true} | {row} |")
    return "\n".join(lines)


def format_ham_report(report: HamReport, *, title: str = "SpamAssassin ham") -> str:
    """Render the ham report."""
    lines = [
        f"## {title}: {report.misfiled} of {report.total} given a job label ({report.share:.2%})"
    ]
    lines += [f"- {subject}" for subject in report.examples]
    return "\n".join(lines)


def _label_score(label: str, confusion: dict[str, dict[str, int]]) -> LabelScore:
    true_positive = confusion[label][label]
    predicted = _predicted(label, confusion)
    support = sum(confusion[label].values())
    precision = true_positive / predicted if predicted else 0.0
    recall = true_positive / support if support else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return LabelScore(label, precision, recall, f1, support)


def _predicted(label: str, confusion: dict[str, dict[str, int]]) -> int:
    return sum(confusion[true][label] for true in LABELS)
