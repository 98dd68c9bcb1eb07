import re
from collections import Counter

import pytest

from training import banks
from training.corpus import SPLITS, generate_split, in_split, split_of_item, write_corpus
from training.datasets import DATA_DIR

pytestmark = pytest.mark.unit


def all_banks():
    for label, items in banks.SUBJECTS.items():
        yield f"SUBJECTS[{label}]", items
    for label, items in banks.CORE.items():
        yield f"CORE[{label}]", items
    for label, items in banks.SUPPORT.items():
        yield f"SUPPORT[{label}]", items
    for name in ("OPENERS", "CLOSINGS", "FILLER", "NEUTRAL_FILLER", "FOOTERS"):
        yield name, getattr(banks, name)
    for kind, bank in banks.NONE_KINDS.items():
        yield f"NONE_KINDS[{kind}].subjects", bank.subjects
        yield f"NONE_KINDS[{kind}].cores", bank.cores


@pytest.mark.parametrize(("name", "items"), list(all_banks()))
def test_every_bank_has_items_in_every_split_and_no_duplicates(name, items):
    duplicates = [item for item, count in Counter(items).items() if count > 1]
    assert not duplicates, f"{name} repeats {duplicates}: a repeat would leak into another split"
    for split in ("train", "calibration", "test"):
        assert in_split(items, split), f"{name} has nothing for the {split} split"


def test_split_positions():
    assert [split_of_item(index) for index in range(6)] == [
        "train",
        "train",
        "train",
        "calibration",
        "test",
        "train",
    ]


def template_regex(sentence):
    parts = re.split(r"\{\w+\}", sentence)
    return re.compile(".+?".join(re.escape(part) for part in parts))


def test_test_core_sentences_never_reach_the_training_split():
    train_bodies = "\n".join(record["body"] for record in generate_split("train"))
    for label in ("applied", "rejected"):
        for sentence in in_split(banks.CORE[label], "test"):
            assert not template_regex(sentence).search(train_bodies), sentence
    seen = in_split(banks.CORE["rejected"], "train")[0]
    assert template_regex(seen).search(train_bodies)  # the check can find what is there


def test_generation_is_deterministic():
    first = [record["body"] for record in generate_split("calibration")][:50]
    second = [record["body"] for record in generate_split("calibration")][:50]
    assert first == second


def test_the_generator_rewrites_the_committed_splits_byte_for_byte(tmp_path):
    write_corpus(tmp_path)
    for split in SPLITS:
        written = (tmp_path / f"{split}.jsonl").read_bytes()
        assert written == (DATA_DIR / f"{split}.jsonl").read_bytes(), (
            f"training/data/{split}.jsonl is not what the phrase banks generate: run "
            "`python -m training.corpus` and retrain, or undo the change to training/phrases/"
        )


def test_the_banks_are_read_from_the_phrase_files():
    assert banks.PHRASES_DIR.name == "phrases"
    assert isinstance(banks.CORE["offer"], tuple) and banks.CORE["offer"]
    assert len(banks.FAMILIES["none"]) == len(banks.NONE_SENDERS)
    assert set(banks.COMPANIES) == set(SPLITS) == set(banks.ROLES)


def test_a_malformed_phrase_file_names_the_place(tmp_path):
    (tmp_path / "bad.json").write_text('{"openers": ["Hi", 3]}')
    data = banks.load_phrase_file("bad.json", tmp_path)
    with pytest.raises(banks.BankError, match="openers must be a list of strings"):
        banks.strings(data["openers"], "bad.json: openers")
