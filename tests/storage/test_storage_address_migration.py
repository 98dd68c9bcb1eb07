"""Migration 0008 on a database that already has accounts and mail in it: the addresses are
encrypted and found through their blind index, ordinary mail loses its texts, sync run errors
become short reasons; nothing else is lost, and the way back restores the old schema."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from storage import Database, FieldCipher, StorageError, Store, Tier
from tests.storage.storage_testkit import backup_dump, raw_dump

BEFORE = "0007"
MOMENT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
ACCOUNT = "sally.ross@example.com"
GMAIL = "sally.r@gmail.com"
OTHER_ACCOUNT = "ben.okafor@example.org"
OTHER_GMAIL = "ben.okafor@gmail.com"
GMAIL_ERROR = (
    "Sync stopped and will be retried (HttpError: <HttpError 404 when requesting "
    "https://gmail.googleapis.com/gmail/v1/users/me/messages/18c2f9quokka0d1e?alt=json "
    "returned \"Requested entity was not found.\". Details: \"[{'reason': 'notFound'}]\">)"
)
NO_MAIL = "No mail found in the last 30 days — is this the account you apply from?"
ORDINARY_SENDER = "Lumberjack Weekly <news@lumberjack-digest.example>"
ORDINARY_SUBJECT = "Your Hollyhock gardening digest"
JOB_SENDER = "Initech Careers <jobs@initech.example>"
JOB_SUBJECT = "Interview invitation: Tax Analyst"
PRIVATE_NEEDLES = (
    "sally",
    "ben.okafor",
    "example.com",
    "gmail.com",
    "lumberjack",
    "hollyhock",
    "googleapis",
    "quokka",
)


@pytest.fixture
def old_database(any_database_url: str) -> Iterator[Database]:
    """A database at 0007 (the schema before addresses were encrypted)."""
    database = Database(any_database_url)
    database.upgrade(BEFORE)
    yield database
    database.dispose()


def _moment(database: Database) -> datetime:
    # What 0007's plain DateTime columns hold: naive UTC on SQLite, aware on PostgreSQL.
    return MOMENT.replace(tzinfo=None) if database.dialect == "sqlite" else MOMENT


def _insert(connection: sa.Connection, table: str, **values: object) -> None:
    statement = sa.table(table, *(sa.column(name) for name in values)).insert()
    connection.execute(statement, values)


def _insert_email(
    connection: sa.Connection, cipher: FieldCipher, number: int, label: str, review: str, **texts
) -> None:
    encrypt = cipher.encrypt
    _insert(
        connection,
        "email_records",
        id=number,
        mailbox_id=1,
        gmail_message_id=f"msg-{number}",
        thread_id=f"thread-{number}",
        sender_enc=encrypt(texts.get("sender", JOB_SENDER)),
        subject_enc=encrypt(texts.get("subject", JOB_SUBJECT)),
        reasons_enc=encrypt(json.dumps(["phrase:we would like to invite"])),
        explanation_enc=encrypt("An interview invitation"),
        company_enc=encrypt("Initech"),
        role_enc=encrypt("Tax Analyst"),
        email_date=texts["at"],
        label=label,
        confidence=0.9,
        review_state=review,
        application_id=1 if review == "not_needed" and label != "none" else None,
        created_at=texts["at"],
    )
    _insert(
        connection,
        "email_fingerprints",
        id=number,
        mailbox_id=1,
        fingerprint=f"{number}" * 64,
        email_record_id=number,
    )


def fill_old_database(database: Database, cipher: FieldCipher) -> None:
    """Two accounts with their mailboxes, an application, a job email with its event, an
    ordinary email, one waiting for review, and two finished sync runs, as 0007 kept them."""
    at = _moment(database)
    with database.engine.begin() as connection:
        _insert(connection, "users", id=1, email=ACCOUNT, display_name="S. Ross", created_at=at)
        _insert(connection, "users", id=2, email=OTHER_ACCOUNT, created_at=at)
        _insert(
            connection,
            "mailboxes",
            id=1,
            user_id=1,
            gmail_address=GMAIL,
            tier="premium",
            state="active",
            refresh_token_enc=cipher.encrypt("1//token"),
            history_cursor="18446744073709551615",
            created_at=at,
        )
        _insert(
            connection,
            "mailboxes",
            id=2,
            user_id=2,
            gmail_address=OTHER_GMAIL,
            tier="free",
            state="active",
            created_at=at,
        )
        _insert(
            connection,
            "applications",
            id=1,
            user_id=1,
            company_enc=cipher.encrypt("Initech"),
            role_enc=cipher.encrypt("Tax Analyst"),
            match_fingerprint="f" * 64,
            status="interviewing",
            manual_override=False,
            created_at=at,
            updated_at=at,
        )
        _insert_email(connection, cipher, 1, "interviewing", "not_needed", at=at)
        _insert_email(
            connection,
            cipher,
            2,
            "none",
            "not_needed",
            at=at,
            sender=ORDINARY_SENDER,
            subject=ORDINARY_SUBJECT,
        )
        _insert_email(connection, cipher, 3, "rejected", "pending", at=at)
        _insert(
            connection,
            "status_events",
            id=1,
            application_id=1,
            email_record_id=1,
            to_status="interviewing",
            cause="email",
            applied=True,
            created_at=at,
        )
        for run_id, mailbox_id, status, error in (
            (1, 1, "failed", GMAIL_ERROR),
            (2, 2, "no_mail", NO_MAIL),
        ):
            _insert(
                connection,
                "sync_runs",
                id=run_id,
                mailbox_id=mailbox_id,
                kind="push",
                status=status,
                started_at=at,
                messages_seen=0,
                events_written=0,
                processed=0,
                error=error,
            )
        if database.dialect == "postgresql":
            _move_sequences_past_the_rows(connection)


def _move_sequences_past_the_rows(connection: sa.Connection) -> None:
    """PostgreSQL: the rows above were given their ids, so the id sequences must move on."""
    for table in ("users", "mailboxes", "applications", "email_records", "sync_runs"):
        connection.execute(
            sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")
        )


def _row_counts(database: Database) -> dict[str, int]:
    tables = (
        "users",
        "mailboxes",
        "applications",
        "email_records",
        "email_fingerprints",
        "status_events",
        "sync_runs",
    )
    with database.engine.connect() as connection:
        return {
            table: connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in tables
        }


def _revision(database: Database) -> str | None:
    with database.engine.connect() as connection:
        return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _email_texts(database: Database) -> dict[str, tuple]:
    query = sa.text(
        "SELECT gmail_message_id, thread_id, label, email_date, sender_enc, subject_enc,"
        " reasons_enc, explanation_enc, company_enc, role_enc FROM email_records"
    )
    with database.engine.connect() as connection:
        return {row[0]: tuple(row[1:]) for row in connection.execute(query)}


def test_the_upgrade_seals_addresses_and_drops_what_ordinary_mail_kept(old_database, cipher):
    fill_old_database(old_database, cipher)
    counts = _row_counts(old_database)
    old_database.dispose()  # SQLite: the rows move from the write-ahead log into the file
    assert {"sally", "gmail.com", "quokka"} <= {
        n for n in PRIVATE_NEEDLES if n in backup_dump(old_database)
    }

    old_database.upgrade(cipher=cipher)

    assert _row_counts(old_database) == counts  # nothing lost (no cascade on SQLite's copies)
    store = Store(old_database, cipher)
    assert store.user_by_email("Sally.Ross@EXAMPLE.com").id == 1
    assert store.user(2).email == OTHER_ACCOUNT
    assert store.mailbox_by_address("SALLY.R@gmail.com").id == 1
    mailbox = store.mailbox(1)
    assert (mailbox.gmail_address, mailbox.history_cursor) == (GMAIL, 18446744073709551615)
    assert store.refresh_token(1) == "1//token"
    texts = _email_texts(old_database)
    thread, label, date, *sealed = texts["msg-2"]
    assert (thread, label, date is not None, sealed) == ("thread-2", "none", True, [None] * 6)
    assert None not in texts["msg-1"][3:] and None not in texts["msg-3"][3:]
    [review] = store.emails_for_review(1)
    assert (review.sender, review.subject) == (JOB_SENDER, JOB_SUBJECT)
    detail = store.application(1, 1)
    assert detail.events[0].email.subject == JOB_SUBJECT
    assert [run.error for run in store.sync_runs(1)] == ["gmail 404 notFound"]
    assert [run.error for run in store.sync_runs(2)] == [NO_MAIL]
    for dump in (raw_dump(old_database), backup_dump(old_database)):
        for needle in PRIVATE_NEEDLES:
            assert needle not in dump, needle


def test_the_fingerprints_keep_addresses_unique_after_the_upgrade(old_database, cipher):
    fill_old_database(old_database, cipher)
    old_database.upgrade(cipher=cipher)
    store = Store(old_database, cipher)

    with pytest.raises(StorageError):
        store.create_user("SALLY.ROSS@example.com")
    with pytest.raises(StorageError):
        store.connect_mailbox(2, "Sally.R@gmail.com", tier=Tier.FREE, refresh_token=None)
    assert store.sign_in_key(
        "\u017fally.ro\u017fs@example.com"
    )  # long s == store.sign_in_key(ACCOUNT)
    created = store.create_user("new.person@example.com")
    assert store.user_by_email("NEW.person@example.com").id == created


def test_the_upgrade_without_the_keys_stops_and_changes_nothing(old_database, cipher):
    fill_old_database(old_database, cipher)
    before = raw_dump(old_database)

    with pytest.raises(StorageError, match="APPLYTRACK_ENCRYPTION_KEYS"):
        old_database.upgrade()

    assert _revision(old_database) == BEFORE
    assert raw_dump(old_database) == before
    old_database.upgrade(cipher=cipher)  # the keys given, it goes through
    assert Store(old_database, cipher).user_by_email(ACCOUNT).id == 1


def test_an_empty_database_needs_no_keys(old_database):
    old_database.upgrade()
    assert _revision(old_database) is not None and _revision(old_database) != BEFORE


def test_the_downgrade_restores_the_plain_addresses(old_database, cipher):
    fill_old_database(old_database, cipher)
    old_database.upgrade(cipher=cipher)

    old_database.downgrade(BEFORE, cipher=cipher)

    assert _revision(old_database) == BEFORE
    with old_database.engine.connect() as connection:
        accounts = connection.execute(sa.text("SELECT email FROM users ORDER BY id")).scalars()
        gmails = connection.execute(sa.text("SELECT gmail_address FROM mailboxes ORDER BY id"))
        assert (list(accounts), list(gmails.scalars())) == (
            [ACCOUNT, OTHER_ACCOUNT],
            [GMAIL, OTHER_GMAIL],
        )
    # The ordinary email's texts are gone for good: the old schema gets empty ones.
    sender_enc = _email_texts(old_database)["msg-2"][3]
    assert cipher.decrypt(sender_enc) == ""
    old_database.upgrade(cipher=cipher)
    assert Store(old_database, cipher).user_by_email(ACCOUNT).id == 1
