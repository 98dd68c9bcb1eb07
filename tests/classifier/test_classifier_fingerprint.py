"""The shipped model records the rules it was trained with, and the runtime notices a drift."""

import json
import logging
import os
import shutil
import subprocess
import sys
from dataclasses import replace

import pytest

from classifier import Email, components, contexts, cues, load_classifier, patterns, tokenizer
from classifier.fingerprint import recorded_fingerprint, rule_tables, rules_fingerprint
from classifier.pipeline import MODEL_DIR
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


def _first_pattern_reweighted():
    first, *rest = patterns.PATTERNS
    return (replace(first, weight=first.weight + 0.5), *rest)


def _first_context_group_widened():
    first, *rest = contexts.CONTEXT_GROUPS
    return (replace(first, weak=(*first.weak, "a new weak phrase")), *rest)


CHANGES = {
    "key phrase": (cues, "KEY_PHRASES", lambda: {**cues.KEY_PHRASES, "offer": ("new offer",)}),
    "weak phrase": (cues, "WEAK_PHRASES", lambda: cues.WEAK_PHRASES | {"new"}),
    "context group": (contexts, "CONTEXT_GROUPS", _first_context_group_widened),
    "pattern weight": (patterns, "PATTERNS", _first_pattern_reweighted),
    "ATS domain": (cues, "ATS_DOMAINS", lambda: (*cues.ATS_DOMAINS, "newats.com")),
    "job board": (cues, "JOB_BOARD_DOMAINS", lambda: cues.JOB_BOARD_DOMAINS[1:]),
    "subject word": (cues, "SUBJECT_WORDS", lambda: {**cues.SUBJECT_WORDS, "hired": "offer"}),
    "placeholder": (tokenizer, "UNKNOWN_WORD", lambda: "<oov>"),
    "rule weight": (components, "_ATS_WEIGHT", lambda: 0.75),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_every_rule_table_is_in_the_fingerprint(monkeypatch, change):
    module, name, changed = CHANGES[change]
    before = rules_fingerprint()
    monkeypatch.setattr(module, name, changed())
    assert rules_fingerprint() != before, f"changing a {change} left the fingerprint as it was"


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


def test_the_rule_words_cover_every_phrase():
    words = set(rule_tables()["rule_words"])
    assert {"schedule", "interview", "recruiter"} <= words
