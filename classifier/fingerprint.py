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
from dataclasses import asdict
from pathlib import Path

from classifier import decision, evidence, tokenizer
from classifier.rulebook import EXTRACTION_ONLY_SENDER_KEYS, default_rulebook

logger = logging.getLogger(__name__)

# Written next to the pipeline by `applytrack train`: calibration summary and rules fingerprint.
TRAINING_RECORD = "training.json"
FINGERPRINT_KEY = "rules_fingerprint"
RETRAIN_ADVICE = "run `applytrack train` to retrain it"
_PREFIX = "sha256:"


def rule_tables() -> dict[str, object]:
    """Every rule file and the constants that turn its matches into features, as plain data."""
    book = default_rulebook()
    return {
        "languages": {
            language.code: {
                "markers": sorted(language.markers),
                "negations": list(language.negations),
                "quoting": asdict(language.quoting),
                "phrases": [
                    [phrase.group, phrase.phrase, phrase.weight]
                    for phrase in (
                        *language.stages,
                        *language.subject_stages,
                        *language.job_context,
                        *language.ordinary,
                    )
                ],
            }
            for language in book.languages
        },
        "senders": {
            key: sorted(value) if isinstance(value, frozenset) else list(value)
            for key, value in asdict(book.senders).items()
            if key not in EXTRACTION_ONLY_SENDER_KEYS
        },
        "people": {key: sorted(value) for key, value in asdict(book.people).items()},
        "features": list(decision.FEATURES),
        "caps": [
            decision.STAGE_CAP,
            decision.SUBJECT_CAP,
            decision.CONTEXT_CAP,
            decision.ORDINARY_CAP,
        ],
        "uncued_none_ceiling": decision.UNCUED_NONE_CEILING,
        "textcat_floor": decision.TEXTCAT_FLOOR,
        "short_text_chars": decision.SHORT_TEXT_CHARS,
        "evidence": {
            "stage_order": dict(sorted(evidence.STAGE_ORDER.items())),
            "earlier_stage_discount": evidence.EARLIER_STAGE_DISCOUNT,
            "negation_window": evidence.NEGATION_WINDOW_CHARS,
            "addressed_within": evidence.ADDRESSED_WITHIN,
        },
        "tokenizer": {
            "name": tokenizer.TOKENIZER_NAME,
            "token_regex": tokenizer.TOKEN_PATTERN.pattern,
            "unknown_word": tokenizer.UNKNOWN_WORD,
            "unknown_number": tokenizer.UNKNOWN_NUMBER,
        },
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
