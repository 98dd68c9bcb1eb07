"""`applytrack user set-plan EMAIL premium|free`: the operator's switch between plans."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from applytrack.cli import main
from storage import Database, FieldCipher, Plan, Store
from tests.applytrack.cli_testkit import set_cli_environment

pytestmark = pytest.mark.unit

KEY = os.urandom(32)
FINGERPRINT_KEY = os.urandom(32)


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """A database with one account, and the environment that names it."""
    url = f"sqlite:///{tmp_path / 'plans.db'}"
    set_cli_environment(monkeypatch, url, {"k1": KEY}, "k1", FINGERPRINT_KEY)
    database = Database(url)
    database.upgrade()
    store = Store(database, FieldCipher({"k1": KEY}, "k1", FINGERPRINT_KEY))
    store.create_user("Sam.Seeker@Example.com")
    return store


def test_set_plan_finds_the_account_by_its_email_and_switches_it(store, capsys):
    (user,) = [store.user_by_email("sam.seeker@example.com")]
    assert user is not None and store.plan_of(user.id) is Plan.FREE

    assert main(["user", "set-plan", "SAM.SEEKER@example.com", "premium"]) == 0
    assert store.plan_of(user.id) is Plan.PREMIUM
    assert "premium plan" in capsys.readouterr().out

    assert main(["user", "set-plan", "sam.seeker@example.com", "free"]) == 0
    assert store.plan_of(user.id) is Plan.FREE


def test_an_unknown_account_is_an_error_naming_it(store, capsys):
    assert main(["user", "set-plan", "nobody@example.com", "premium"]) == 1
    assert "no account with the email nobody@example.com" in capsys.readouterr().err


def test_an_unknown_plan_is_refused_by_the_parser(store):
    with pytest.raises(SystemExit) as refused:
        main(["user", "set-plan", "sam.seeker@example.com", "gold"])
    assert refused.value.code == 2
