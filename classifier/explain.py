"""A sentence a person can read for why an email got its label (the Activity Log's "why").

The sentences are data (`explanations.json`); the raw rule and model features stay available
beside them (`Classification.reasons`).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from classifier.decision import NONE_LABEL, Verdict
from classifier.evidence import Evidence

EXPLANATIONS_FILE = Path(__file__).resolve().parent / "explanations.json"


@lru_cache(maxsize=1)
def sentences() -> dict[str, Any]:
    """The sentence templates, read once."""
    data = json.loads(EXPLANATIONS_FILE.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{EXPLANATIONS_FILE} must hold one JSON object")
    return data


def explain(verdict: Verdict, evidence: Evidence) -> str:
    """Why ``verdict`` was given, in one or two sentences."""
    texts = sentences()
    sender = _sender_name(evidence) or texts["sender_fallback"]
    if verdict.context_rule:
        return str(texts["context"][verdict.context_rule]).format(sender=sender)
    if verdict.label == NONE_LABEL:
        return _why_ordinary(evidence, texts)
    reason = _why_job(verdict.label, evidence, texts).format(sender=sender)
    if verdict.promoted:
        return str(texts["promoted"]).format(reason=reason)
    return reason


def _why_job(label: str, evidence: Evidence, texts: dict[str, Any]) -> str:
    if evidence.stage.get(label, 0.0) > 0:
        return str(texts["stage"][label])
    if evidence.subject.get(label, 0.0) > 0:
        return str(texts["subject"][label])
    return str(texts["model"][label])


def _why_ordinary(evidence: Evidence, texts: dict[str, Any]) -> str:
    if evidence.ordinary:
        group = max(evidence.ordinary, key=evidence.ordinary.__getitem__)
        if group in texts["ordinary"]:
            return str(texts["ordinary"][group])
    return str(texts["nothing"])


def _sender_name(evidence: Evidence) -> str:
    display = evidence.sender.display.strip().strip('"')
    if display and "@" not in display:
        return display
    return ""
