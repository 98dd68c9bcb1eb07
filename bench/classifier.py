"""Classifier numbers: held-out macro-F1, misfiled ham, emails/s on one core, model size.

Run: .venv/bin/python bench/classifier.py  (prints; asserts nothing)
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
HAM_DIR = REPO_ROOT / ".." / "shared" / "data" / "spamassassin-ham"
sys.path.insert(0, str(REPO_ROOT))

from classifier import load_classifier  # noqa: E402
from classifier.evaluation import evaluate, evaluate_ham  # noqa: E402
from classifier.pipeline import MODEL_DIR  # noqa: E402
from classifier.sources import read_ham_dir, read_labelled_jsonl  # noqa: E402


def main() -> None:
    """Print the classifier's numbers next to their targets."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as in production
    classifier = load_classifier()
    test = read_labelled_jsonl(REPO_ROOT / "classifier" / "data" / "test.jsonl")
    report = evaluate(classifier, test)
    print(f"held-out macro-F1: {report.macro_f1:.3f} (target >= 0.95)")
    print(f"held-out none mail given a job label: {report.none_misfiled_share:.2%}")
    if (HAM_DIR / "easy-ham-2").is_dir():
        ham = list(read_ham_dir(HAM_DIR / "easy-ham-2"))
        ham_report = evaluate_ham(classifier, ham)
        print(f"SpamAssassin easy-ham-2 given a job label: {ham_report.share:.2%} (target <= 0.5%)")
    emails = [record.email for record in test] * 5
    classifier.classify_many(emails[:200])  # warm up
    started = time.perf_counter()
    classifier.classify_many(emails)
    rate = len(emails) / (time.perf_counter() - started)
    print(f"throughput, one core, nlp.pipe: {rate:,.0f} emails/s (target >= 5,000)")
    size = sum(path.stat().st_size for path in MODEL_DIR.rglob("*") if path.is_file())
    print(f"model on disk: {size / 1e6:.1f} MB (target <= 25 MB)")


if __name__ == "__main__":
    main()
