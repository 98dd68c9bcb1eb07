"""`applytrack db upgrade` migrates the database it is given; `applytrack db reencrypt` moves every
encrypted field to the active key, with a worker writing meanwhile."""

from __future__ import annotations

import argparse
import os
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, inspect, text

from applytrack.commands import db
from storage import Database, FieldCipher, IncomingEmail, Label, Store, Tier
from tests.applytrack.cli_testkit import set_cli_environment

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


def _email(number: int, label: Label = Label.APPLIED) -> IncomingEmail:
    return IncomingEmail(
        gmail_message_id=f"msg-{number}",
        thread_id=f"thread-{number}",
        rfc822_message_id=f"<{number}@mail.example>",
        sender=f"Careers {number} <jobs@company{number}.example>",
        subject=f"Your application to Company {number}",
        date=datetime(2025, 2, 1, tzinfo=UTC) + timedelta(minutes=number),
        label=label,
        confidence=0.95,
        company=f"Company {number}",
        role="Analyst",
        reasons=("phrase:thank you for applying",),
    )


def _environment(monkeypatch: pytest.MonkeyPatch, url: str, keys: dict[str, bytes]) -> None:
    set_cli_environment(monkeypatch, url, keys, "k2", FINGERPRINT_KEY)


FINGERPRINT_KEY = os.urandom(32)


def test_db_reencrypt_retires_the_old_key_while_a_worker_keeps_writing(
    any_database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = {"k1": os.urandom(32), "k2": os.urandom(32)}
    database = Database(any_database_url)
    database.upgrade()
    old = Store(database, FieldCipher(keys, "k1", FINGERPRINT_KEY))
    new = Store(database, FieldCipher(keys, "k2", FINGERPRINT_KEY))
    user_id = old.create_user("seeker@example.com")
    mailbox_id = old.connect_mailbox(
        user_id, "seeker@gmail.com", tier=Tier.FREE, refresh_token="1//t"
    )
    assert old.acquire_lease(mailbox_id, "worker", ttl_seconds=600)
    old.apply_sync_batch(mailbox_id, "worker", [_email(n) for n in range(40)], new_cursor=100)
    written = 40

    def keep_writing() -> None:  # the live worker, already on the new key
        nonlocal written
        for start in range(100, 160, 3):
            batch = [_email(n, Label.INTERVIEWING) for n in range(start, start + 3)]
            new.apply_sync_batch(mailbox_id, "worker", batch, new_cursor=start + 100)
            written += len(batch)

    _environment(monkeypatch, any_database_url, keys)
    args = _parse("db", "reencrypt", "--batch-size", "7")
    writer = threading.Thread(target=keep_writing)
    writer.start()
    first = args.func(args)
    writer.join(timeout=60)
    second = args.func(args)

    assert (first, second) == (0, 0)
    lines = capsys.readouterr().out.splitlines()
    assert int(lines[0].split()[1]) >= 40 * 5 + 1  # 5 fields an email, and the token
    assert lines[1].startswith("re-encrypted 0 field(s)")
    only_new = Store(database, FieldCipher({"k2": keys["k2"]}, "k2", FINGERPRINT_KEY))
    applications = only_new.applications(user_id)
    assert len(applications) == written == 100  # nothing lost while the rows were rewritten
    assert only_new.refresh_token(mailbox_id) == "1//t"
    for application in applications:
        detail = only_new.application(user_id, application.id)
        assert detail is not None and detail.events[0].email is not None
    with database.engine.connect() as connection:
        for table, column in (("email_records", "sender_enc"), ("applications", "company_enc")):
            stale = connection.execute(
                text(f"SELECT count(*) FROM {table} WHERE {column} LIKE 'k1:%'")
            ).scalar()
            assert stale == 0
    database.dispose()
