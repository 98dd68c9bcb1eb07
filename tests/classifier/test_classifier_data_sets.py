"""The written training sets and the evaluation sets: well formed, and no email in both."""

from collections import Counter

import pytest

from classifier.messages import LABELS
from training.datasets import DATA_DIR as DATA
from training.datasets import read_labelled_jsonl
from training.run import EVALUATION_SETS, WRITTEN_SETS

pytestmark = pytest.mark.unit

TRAINING_FILES = ("train.jsonl", "calibration.jsonl", *WRITTEN_SETS)
EVALUATION_FILES = tuple(f"{name}.jsonl" for name, _title in EVALUATION_SETS)


def _bodies(names: tuple[str, ...]) -> set[str]:
    return {
        " ".join(record.email.body.split())
        for name in names
        if (DATA / name).is_file()
        for record in read_labelled_jsonl(DATA / name)
    }


@pytest.mark.parametrize("name", [*WRITTEN_SETS, "dev2.jsonl"])
def test_written_sets_cover_every_label_without_repeats(name):
    records = read_labelled_jsonl(DATA / name)
    counts = Counter(record.label for record in records)
    assert set(counts) == set(LABELS)
    assert min(counts.values()) >= 30
    assert len({record.id for record in records}) == len(records)
    assert len({" ".join(record.email.body.split()) for record in records}) == len(records)


def test_no_evaluation_email_is_a_training_email():
    assert _bodies(EVALUATION_FILES)
    assert not _bodies(TRAINING_FILES) & _bodies(EVALUATION_FILES)
