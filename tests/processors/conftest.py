"""Fixtures for the processors tests (the shared ones are in tests/conftest.py): the classifier."""

from __future__ import annotations

import pytest

from classifier import Classifier, load_classifier


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    """The shipped classifier, loaded once."""
    return load_classifier()
