"""The training run behind `applytrack train`: data in, saved pipeline and metrics report out."""

from __future__ import annotations

import logging
from pathlib import Path

from classifier.pipeline import MODEL_DIR, Classifier
from training.corpus import write_corpus
from training.datasets import DATA_DIR, ham_files, read_ham_dir, read_labelled_jsonl
from training.evaluation import evaluate, evaluate_ham, format_ham_report, format_report
from training.train import ham_records, save_pipeline, train_pipeline

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]
# SpamAssassin ham, read in place (never copied into the repository).
DEFAULT_HAM_DIR = REPO_ROOT / ".." / "shared" / "data" / "spamassassin-ham"
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


class HamCorpusMissing(FileNotFoundError):
    """The ordinary-mail corpus is not there: training refuses to run without it."""


def train_and_report(
    *,
    data_dir: Path | None = None,
    ham_dir: Path | None = None,
    model_dir: Path | None = None,
    epochs: int | None = None,
    regenerate: bool = False,
) -> str:
    """Train on the corpus and the ham, save the pipeline, return the metrics report.

    Raises `HamCorpusMissing` before doing anything when the ordinary-mail corpus is missing: a
    model trained without ordinary mail files ordinary mail as job mail, and would overwrite the
    shipped one.
    """
    data_dir = data_dir or DATA_DIR
    model_dir = model_dir or MODEL_DIR
    ham_train_dir, ham_test_dir = ham_dirs(ham_dir or DEFAULT_HAM_DIR)
    if regenerate:
        write_corpus(data_dir)
    for split in ("train", "calibration"):
        if not (data_dir / f"{split}.jsonl").is_file():
            raise FileNotFoundError(
                f"{data_dir / f'{split}.jsonl'} is missing: run `applytrack train --regenerate` "
                "or `python -m training.corpus` to write the corpus."
            )
    train = read_labelled_jsonl(data_dir / "train.jsonl")
    for name in WRITTEN_SETS:
        if (data_dir / name).is_file():
            train += read_labelled_jsonl(data_dir / name)
    calibration = read_labelled_jsonl(data_dir / "calibration.jsonl")
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


def ham_dirs(ham_dir: Path) -> tuple[Path, Path | None]:
    """The ham that trains (easy-ham-1, else the whole directory) and the held-out easy-ham-2.

    Raises `HamCorpusMissing` when ``ham_dir`` is not a directory or holds no messages to train on.
    """
    advice = (
        "training needs SpamAssassin ham so that the model learns what ordinary mail looks like "
        f"(easy-ham-1 trains, easy-ham-2 is held out): put it at {DEFAULT_HAM_DIR.resolve()} "
        "or pass --ham-dir DIR. Nothing was trained or written."
    )
    if not ham_dir.is_dir():
        raise HamCorpusMissing(
            f"the ordinary-mail corpus is missing: {ham_dir} is not a directory; {advice}"
        )
    train_dir, test_dir = ham_dir / "easy-ham-1", ham_dir / "easy-ham-2"
    if not train_dir.is_dir():
        train_dir = ham_dir  # a directory of messages, none of them held out
    if not ham_files(train_dir):
        raise HamCorpusMissing(
            f"the ordinary-mail corpus is empty: {train_dir} holds no messages; {advice}"
        )
    return train_dir, test_dir if train_dir != ham_dir and test_dir.is_dir() else None
