"""Shared fixtures for the classifier tests: the shipped classifier and a rules-only one."""

from __future__ import annotations

import pytest

from classifier import Classifier, build_pipeline, load_classifier


@pytest.fixture(scope="session")
def shipped() -> Classifier:
    """The pipeline shipped in classifier/model/."""
    return load_classifier()


@pytest.fixture(scope="session")
def rules_only() -> Classifier:
    """A pipeline with the rule components and no textcat."""
    return Classifier(build_pipeline(with_textcat=False))
