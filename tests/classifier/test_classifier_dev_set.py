"""The development set: written apart from the sentence banks, half of it hard negatives."""

import re
from collections import Counter

import pytest

from classifier.messages import LABELS
from training import banks
from training.datasets import DATA_DIR, read_labelled_jsonl

pytestmark = pytest.mark.unit

DEV_SET = DATA_DIR / "dev.jsonl"


@pytest.fixture(scope="module")
def dev_records():
    return read_labelled_jsonl(DEV_SET)


def bank_sentences():
    for items in (*banks.CORE.values(), *banks.SUPPORT.values(), banks.FILLER):
        yield from items
    for bank in banks.NONE_KINDS.values():
        yield from bank.cores


def sentences_of(text):
    return {part.strip().lower() for part in re.split(r"(?<=[.!?])\s+|\n+", text) if part.strip()}


def test_dev_set_is_balanced_and_half_ordinary_mail(dev_records):
    counts = Counter(record.label for record in dev_records)
    assert set(counts) == set(LABELS)
    assert len(dev_records) >= 140
    assert counts["none"] >= 0.45 * len(dev_records)
    assert min(counts[label] for label in LABELS if label != "none") >= 15
    assert len({record.id for record in dev_records}) == len(dev_records)


def bank_pattern(sentence):
    """A bank sentence as a regex: its placeholders ("{role}", "{company}") match any text."""
    return re.compile(re.sub(r"\\\{\w+\\\}", ".+?", re.escape(sentence.strip().lower())))


def test_dev_set_shares_no_sentence_with_the_banks(dev_records):
    patterns = [bank_pattern(sentence) for sentence in bank_sentences() if len(sentence) > 30]
    dev = set().union(*(sentences_of(record.email.body) for record in dev_records))
    shared = {sentence for sentence in dev for pattern in patterns if pattern.fullmatch(sentence)}
    assert not shared


def test_bank_patterns_find_a_bank_sentence_with_its_placeholders_filled():
    template = next(sentence for sentence in bank_sentences() if "{role}" in sentence)
    filled = template.replace("{role}", "Data Engineer").replace("{company}", "Acme")
    assert bank_pattern(template).fullmatch(filled.strip().lower())
