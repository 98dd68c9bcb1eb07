"""What a copy of the database shows: no plaintext sender, subject, company, role, token,
account email, Gmail address or Gmail error text; and of ordinary mail not even the encrypted
sender or subject."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect, text

from storage import FieldCipher, Label, Store, Tier, reencrypt_fields
from storage.rotation import ENCRYPTED_COLUMNS
from storage.run_errors import run_error_reason
from tests.storage.storage_testkit import backup_dump, raw_dump

SECRETS = {
    "sender": "Globex Talent <talent@globex-hiring.example>",
    "subject": "Interview for Senior Widget Designer",
    "company": "Globex Corporation",
    "role": "Senior Widget Designer",
    "token": "1//refresh-secret-token",
    "reason": "phrase:we would like to invite",
}
NEEDLES = ("globex", "widget", "refresh-secret", "talent@", "invite")
# The `mailbox_id` fixture's account is seeker@example.com, its Gmail seeker@gmail.com.
ADDRESS_NEEDLES = ("seeker@", "example.com", "gmail.com")
ORDINARY = {
    "sender": "Lumberjack Weekly <news@lumberjack-digest.example>",
    "subject": "Your Hollyhock gardening digest",
    "explanation": "Nothing about a job application here",
    "reason": "phrase:unsubscribe from marmalade",
}
ORDINARY_NEEDLES = ("lumberjack", "hollyhock", "nothing about a job", "marmalade")
# What google-api-python-client's HttpError says: a message id, a URL, the address.
GMAIL_ERROR = (
    "Sync stopped and will be retried (HttpError: <HttpError 404 when requesting "
    "https://gmail.googleapis.com/gmail/v1/users/seeker%40gmail.com/messages/"
    '18c2f9quokka0d1e?format=metadata&alt=json returned "Requested entity was not found.". '
    "Details: \"[{'message': 'Requested entity was not found.', 'domain': 'global', "
    "'reason': 'notFound'}]\">)"
)
ERROR_NEEDLES = ("googleapis", "quokka", "requested entity", "seeker%40")


def _write_secrets(store: Store, mailbox_id: int, make_email, **overrides) -> None:
    values = {
        "sender": SECRETS["sender"],
        "subject": SECRETS["subject"],
        "company": SECRETS["company"],
        "role": SECRETS["role"],
        "label": Label.INTERVIEWING,
        "reasons": (SECRETS["reason"],),
    }
    email = make_email(**{**values, **overrides})
    store.apply_sync_batch(mailbox_id, "worker-a", [email], new_cursor=7)


def _write_private_data(store: Store, mailbox_id: int, make_email) -> int:
    """Everything private storage is given: a token, a job email, one waiting for review, an
    ordinary email, a Gmail error, and a second account; returns that account's id."""
    store.set_refresh_token(mailbox_id, SECRETS["token"])
    _write_secrets(store, mailbox_id, make_email)
    _write_secrets(store, mailbox_id, make_email, needs_review=True, subject="Widget chat?")
    ordinary = make_email(
        label=Label.NONE,
        sender=ORDINARY["sender"],
        subject=ORDINARY["subject"],
        explanation=ORDINARY["explanation"],
        reasons=(ORDINARY["reason"],),
        company="Lumberjack Weekly",
        role=None,
    )
    store.apply_sync_batch(mailbox_id, "worker-a", [ordinary], new_cursor=8)
    run_id = store.start_sync_run(mailbox_id, "push")
    store.finish_sync_run(
        run_id, status="failed", messages_seen=0, events_written=0, error=GMAIL_ERROR
    )
    other = store.create_user("Second.Seeker@Example.com")
    store.connect_mailbox(other, "SECOND.SEEKER@gmail.com", tier=Tier.FREE, refresh_token=None)
    return other


def _assert_nothing_private_in(dump: str) -> None:
    for needle in (*NEEDLES, *ADDRESS_NEEDLES, *ORDINARY_NEEDLES, *ERROR_NEEDLES):
        assert needle not in dump, needle


def test_a_raw_dump_of_every_table_shows_no_plaintext(store, database, mailbox_id, make_email):
    other = _write_private_data(store, mailbox_id, make_email)

    dump = raw_dump(database)
    assert "k1:" in dump  # the dump did read the encrypted columns
    assert "gmail 404 notfound" in dump  # ...and the sync run's short reason
    _assert_nothing_private_in(dump)
    # ...yet every address is still there for whoever holds the keys.
    assert store.user(other).email == "second.seeker@example.com"
    assert store.mailbox_by_address("second.seeker@GMAIL.com").user_id == other
    assert store.mailbox(mailbox_id).gmail_address == "seeker@gmail.com"


def test_a_backup_of_the_database_shows_no_plaintext(store, database, mailbox_id, make_email):
    _write_private_data(store, mailbox_id, make_email)
    database.dispose()  # every connection closed: the SQLite file is as a backup would copy it

    dump = backup_dump(database)
    assert "gmail 404 notfound" in dump  # the dump did hold the rows
    _assert_nothing_private_in(dump)


def test_ordinary_mail_keeps_only_its_ids_date_and_label(store, database, mailbox_id, make_email):
    ordinary = make_email(label=Label.NONE, company=None, role=None, reasons=("no job phrase",))
    unsure = make_email(label=Label.REJECTED, needs_review=True, confidence=0.4)
    store.apply_sync_batch(mailbox_id, "worker-a", [ordinary, unsure], new_cursor=9)

    texts = "sender_enc, subject_enc, reasons_enc, explanation_enc, company_enc, role_enc"
    query = f"SELECT gmail_message_id, thread_id, label, email_date, {texts} FROM email_records"
    with database.engine.connect() as connection:
        rows = {row[0]: tuple(row[1:]) for row in connection.execute(text(query))}

    thread_id, label, date, *sealed = rows[ordinary.gmail_message_id]
    assert (thread_id, label, date is not None) == (ordinary.thread_id, "none", True)
    assert sealed == [None] * 6
    assert None not in rows[unsure.gmail_message_id][3:6]  # a review item keeps what it shows
    # Idempotent all the same: the ordinary email is known and not written twice.
    again = store.apply_sync_batch(mailbox_id, "worker-a", [ordinary], new_cursor=10)
    assert (again.emails_new, again.emails_skipped) == (0, 1)
    assert ordinary.gmail_message_id in store.known_message_ids(
        mailbox_id, [ordinary.gmail_message_id]
    )


