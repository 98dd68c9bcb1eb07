"""Cross-validation by writer: train without one written mail set, score on it.

A held-out split of one writer's mail flatters a model that learned that writer's style; a whole
set by a writer the model never read does not. Each fold trains the full pipeline (textcat and
decision) without one set of `training/mail/` and reports on it. The evaluation sets are never
read here. Run: ``python -m training.crossval [--fold NAME ...] [--errors N]``.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

from classifier.messages import Classification
from classifier.pipeline import Classifier
from training.datasets import DATA_DIR, MAIL_DIR, LabelledEmail, read_labelled_jsonl
from training.evaluation import EvaluationReport, evaluate
from training.run import (
    DEFAULT_EPOCHS,
    DEFAULT_HAM_DIR,
    ham_dirs,
    ham_groups,
    training_groups,
)
from training.train import WriterGroup, train_pipeline

logger = logging.getLogger(__name__)


def fold_sets() -> list[Path]:
    """The written mail sets, each a fold."""
    return sorted(MAIL_DIR.glob("*.jsonl"))


def run_fold(
    held: Path, ham: Sequence[WriterGroup], ham_calibration: WriterGroup
) -> tuple[EvaluationReport, list[LabelledEmail], list[Classification]]:
    """Train without ``held`` and return (report, records, verdicts) on it."""
    groups, fitting = training_groups(DATA_DIR, exclude=(held,))
    groups += ham
    fitting.append(ham_calibration)
    nlp, _ = train_pipeline(groups, fitting, epochs=DEFAULT_EPOCHS)
    records = read_labelled_jsonl(held)
    classifier = Classifier(nlp)
    report = evaluate(classifier, records)
    verdicts = classifier.classify_many([record.email for record in records])
    return report, records, verdicts


def main(argv: Sequence[str] | None = None) -> int:
    """Run the folds asked for (all by default) and print each one's numbers."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fold", action="append", help="a mail set's file name (repeatable)")
    parser.add_argument("--errors", type=int, default=0, help="print this many mistakes a fold")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    train_dir, _ = ham_dirs(DEFAULT_HAM_DIR)
    ham, ham_calibration = ham_groups(train_dir)
    for held in fold_sets():
        if args.fold and held.name not in args.fold:
            continue
        report, records, verdicts = run_fold(held, ham, ham_calibration)
        print(
            f"fold={held.stem} n={report.total} macro_f1={report.macro_f1:.3f} "
            f"job_mail_none={report.job_mail_dropped_share:.3f} "
            f"ordinary_job_label={report.none_misfiled_share:.3f}"
        )
        shown = 0
        for record, verdict in zip(records, verdicts, strict=True):
            if verdict.label != record.label and shown < args.errors:
                shown += 1
                mistake = f"{record.label}->{verdict.label} [{record.shape}]"
                print(f"  {record.id} {mistake} {record.email.subject[:70]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
