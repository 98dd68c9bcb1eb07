import json
import logging

import pytest

from classifier import Email, load_classifier, rules_fingerprint
from classifier.pipeline import build_pipeline
from training.datasets import LabelledEmail
from training.train import WriterGroup, save_pipeline, train_pipeline, train_textcat

pytestmark = pytest.mark.unit

HANDFUL = [
    ("applied", "Application received", "Thank you for applying. We received your application."),
    ("applied", "Thanks for applying", "Your application has been submitted successfully."),
    (
        "interviewing",
        "Interview",
        "Could we schedule an interview next week? Share your availability.",
    ),
    ("interviewing", "Phone screen", "Let's set up a phone screen on Tuesday."),
    ("offer", "Offer", "We are pleased to offer you the role. Offer letter attached."),
    ("offer", "Your offer", "We'd like to extend an offer with a base salary of $100,000."),
    ("rejected", "Update", "We decided to move forward with other candidates."),
    ("rejected", "Your application", "We regret to inform you the position has been filled."),
    ("none", "Dinner", "Pizza on Friday at my place?"),
    ("none", "Newsletter", "This week's newsletter: gardening tips. Unsubscribe."),
]


def records():
    return [
        LabelledEmail(str(i), Email(sender="x@example.com", subject=s, body=b), label)
        for i, (label, s, b) in enumerate(HANDFUL)
    ]


def test_textcat_training_lowers_its_loss():
    losses = train_textcat(build_pipeline(), records(), epochs=5, seed=0)
    assert losses[-1] < losses[0]


def test_blank_pipeline_trains_stacks_saves_and_loads_offline(tmp_path, caplog):
    # Two "writers": the decision is fitted on each one's mail scored by a textcat without it.
    first, second = records()[::2], records()[1::2]
    groups = [WriterGroup("first", first * 3), WriterGroup("second", second * 3)]
    fitting = [WriterGroup("synthetic-calibration", records())]
    nlp, fitted = train_pipeline(groups, fitting, epochs=5, seed=0)
    assert fitted.fitted_on == 2 * 3 * 5 + len(HANDFUL)
    assert fitted.model.weights.shape[0] == 5
    save_pipeline(nlp, tmp_path / "model", fitted)
    record = json.loads((tmp_path / "model" / "training.json").read_text())
    assert record["rules_fingerprint"] == rules_fingerprint()
    caplog.clear()  # training's own INFO lines, when an earlier test left INFO switched on
    with caplog.at_level(logging.WARNING, logger="classifier"):
        loaded = load_classifier(tmp_path / "model")
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not warnings  # trained with these rules: nothing to warn about
    assert loaded.has_textcat
    result = loaded.classify(Email("x@example.com", "Offer", "Pleased to offer you the role."))
    assert result.label == "offer"


def test_training_is_deterministic():
    first, second = build_pipeline(), build_pipeline()
    assert train_textcat(first, records(), epochs=2, seed=3) == train_textcat(
        second, records(), epochs=2, seed=3
    )


def test_missing_model_path_is_a_clear_error(tmp_path):
    from classifier import ModelNotFound

    with pytest.raises(ModelNotFound, match="applytrack train"):
        load_classifier(tmp_path / "nothing-here")
