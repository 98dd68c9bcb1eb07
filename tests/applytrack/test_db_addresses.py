"""The `applytrack db` commands that meet the stored addresses: `upgrade` on a database with
accounts in it (migration 0008 encrypts their addresses with the settings' keys; without the keys
it stops, says so and changes nothing), and `find-account`, an operator's lookup by address."""

from __future__ import annotations

import argparse
import os

import pytest

from applytrack.commands import db
from storage import Database, FieldCipher, Store
from tests.applytrack.cli_testkit import cli_settings
from tests.storage.test_storage_address_migration import (
    ACCOUNT,
    BEFORE,
    GMAIL,
    OTHER_ACCOUNT,
    fill_old_database,
)

pytestmark = pytest.mark.unit

KEYS = {"k1": os.urandom(32)}
FINGERPRINT_KEY = os.urandom(32)
SETTINGS = cli_settings(KEYS, "k1", FINGERPRINT_KEY)


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="applytrack")
    db.register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def _upgrade_args(url: str) -> argparse.Namespace:
    return _parse("db", "upgrade", "--database-url", url)


@pytest.fixture
def old_url(tmp_path) -> str:
    """A SQLite database at 0007 with two accounts, their mailboxes and mail."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    database = Database(url)
    database.upgrade(BEFORE)
    fill_old_database(database, FieldCipher(KEYS, "k1", FINGERPRINT_KEY))
    database.dispose()
    return url


def test_without_the_keys_the_upgrade_stops_with_exit_code_2(old_url, monkeypatch, caplog):
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    args = _upgrade_args(old_url)

    assert args.func(args) == 2
    assert "APPLYTRACK_ENCRYPTION_KEYS" in caplog.text and "Nothing was changed" in caplog.text
    database = Database(old_url)
    try:
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT email FROM users").scalars().all()
    finally:
        database.dispose()


def test_with_the_keys_in_the_environment_the_addresses_are_sealed(old_url, monkeypatch):
    for name, value in SETTINGS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABASE_URL", "sqlite:////nonexistent/ignored.db")  # --database-url wins
    args = _upgrade_args(old_url)

    assert args.func(args) == 0
    database = Database(old_url)
    try:
        store = Store(database, FieldCipher(KEYS, "k1", FINGERPRINT_KEY))
        user = store.user_by_email(ACCOUNT.upper())
        assert user is not None and user.email == ACCOUNT
    finally:
        database.dispose()


def test_find_account_prints_the_ids_found_through_the_blind_index(old_url, monkeypatch, capsys):
    for name, value in SETTINGS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABASE_URL", old_url)
    upgrade = _upgrade_args(old_url)
    assert upgrade.func(upgrade) == 0
    capsys.readouterr()

    answers = []
    for address in (ACCOUNT.upper(), GMAIL, OTHER_ACCOUNT, "nobody@example.com"):
        args = _parse("db", "find-account", address)
        answers.append((args.func(args), capsys.readouterr().out.splitlines()))

    assert answers == [
        (0, ["account 1 signs in with this address"]),
        (0, ["mailbox 1 (active) of account 1 is this Gmail"]),
        (0, ["account 2 signs in with this address"]),
        (1, ["no account and no Gmail mailbox has this address"]),
    ]


def test_find_account_needs_the_keys(monkeypatch, caplog):
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    args = _parse("db", "find-account", ACCOUNT)

    assert args.func(args) == 2
    assert "APPLYTRACK_ENCRYPTION_KEYS is not set" in caplog.text
