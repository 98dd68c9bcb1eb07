"""Fixtures shared by the processors tests: the real classifier and a migrated store."""

from __future__ import annotations

import pytest

from applytrack.settings import Settings
from classifier import Classifier, load_classifier
from processors import store_from_settings
from storage import Store


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    """The shipped classifier, loaded once."""
    return load_classifier()


@pytest.fixture
def store(settings: Settings) -> Store:
    """The data-access API on the test's database, migrated to head."""
    store = store_from_settings(settings)
    store.database.upgrade()
    return store
