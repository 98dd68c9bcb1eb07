"""Classifier numbers: held-out macro-F1, misfiled ordinary mail, emails/s on one core, model size.

Run: .venv/bin/python bench/classifier.py  (prints; asserts nothing)

Throughput is measured twice: on the synthetic test split (short emails) and on real mail
(SpamAssassin easy-ham-2: longer bodies, links, quoted code), because real mail is the slower case.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
HAM_DIR = REPO_ROOT / ".." / "shared" / "data" / "spamassassin-ham"
DATA_DIR = REPO_ROOT / "classifier" / "data"
sys.path.insert(0, str(REPO_ROOT))

from classifier import Classifier, Email, load_classifier  # noqa: E402
from classifier.evaluation import evaluate, evaluate_ham  # noqa: E402
from classifier.pipeline import MODEL_DIR  # noqa: E402
from classifier.sources import read_ham_dir, read_labelled_jsonl  # noqa: E402


def emails_per_second(classifier: Classifier, emails: list[Email], *, repeat: int) -> float:
    """Classify ``emails`` ``repeat`` times after a warm-up; return the rate."""
    classifier.classify_many(emails[:200])
    started = time.perf_counter()
    for _ in range(repeat):
        classifier.classify_many(emails)
    return len(emails) * repeat / (time.perf_counter() - started)


def main() -> None:
    """Print the classifier's numbers next to their targets."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as in production
    classifier = load_classifier()
    test = read_labelled_jsonl(DATA_DIR / "test.jsonl")
    report = evaluate(classifier, test)
    print(f"held-out synthetic macro-F1: {report.macro_f1:.3f} (target >= 0.95)")
    print(f"held-out synthetic none mail given a job label: {report.none_misfiled_share:.2%}")
    handwritten = evaluate(classifier, read_labelled_jsonl(DATA_DIR / "handwritten.jsonl"))
    print(
        f"hand-written set ({handwritten.total} emails) macro-F1: {handwritten.macro_f1:.3f}, "
        f"none mail given a job label: {handwritten.none_misfiled_share:.2%}"
    )
    ham: list[Email] = []
    if (HAM_DIR / "easy-ham-2").is_dir():
        ham = list(read_ham_dir(HAM_DIR / "easy-ham-2"))
        ham_report = evaluate_ham(classifier, ham)
        print(f"SpamAssassin easy-ham-2 given a job label: {ham_report.share:.2%} (target <= 0.5%)")
    rate = emails_per_second(classifier, [record.email for record in test], repeat=5)
    print(f"throughput, one core, synthetic test mail: {rate:,.0f} emails/s (target >= 5,000)")
    if ham:
        # A fresh pipeline: its vocabulary has not yet seen these words, as in a new worker.
        rate = emails_per_second(load_classifier(), ham, repeat=1)
        print(f"throughput, one core, real mail (easy-ham-2, first pass): {rate:,.0f} emails/s")
    size = sum(path.stat().st_size for path in MODEL_DIR.rglob("*") if path.is_file())
    print(f"model on disk: {size / 1e6:.1f} MB (target <= 25 MB)")


if __name__ == "__main__":
    main()
