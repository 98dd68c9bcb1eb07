"""The training run behind `applytrack train`: data in, saved pipeline and metrics report out."""

from __future__ import annotations

import logging
from pathlib import Path

from classifier.corpus import DATA_DIR, write_corpus
from classifier.evaluation import evaluate, evaluate_ham, format_ham_report, format_report
from classifier.pipeline import MODEL_DIR, Classifier
from classifier.sources import read_ham_dir, read_labelled_jsonl
from classifier.training import ham_records, save_pipeline, train_pipeline

logger = logging.getLogger(__name__)

DEFAULT_EPOCHS = 4
# easy-ham-1 trains (all but its last 500, which calibrate); easy-ham-2 is never trained on.
HAM_CALIBRATION_COUNT = 500
# Never trained on. The development set's mistakes are read to find kinds of failure, so its
# number is the optimistic one; the test split is only reported.
EVALUATION_SETS = (
    ("test", "held-out test.jsonl"),
    ("dev", "development set dev.jsonl (not trained on; its mistakes guide rule changes)"),
    (
        "dev2",
        "second development set dev2.jsonl (written apart from everything else; only measured)",
    ),
    ("handwritten", "held-out handwritten.jsonl"),
)
# Whole emails written apart from the phrase banks and from each other, in other voices: training
# only (see classifier/README.md for why they do not calibrate too).
WRITTEN_SETS = ("written.jsonl", "written2.jsonl", "written3.jsonl")


def train_and_report(
    *,
    data_dir: Path | None = None,
    ham_dir: Path | None = None,
    model_dir: Path | None = None,
    epochs: int | None = None,
    regenerate: bool = False,
) -> str:
    """Train on the corpus (plus ham when present), save the pipeline, return the metrics report."""
    data_dir = data_dir or DATA_DIR
    model_dir = model_dir or MODEL_DIR
    if regenerate:
        write_corpus(data_dir)
    for split in ("train", "calibration"):
        if not (data_dir / f"{split}.jsonl").is_file():
            raise FileNotFoundError(
                f"{data_dir / f'{split}.jsonl'} is missing: run `applytrack train --regenerate` "
                "or `python -m classifier.corpus` to write the corpus."
            )
    train = read_labelled_jsonl(data_dir / "train.jsonl")
    for name in WRITTEN_SETS:
        if (data_dir / name).is_file():
            train += read_labelled_jsonl(data_dir / name)
    calibration = read_labelled_jsonl(data_dir / "calibration.jsonl")
    ham_train_dir, ham_test_dir = _ham_dirs(ham_dir)
    if ham_train_dir is not None:
        ham = list(read_ham_dir(ham_train_dir))
        cut = max(len(ham) - HAM_CALIBRATION_COUNT, 0)
        train += ham_records(ham[:cut], "ham-train")
        calibration += ham_records(ham[cut:], "ham-calibration")
    nlp, fitted = train_pipeline(train, calibration, epochs=epochs or DEFAULT_EPOCHS)
    save_pipeline(nlp, model_dir, fitted)
    classifier = Classifier(nlp)
    sections = [
        "# Classifier metrics (written by `applytrack train`)",
        f"Trained on {len(train)} emails; calibrated on {len(calibration)}: "
        f"{fitted.parameters} (log-loss {fitted.log_loss:.3f}).",
    ]
    for name, title in EVALUATION_SETS:
        path = data_dir / f"{name}.jsonl"
        if path.is_file():
            report = evaluate(classifier, read_labelled_jsonl(path))
            sections.append(format_report(report, title=title))
    if ham_test_dir is not None:
        ham_report = evaluate_ham(classifier, list(read_ham_dir(ham_test_dir)))
        sections.append(format_ham_report(ham_report, title="held-out SpamAssassin easy-ham-2"))
    text = "\n\n".join(sections) + "\n"
    (model_dir / "metrics.md").write_text(text, encoding="utf-8")
    return text


def _ham_dirs(ham_dir: Path | None) -> tuple[Path | None, Path | None]:
    if ham_dir is None or not ham_dir.is_dir():
        logger.warning("train.ham_missing path=%s training without ordinary mail", ham_dir)
        return None, None
    train_dir, test_dir = ham_dir / "easy-ham-1", ham_dir / "easy-ham-2"
    if train_dir.is_dir():
        return train_dir, test_dir if test_dir.is_dir() else None
    return ham_dir, None
