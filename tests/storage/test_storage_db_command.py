"""`applytrack db upgrade` migrates the database it is given."""

from __future__ import annotations

import argparse

import pytest
from sqlalchemy import create_engine, inspect

from applytrack.commands import db

pytestmark = pytest.mark.unit


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="applytrack")
    db.register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_db_upgrade_creates_the_schema_at_the_given_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    args = _parse("db", "upgrade", "--database-url", url)

    assert args.func(args) == 0
    engine = create_engine(url)
    try:
        assert {"users", "mailboxes", "status_events"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_db_upgrade_without_a_url_or_settings_fails_with_exit_code_2(monkeypatch, caplog):
    for name in ("DATABASE_URL", "APPLYTRACK_ENCRYPTION_KEYS"):
        monkeypatch.delenv(name, raising=False)
    args = _parse("db", "upgrade")

    assert args.func(args) == 2
    assert "APPLYTRACK_ENCRYPTION_KEYS is not set" in caplog.text


def test_db_upgrade_reports_an_unreachable_database(tmp_path):
    args = _parse("db", "upgrade", "--database-url", f"sqlite:///{tmp_path}/missing/dir/x.db")
    assert args.func(args) == 1


def test_db_needs_a_subcommand():
    with pytest.raises(SystemExit):
        _parse("db")
