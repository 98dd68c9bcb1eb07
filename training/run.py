"""The training run behind `applytrack train`: data in, saved pipeline and metrics report out."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from classifier.pipeline import MODEL_DIR, Classifier
from training.banks import openings, subject_tags
from training.corpus import write_corpus
from training.datasets import (
    DATA_DIR,
    EVAL_DIR,
    MAIL_DIR,
    ham_files,
    read_ham_dir,
    read_labelled_jsonl,
    with_openings,
    with_shapes,
    with_subject_tags,
)
from training.evaluation import evaluate, evaluate_ham, format_ham_report, format_report
from training.train import WriterGroup, ham_records, save_pipeline, train_pipeline

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]
# SpamAssassin ham, read in place (never copied into the repository).
DEFAULT_HAM_DIR = REPO_ROOT / ".." / "shared" / "data" / "spamassassin-ham"
DEFAULT_EPOCHS = 4
# easy-ham-1 trains (all but its last 500, which calibrate); easy-ham-2 is never trained on.
HAM_CALIBRATION_COUNT = 500
# Never trained on. The development set's mistakes were read (in earlier rounds) to find kinds of
# failure, so its number is the optimistic one; the others are only reported.
EVALUATION_SETS = (
    (DATA_DIR / "test.jsonl", "held-out synthetic test.jsonl"),
    (DATA_DIR / "dev.jsonl", "development set dev.jsonl (its mistakes were read in round 3)"),
    (DATA_DIR / "dev2.jsonl", "dev2.jsonl (written apart from everything else; only measured)"),
    (DATA_DIR / "handwritten.jsonl", "handwritten.jsonl (only measured)"),
    (
        EVAL_DIR / "eval_en.jsonl",
        "eval_en.jsonl (written apart from rules and training; only measured)",
    ),
    (
        EVAL_DIR / "eval_multilingual.jsonl",
        "eval_multilingual.jsonl (es/de/fr/pt, written apart; only measured)",
    ),
)
# About half of real job mail is read from its subject alone, and some from its snippet.
SUBJECT_ONLY_COPIES = 0.4
SNIPPET_COPIES = 0.25
# Real subjects often open with a tag (a mail gateway's "[EXTERNAL]", "Reminder:", an emoji), and
# real bodies with a line about the mail itself ("View this email in your browser").
SUBJECT_TAG_COPIES = 0.15
OPENING_COPIES = 0.15
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
    corrections: Path | None = None,
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
    groups, fitting = training_groups(data_dir)
    if corrections is not None:
        groups.append(corrections_group(corrections))
    trained_ham, calibration_ham = ham_groups(ham_train_dir)
    groups += trained_ham
    fitting.append(calibration_ham)
    nlp, fitted = train_pipeline(groups, fitting, epochs=epochs or DEFAULT_EPOCHS)
    save_pipeline(nlp, model_dir, fitted)
    classifier = Classifier(nlp)
    trained = sum(len(group.records) for group in groups)
    sections = [
        "# Classifier metrics (written by `applytrack train`)",
        f"Trained on {trained} emails in {len(groups)} sets; the decision fitted on "
        f"{fitted.fitted_on} scored by textcats that had not read their set "
        f"(log-loss {fitted.log_loss:.3f}, review floor {fitted.model.review_floor:.2f}).",
    ]
    for path, title in EVALUATION_SETS:
        if path.is_file():
            report = evaluate(classifier, read_labelled_jsonl(path))
            sections.append(format_report(report, title=title))
    if ham_test_dir is not None:
        ham_report = evaluate_ham(classifier, list(read_ham_dir(ham_test_dir)))
        sections.append(format_ham_report(ham_report, title="held-out SpamAssassin easy-ham-2"))
    text = "\n\n".join(sections) + "\n"
    (model_dir / "metrics.md").write_text(text, encoding="utf-8")
    return text


def training_groups(
    data_dir: Path, *, exclude: Sequence[Path] = ()
) -> tuple[list[WriterGroup], list[WriterGroup]]:
    """The training mail, one group per writer (the synthetic corpus, each written set), and the
    mail that only fits the decision (the synthetic corpus's own calibration split).

    Written mail is also seen subject-only and as a snippet, as much real mail is, and some of
    it with a tag before its subject or a line about the mail above its body.
    """
    groups = [WriterGroup("synthetic", read_labelled_jsonl(data_dir / "train.jsonl"))]
    fitting = [
        WriterGroup("synthetic-calibration", read_labelled_jsonl(data_dir / "calibration.jsonl"))
    ]
    shapes = {"subject_only": SUBJECT_ONLY_COPIES, "snippet": SNIPPET_COPIES}
    written = [*(data_dir / name for name in WRITTEN_SETS), *sorted(MAIL_DIR.glob("*.jsonl"))]
    trained_tags = partial(subject_tags, "trained")
    trained_openings = partial(openings, "trained")
    for seed, path in enumerate(written, start=1):
        if path.is_file() and path not in exclude:
            records = with_shapes(read_labelled_jsonl(path), **shapes, seed=seed)
            records = with_subject_tags(records, trained_tags, share=SUBJECT_TAG_COPIES, seed=seed)
            records = with_openings(records, trained_openings, share=OPENING_COPIES, seed=seed)
            groups.append(WriterGroup(path.stem, records))
    return groups, fitting


def corrections_group(path: Path) -> WriterGroup:
    """People's corrections (`applytrack corrections export`) as one more writer's mail: the
    labels people gave to sender, subject and date (there is never a body)."""
    return WriterGroup("corrections", read_labelled_jsonl(path))


def ham_groups(ham_train_dir: Path) -> tuple[list[WriterGroup], WriterGroup]:
    """The ham that trains, in two halves (each scored by a textcat that read only the other),
    and the last `HAM_CALIBRATION_COUNT` messages, which only fit the decision."""
    ham = list(read_ham_dir(ham_train_dir))
    cut = max(len(ham) - HAM_CALIBRATION_COUNT, 0)
    trained = ham_records(ham[:cut], "ham-train")
    halves = [WriterGroup(f"ham-{half + 1}", trained[half::2]) for half in range(2)]
    return halves, WriterGroup("ham-calibration", ham_records(ham[cut:], "ham-calibration"))


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
