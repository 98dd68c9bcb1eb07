"""Train the textcat, calibrate the decision and save the pipeline (deterministic: fixed seeds)."""

from __future__ import annotations

import json
import logging
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language
from spacy.training import Example
from spacy.util import fix_random_seed, minibatch
from thinc.api import Adam

from classifier.components import decision_scores
from classifier.messages import LABELS, Email
from classifier.pipeline import build_pipeline, email_to_doc
from classifier.sources import LabelledEmail

logger = logging.getLogger(__name__)

RULE_SCALES = tuple(step / 2 for step in range(0, 13))  # 0.0 .. 6.0
TEMPERATURES = tuple(step / 10 for step in range(3, 41))  # 0.3 .. 4.0


@dataclass(frozen=True)
class Calibration:
    """The decision parameters chosen on the calibration split and their log-loss there."""

    rule_scale: float
    temperature: float
    log_loss: float


def train_textcat(
    nlp: Language, records: Sequence[LabelledEmail], *, epochs: int = 6, seed: int = 0
) -> list[float]:
    """Train the pipeline's textcat on ``records``; return the loss of every epoch."""
    fix_random_seed(seed)
    examples = [_example(nlp, record.email, record.label) for record in records]
    nlp.initialize(lambda: examples, sgd=Adam(0.002))
    optimizer = nlp.create_optimizer()
    rng = random.Random(seed)
    losses_per_epoch = []
    with nlp.select_pipes(enable=["textcat"]):
        for epoch in range(epochs):
            rng.shuffle(examples)
            losses: dict[str, float] = {}
            for batch in minibatch(examples, size=32):
                nlp.update(batch, sgd=optimizer, losses=losses)
            losses_per_epoch.append(losses.get("textcat", 0.0))
            logger.info("train.epoch epoch=%d loss=%.4f", epoch + 1, losses_per_epoch[-1])
    return losses_per_epoch


def calibrate(nlp: Language, records: Sequence[LabelledEmail]) -> Calibration:
    """Choose the rule weight and temperature that minimise log-loss on ``records``; apply them."""
    docs = list(nlp.pipe(email_to_doc(nlp, record.email) for record in records))
    observed = [
        (dict(doc.cats), doc._.applytrack_cues or [], r.label)
        for doc, r in zip(docs, records, strict=True)
    ]
    best: Calibration | None = None
    for rule_scale in RULE_SCALES:
        for temperature in TEMPERATURES:
            loss = 0.0
            for cats, cues, label in observed:
                probability = decision_scores(cats, cues, rule_scale, temperature)[label]
                loss -= math.log(max(probability, 1e-9))
            loss /= max(len(observed), 1)
            if best is None or loss < best.log_loss - 1e-12:
                best = Calibration(rule_scale, temperature, loss)
    assert best is not None
    decision = nlp.get_pipe("decision")
    decision.rule_scale = best.rule_scale
    decision.temperature = best.temperature
    logger.info("train.calibrated rule_scale=%s temperature=%s log_loss=%.4f", *_fields(best))
    return best


def train_pipeline(
    train: Sequence[LabelledEmail],
    calibration: Sequence[LabelledEmail],
    *,
    epochs: int = 6,
    seed: int = 0,
) -> tuple[Language, Calibration]:
    """Build a blank pipeline, train its textcat and calibrate its decision."""
    nlp = build_pipeline()
    train_textcat(nlp, train, epochs=epochs, seed=seed)
    return nlp, calibrate(nlp, calibration)


def save_pipeline(nlp: Language, model_dir: Path, calibration: Calibration) -> None:
    """Write the pipeline with `nlp.to_disk` plus a record of its calibration."""
    nlp.to_disk(model_dir)
    summary = {
        "rule_scale": calibration.rule_scale,
        "temperature": calibration.temperature,
        "calibration_log_loss": round(calibration.log_loss, 5),
    }
    (model_dir / "training.json").write_text(json.dumps(summary, indent=2) + "\n")


def ham_records(emails: Sequence[Email], prefix: str) -> list[LabelledEmail]:
    """Label ordinary mail as `none`."""
    return [LabelledEmail(f"{prefix}-{index}", email, "none") for index, email in enumerate(emails)]


def _example(nlp: Language, email: Email, label: str) -> Example:
    doc = email_to_doc(nlp, email)
    return Example.from_dict(doc, {"cats": {name: float(name == label) for name in LABELS}})


def _fields(calibration: Calibration) -> tuple[float, float, float]:
    return calibration.rule_scale, calibration.temperature, calibration.log_loss
