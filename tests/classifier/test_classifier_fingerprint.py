"""The shipped model records the rules it was trained with, and the runtime notices a drift."""

import json
import logging
import os
import shutil
import subprocess
import sys
from dataclasses import replace

import pytest

from classifier import Email, decision, evidence, fingerprint, load_classifier, tokenizer
from classifier.fingerprint import recorded_fingerprint, rules_fingerprint
from classifier.pipeline import MODEL_DIR
from classifier.rulebook import RuleBook, WeightedPhrase, default_rulebook
from tests.sync_testkit import REPO_ROOT

pytestmark = pytest.mark.unit


RETRAIN = (
    "the shipped model was trained with other rules than classifier/ now holds: run "
    "`applytrack train` to retrain it (and keep the retrained classifier/model/)"
)


def test_the_shipped_model_was_trained_with_the_rules_classifier_holds():
    recorded = recorded_fingerprint(MODEL_DIR)
    assert recorded is not None, f"classifier/model/training.json records no rules: {RETRAIN}"
    assert recorded == rules_fingerprint(), RETRAIN


def test_a_model_trained_with_other_rules_loads_with_a_warning(tmp_path, caplog):
    model = tmp_path / "model"
    shutil.copytree(MODEL_DIR, model)
    record = json.loads((model / "training.json").read_text())
    record["rules_fingerprint"] = "sha256:" + "0" * 64
    (model / "training.json").write_text(json.dumps(record))
    with caplog.at_level(logging.WARNING, logger="classifier"):
        stale = load_classifier(model)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "classifier.rules_mismatch" in warnings[0]
    assert "run `applytrack train` to retrain it" in warnings[0]
    assert stale.has_textcat  # it still loads and classifies
    verdict = stale.classify(Email("jobs@acme.com", "Interview", "Can we schedule an interview?"))
    assert verdict.label == "interviewing"


def test_a_model_that_records_no_rules_loads_with_a_warning(tmp_path, caplog):
    model = tmp_path / "model"
    shutil.copytree(MODEL_DIR, model)
    (model / "training.json").unlink()
    with caplog.at_level(logging.WARNING, logger="classifier"):
        assert load_classifier(model).has_textcat
    assert any("classifier.rules_unrecorded" in r.getMessage() for r in caplog.records)


def test_the_shipped_model_loads_without_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="classifier"):
        load_classifier()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def _with_english(**changes: object) -> RuleBook:
    book = default_rulebook()
    english, *others = book.languages
    return replace(book, languages=(replace(english, **changes), *others))


def _extra_stage_phrase() -> RuleBook:
    english = default_rulebook().languages[0]
    added = WeightedPhrase("offer you a seat on the rocket", "offer", 1.0, "en")
    return _with_english(stages=(*english.stages, added))


def _reweighted_stage_phrase() -> RuleBook:
    first, *rest = default_rulebook().languages[0].stages
    return _with_english(stages=(replace(first, weight=first.weight + 0.25), *rest))


def _with_senders(**extra: tuple[object, ...]) -> RuleBook:
    """The shipped rules with ``extra`` entries appended to the named senders' lists."""
    book = default_rulebook()
    lists = {name: (*getattr(book.senders, name), *added) for name, added in extra.items()}
    return replace(book, senders=replace(book.senders, **lists))


def _extra_ats_domain() -> RuleBook:
    return _with_senders(ats_domains=("newats.example",))


def _extra_ordinary_sender_word() -> RuleBook:
    return _with_senders(ordinary_sender_words=(("content", ("gazette",)),))


def _extra_vendor_name() -> RuleBook:
    return _with_senders(vendor_names=("newvendor",))


def _extra_language_marker() -> RuleBook:
    english = default_rulebook().languages[0]
    return _with_english(markers=english.markers | {"newword"})


CHANGES = {
    "stage phrase": (fingerprint, "default_rulebook", lambda: _extra_stage_phrase),
    "phrase weight": (fingerprint, "default_rulebook", lambda: _reweighted_stage_phrase),
    "ATS domain": (fingerprint, "default_rulebook", lambda: _extra_ats_domain),
    "language marker": (fingerprint, "default_rulebook", lambda: _extra_language_marker),
    "ordinary sender word": (
        fingerprint,
        "default_rulebook",
        lambda: _extra_ordinary_sender_word,
    ),
    "placeholder": (tokenizer, "UNKNOWN_WORD", lambda: "<oov>"),
    "feature cap": (decision, "STAGE_CAP", lambda: decision.STAGE_CAP + 1),
    "stage discount": (evidence, "EARLIER_STAGE_DISCOUNT", lambda: 0.5),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_every_rule_table_is_in_the_fingerprint(monkeypatch, change):
    module, name, changed = CHANGES[change]
    before = rules_fingerprint()
    monkeypatch.setattr(module, name, changed())
    assert rules_fingerprint() != before, f"changing a {change} left the fingerprint as it was"


def test_extraction_only_senders_lists_leave_the_fingerprint_as_it_is(monkeypatch):
    before = rules_fingerprint()
    monkeypatch.setattr(fingerprint, "default_rulebook", _extra_vendor_name)
    assert rules_fingerprint() == before


def test_the_fingerprint_is_the_same_in_every_process():
    script = "from classifier import rules_fingerprint; print(rules_fingerprint())"
    seen = set()
    for seed in ("1", "2"):
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        seen.add(result.stdout.strip())
    assert seen == {rules_fingerprint()}
