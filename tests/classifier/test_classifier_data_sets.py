"""The written training sets and the evaluation sets: well formed, and no email in both."""

import random
from collections import Counter
from functools import partial
from pathlib import Path

import pytest

from classifier.messages import LABELS, Email
from training.banks import FOOTER_LINES, footer_lines, openings, subject_tags
from training.datasets import (
    DATA_DIR,
    MAIL_DIR,
    LabelledEmail,
    read_labelled_jsonl,
    with_footer,
    with_openings,
    with_subject_tags,
)
from training.run import EVALUATION_SETS, WRITTEN_SETS

pytestmark = pytest.mark.unit

MAIL_FILES = tuple(sorted(MAIL_DIR.glob("*.jsonl")))
TRAINING_FILES = (
    DATA_DIR / "train.jsonl",
    DATA_DIR / "calibration.jsonl",
    *(DATA_DIR / name for name in WRITTEN_SETS),
    *MAIL_FILES,
)
EVALUATION_FILES = tuple(path for path, _title in EVALUATION_SETS)


def _bodies(paths: tuple[Path, ...]) -> set[str]:
    return {
        " ".join(record.email.body.split())
        for path in paths
        if path.is_file()
        for record in read_labelled_jsonl(path)
        if record.email.body.strip()
    }


@pytest.mark.parametrize(
    "path", [*(DATA_DIR / name for name in WRITTEN_SETS), DATA_DIR / "dev2.jsonl"]
)
def test_written_sets_cover_every_label_without_repeats(path: Path) -> None:
    records = read_labelled_jsonl(path)
    counts = Counter(record.label for record in records)
    assert set(counts) == set(LABELS)
    assert min(counts.values()) >= 30
    assert len({record.id for record in records}) == len(records)
    assert len({" ".join(record.email.body.split()) for record in records}) == len(records)


@pytest.mark.parametrize("path", MAIL_FILES, ids=lambda path: path.stem)
def test_training_mail_is_labelled_and_has_no_repeated_ids(path: Path) -> None:
    records = read_labelled_jsonl(path)
    assert len(records) >= 50  # each file is one writer's fold in the training's cross-fitting
    assert {record.label for record in records} <= set(LABELS)
    assert len({record.id for record in records}) == len(records)


def test_no_evaluation_email_is_a_training_email() -> None:
    assert _bodies(EVALUATION_FILES)
    assert not _bodies(TRAINING_FILES) & _bodies(EVALUATION_FILES)


@pytest.mark.parametrize("language", ["en", "de", "fr", "es", "pt", "it"])
def test_a_footer_goes_under_the_body_in_the_mails_language(language: str) -> None:
    email = Email("ana@example.com", "Hola", "Body line one.\nBody line two.\n\n")
    lines = footer_lines(language)
    for seed in range(20):
        footed = with_footer(email, lines, random.Random(seed))
        assert footed.body.startswith("Body line one.\nBody line two.")
        added = footed.body.removeprefix("Body line one.\nBody line two.").splitlines()
        assert 1 <= len([line for line in added if line in lines]) <= 4
        assert set(added) <= {*lines, "", "--", "_" * 32}
        assert (footed.sender, footed.subject) == (email.sender, email.subject)
    assert lines == (FOOTER_LINES[language] if language in FOOTER_LINES else FOOTER_LINES["en"])


def test_tagged_copies_keep_the_label_and_open_the_subject_with_a_tag_of_the_language() -> None:
    records = [
        LabelledEmail(f"m{n}", Email("hr@acme.example", f"Subject {n}", "Body"), "applied", "de")
        for n in range(200)
    ]
    tags = partial(subject_tags, "trained")

    copies = with_subject_tags(records, tags, share=0.25, seed=3)[len(records) :]

    assert 25 <= len(copies) <= 75
    originals = {record.id: record for record in records}
    for copy in copies:
        original = originals[copy.id.removesuffix("~tagged")]
        tag = copy.email.subject.removesuffix(original.email.subject)
        assert tag in tags("de")
        assert (copy.label, copy.email.body) == (original.label, original.email.body)
    assert with_subject_tags(records, tags, share=0.25, seed=3)[len(records) :] == copies


@pytest.mark.parametrize("lines", [subject_tags, openings])
def test_the_measured_tags_and_openings_are_never_trained_on(lines) -> None:
    for language in ("en", "de", "fr", "es", "pt", "it"):
        measured, trained = lines("measured", language), lines("trained", language)
        assert measured and trained
        assert not set(measured) & set(trained)


def test_a_language_without_tags_of_its_own_takes_englishs() -> None:
    assert "Wichtig: " in subject_tags("trained", "de")
    assert "Reminder: " in subject_tags("trained", "it")  # English's for a language without any


def test_opened_copies_keep_the_label_and_put_a_line_of_the_language_above_the_body() -> None:
    records = [
        LabelledEmail(f"m{n}", Email("hr@acme.example", "Hola", f"Cuerpo {n}"), "rejected", "es")
        for n in range(200)
    ] + [LabelledEmail("bare", Email("hr@acme.example", "Hola", ""), "rejected", "es")]
    lines = partial(openings, "trained")

    copies = with_openings(records, lines, share=0.5, seed=5)[len(records) :]

    assert 60 <= len(copies) <= 140
    originals = {record.id: record for record in records}
    for copy in copies:
        original = originals[copy.id.removesuffix("~opened")]
        line, _, body = copy.email.body.partition("\n\n")
        assert line in lines("es") and body == original.email.body
        assert (copy.label, copy.email.subject) == (original.label, original.email.subject)
    assert "bare~opened" not in {copy.id for copy in copies}  # no body, nothing to open
