"""Train the textcat, calibrate the decision and save the pipeline (deterministic: fixed seeds)."""

from __future__ import annotations

import itertools
import json
import logging
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy
from spacy.language import Language
from spacy.training import Example
from spacy.util import fix_random_seed, minibatch
from thinc.api import Adam

from classifier.components import (
    Decision,
    MixParameters,
    email_state,
    mix_probabilities,
    rule_features,
)
from classifier.fingerprint import FINGERPRINT_KEY, TRAINING_RECORD, rules_fingerprint
from classifier.messages import LABELS, Email
from classifier.pipeline import build_pipeline, email_to_doc, pipeline_text
from classifier.tokenizer import word_tokenizer, word_tokens
from training.datasets import LabelledEmail

logger = logging.getLogger(__name__)

RULE_SCALES = tuple(step / 2 for step in range(0, 13))  # 0.0 .. 6.0
CONTEXT_SCALES = tuple(step / 2 for step in range(0, 13))  # 0.0 .. 6.0
GATE_PENALTIES = tuple(float(step) for step in range(0, 13))  # 0 .. 12
TEMPERATURES = tuple(step / 10 for step in range(3, 41))  # 0.3 .. 4.0
# Every training word is known. (Making rare training words "unknown" taught the textcat that an
# unknown word means ordinary mail, because SpamAssassin ham is where rare words come from; real
# job mail full of new names was then pushed to `none`. An unseen placeholder stays neutral.)
MIN_WORD_EMAILS = 1
# The calibration split is synthetic and cleaner than real mail: scoring it as if 5% of it were
# unlike anything seen keeps the fitted confidence from collapsing to 0 and 1.
ASSUMED_ERROR_RATE = 0.05


@dataclass(frozen=True)
class Calibration:
    """The decision parameters chosen on the calibration split and their log-loss there."""

    parameters: MixParameters
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
    """Choose the decision's parameters that minimise (smoothed) log-loss on ``records``."""
    docs = list(nlp.pipe(email_to_doc(nlp, record.email) for record in records))
    features = [rule_features(email_state(doc).cues) for doc in docs]
    textcat = numpy.array([[doc.cats.get(label, 0.0) for label in LABELS] for doc in docs])
    evidence = numpy.array([feature.evidence for feature in features])
    ordinary = numpy.array([feature.ordinary_context for feature in features])
    job = numpy.array([feature.job_context for feature in features])
    truth = numpy.array([LABELS.index(record.label) for record in records])
    rows = numpy.arange(len(records))
    best: Calibration | None = None
    for rule_scale, context_scale, gate_penalty in itertools.product(
        RULE_SCALES, CONTEXT_SCALES, GATE_PENALTIES
    ):
        for temperature in TEMPERATURES:
            parameters = MixParameters(rule_scale, context_scale, gate_penalty, temperature)
            probabilities = mix_probabilities(textcat, evidence, ordinary, job, parameters)
            log_p = numpy.log(numpy.maximum(probabilities, 1e-12))
            # Cross-entropy against smoothed targets: (1 - e) on the true label, e/K on each.
            loss = float(
                -(
                    (1 - ASSUMED_ERROR_RATE) * log_p[rows, truth]
                    + ASSUMED_ERROR_RATE / len(LABELS) * log_p.sum(axis=1)
                ).mean()
            )
            if best is None or loss < best.log_loss - 1e-12:
                best = Calibration(parameters, loss)
    if best is None:
        raise ValueError("the calibration split is empty: there is nothing to calibrate on")
    decision = nlp.get_pipe("decision")
    if not isinstance(decision, Decision):
        raise TypeError(f"the decision component is a {type(decision).__name__}")
    decision.parameters = best.parameters
    logger.info("train.calibrated parameters=%s log_loss=%.4f", best.parameters, best.log_loss)
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
    # The phrase matcher's own words (already in the vocabulary) are always known.
    word_tokenizer(nlp).close_vocabulary(known_words(train) | set(nlp.vocab.strings))
    train_textcat(nlp, train, epochs=epochs, seed=seed)
    return nlp, calibrate(nlp, calibration)


def known_words(records: Sequence[LabelledEmail], *, min_emails: int = MIN_WORD_EMAILS) -> set[str]:
    """The words found in at least ``min_emails`` of the records' pipeline texts."""
    emails_with: Counter[str] = Counter()
    for record in records:
        emails_with.update(set(word_tokens(pipeline_text(record.email))))
    return {word for word, count in emails_with.items() if count >= min_emails}


def save_pipeline(nlp: Language, model_dir: Path, calibration: Calibration) -> None:
    """Write the pipeline with `nlp.to_disk` plus a record of its calibration and its rules.

    The record (``training.json``) holds the rules fingerprint the model was trained with, which
    `classifier.load_classifier` and the tests compare with the rules the runtime holds.
    """
    nlp.to_disk(model_dir)
    summary = {
        **asdict(calibration.parameters),
        "calibration_log_loss": round(calibration.log_loss, 5),
        FINGERPRINT_KEY: rules_fingerprint(),
    }
    (model_dir / TRAINING_RECORD).write_text(json.dumps(summary, indent=2) + "\n")


def ham_records(emails: Sequence[Email], prefix: str) -> list[LabelledEmail]:
    """Label ordinary mail as `none`."""
    return [LabelledEmail(f"{prefix}-{index}", email, "none") for index, email in enumerate(emails)]


def _example(nlp: Language, email: Email, label: str) -> Example:
    doc = email_to_doc(nlp, email)
    return Example.from_dict(doc, {"cats": {name: float(name == label) for name in LABELS}})