def test_rotating_the_active_key_keeps_old_rows_readable(
    database, keys, fingerprint_key, clock, mailbox_id, user_id, make_email, store
):
    store.set_refresh_token(mailbox_id, SECRETS["token"])
    _write_secrets(store, mailbox_id, make_email, date=datetime(2025, 2, 1, tzinfo=UTC))
    rotated = Store(database, FieldCipher(keys, "k2", fingerprint_key), clock=clock.wall)

    [view] = rotated.applications(user_id)
    assert (view.company, view.role) == (SECRETS["company"], SECRETS["role"])
    assert rotated.refresh_token(mailbox_id) == SECRETS["token"]
    # Matching by company + role still works under the new key (fingerprints do not rotate).
    rotated.apply_sync_batch(
        mailbox_id,
        "worker-a",
        [make_email(label=Label.OFFER, company="globex corporation", role=SECRETS["role"])],
        new_cursor=None,
    )
    assert [a.id for a in rotated.applications(user_id)] == [view.id]


def test_reencrypt_fields_rewrites_old_rows_so_the_old_key_can_go(
    database, keys, fingerprint_key, mailbox_id, user_id, make_email, store
):
    store.set_refresh_token(mailbox_id, SECRETS["token"])
    _write_secrets(store, mailbox_id, make_email)
    k2_active = FieldCipher(keys, "k2", fingerprint_key)

    # the account email, the Gmail address and its token, company and role, and the 5
    # encrypted fields of the email
    assert reencrypt_fields(database, k2_active, batch_size=1) == 10
    assert reencrypt_fields(database, k2_active) == 0
    assert "k1:" not in raw_dump(database)
    only_k2 = Store(database, FieldCipher({"k2": keys["k2"]}, "k2", fingerprint_key))
    detail = only_k2.application(user_id, only_k2.applications(user_id)[0].id)
    assert detail.events[0].email.subject == SECRETS["subject"]
    assert only_k2.refresh_token(mailbox_id) == SECRETS["token"]
    # The blind indexes do not rotate: the rewritten rows are found as before.
    assert only_k2.user_by_email("Seeker@example.com").id == user_id
    assert only_k2.mailbox_by_address("seeker@gmail.com").id == mailbox_id


def test_reencrypt_fields_refuses_an_empty_batch(database, cipher):
    with pytest.raises(ValueError, match="batch_size must be positive"):
        reencrypt_fields(database, cipher, batch_size=0)


@pytest.mark.unit
@pytest.mark.parametrize(
    ("error", "kept"),
    [
        (None, None),
        ("  ", None),
        (
            "No mail found in the last 30 days — is this the account you apply from?",
            "No mail found in the last 30 days — is this the account you apply from?",
        ),
        (GMAIL_ERROR, "gmail 404 notFound"),
        ("<HttpError 429 when requesting https://gmail.googleapis.com/x?a=1>", "quota exhausted"),
        ("Sync stopped (KeyError: '18c2f9ab0c1d2e3f')", "unexpected KeyError"),
        ("(psycopg.OperationalError) connection to 10.0.0.7 failed", "database unavailable"),
        ("Mailbox seeker@gmail.com failed", "sync failed"),
        ("Message 18c2f9ab0c1d2e3f failed", "sync failed"),
        ("Gmail access was revoked: reconnect Gmail", "Gmail access was revoked: reconnect Gmail"),
    ],
)
def test_a_sync_run_error_is_kept_as_a_short_reason(error, kept):
    assert run_error_reason(error) == kept


def test_finishing_a_run_keeps_the_reason_not_the_gmail_error(store, mailbox_id):
    run_id = store.start_sync_run(mailbox_id, "push")
    store.finish_sync_run(
        run_id, status="failed", messages_seen=3, events_written=0, error=GMAIL_ERROR
    )

    [run] = store.sync_runs(mailbox_id)
    assert (run.status, run.error) == ("failed", "gmail 404 notFound")


def test_the_sign_in_throttle_counts_under_the_blind_index_not_the_address(store, cipher):
    key = store.sign_in_key("Sally.Ross@Example.com")

    assert key == store.sign_in_key("\u017fally.ross@example.com")  # long s: one address
    assert key != store.sign_in_key("sally.rose@example.com")
    assert "sally" not in key and "example" not in key
    other_keys = Store(store.database, FieldCipher({"k1": b"k" * 32}, "k1", b"f" * 32))
    assert other_keys.sign_in_key("sally.ross@example.com") != key  # keyed, not a bare hash


def test_every_encrypted_column_of_the_migrated_schema_is_rotated(database):
    with database.engine.connect() as connection:
        schema = inspect(connection)
        in_schema = {
            (table, column["name"])
            for table in schema.get_table_names()
            for column in schema.get_columns(table)
            if column["name"].endswith("_enc")
        }
    rotated = {
        (model.__tablename__, name) for model, names in ENCRYPTED_COLUMNS.items() for name in names
    }

    assert {("users", "email_enc"), ("mailboxes", "gmail_address_enc")} <= in_schema
    assert in_schema == rotated
