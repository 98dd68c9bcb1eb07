"""The rules fingerprint: one hash of every rule table the trained model was fitted against.

The textcat's vocabulary holds the rule phrases' words, and the decision's parameters were
calibrated on the evidence these rules produce; a model trained with other rules is stale.
`applytrack train` records `rules_fingerprint()` in the model's ``training.json``;
`classifier.load_classifier` compares it with the rules it runs with and warns on a mismatch.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from classifier import components, contexts, cues, patterns, tokenizer

logger = logging.getLogger(__name__)

# Written next to the pipeline by `applytrack train`: calibration summary and rules fingerprint.
TRAINING_RECORD = "training.json"
FINGERPRINT_KEY = "rules_fingerprint"
RETRAIN_ADVICE = "run `applytrack train` to retrain it"
_PREFIX = "sha256:"


def rule_tables() -> dict[str, object]:
    """Every rule table as plain JSON data (sets sorted; tuples keep their written order)."""
    return {
        "key_phrases": {label: list(phrases) for label, phrases in cues.KEY_PHRASES.items()},
        "weak_phrases": sorted(cues.WEAK_PHRASES),
        "context_groups": [
            {"name": group.name, "strong": list(group.strong), "weak": list(group.weak)}
            for group in contexts.CONTEXT_GROUPS
        ],
        "patterns": [
            {
                "name": pattern.name,
                "label": pattern.label,
                "anchors": sorted(pattern.anchors),
                "regex": pattern.regex.pattern,
                "flags": int(pattern.regex.flags),
                "weight": pattern.weight,
            }
            for pattern in patterns.PATTERNS
        ],
        "ats_domains": list(cues.ATS_DOMAINS),
        "job_board_domains": list(cues.JOB_BOARD_DOMAINS),
        "subject_words": dict(sorted(cues.SUBJECT_WORDS.items())),
        "subject_offer_stop": sorted(cues.SUBJECT_OFFER_STOP),
        "hiring_sender": cues.HIRING_SENDER.pattern,
        "weights": components.rule_weights(),
        "tokenizer": {
            "name": tokenizer.TOKENIZER_NAME,
            "token_regex": tokenizer.TOKEN_PATTERN.pattern,
            "unknown_word": tokenizer.UNKNOWN_WORD,
            "unknown_number": tokenizer.UNKNOWN_NUMBER,
        },
        # The words every trained model's closed vocabulary (its known-word list) must hold.
        "rule_words": sorted(_rule_words()),
    }


def rules_fingerprint() -> str:
    """A SHA-256 of `rule_tables()`: the same rules give the same text in every process."""
    canonical = json.dumps(rule_tables(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return _PREFIX + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def recorded_fingerprint(model_dir: Path) -> str | None:
    """The rules fingerprint a saved model was trained with; None when it records none."""
    path = model_dir / TRAINING_RECORD
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = record.get(FINGERPRINT_KEY) if isinstance(record, dict) else None
    return value if isinstance(value, str) else None


def check_model_rules(model_dir: Path) -> bool:
    """True when the model at ``model_dir`` was trained with these rules; else log a warning."""
    recorded = recorded_fingerprint(model_dir)
    current = rules_fingerprint()
    if recorded == current:
        return True
    if recorded is None:
        logger.warning(
            "classifier.rules_unrecorded path=%s the model records no rules fingerprint, so it "
            "may have been trained with other rules than classifier/ holds: %s",
            model_dir,
            RETRAIN_ADVICE,
        )
    else:
        logger.warning(
            "classifier.rules_mismatch path=%s trained_with=%s rules=%s the model was trained "
            "with other rules than classifier/ now holds: %s",
            model_dir,
            recorded,
            current,
            RETRAIN_ADVICE,
        )
    return False


def _rule_words() -> set[str]:
    phrases = [phrase for group in cues.KEY_PHRASES.values() for phrase in group]
    for group in contexts.CONTEXT_GROUPS:
        phrases += [*group.strong, *group.weak]
    return {word for phrase in phrases for word in tokenizer.word_tokens(phrase)}
