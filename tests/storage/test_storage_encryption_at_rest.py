"""What a raw dump of the database shows: no plaintext sender, subject, company, role or token."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from storage import FieldCipher, Label, Store, reencrypt_fields
from storage.models import Base

SECRETS = {
    "sender": "Globex Talent <talent@globex-hiring.example>",
    "subject": "Interview for Senior Widget Designer",
    "company": "Globex Corporation",
    "role": "Senior Widget Designer",
    "token": "1//refresh-secret-token",
    "reason": "phrase:we would like to invite",
}
NEEDLES = ("globex", "widget", "refresh-secret", "talent@", "invite")


def _raw_dump(database) -> str:
    """Every value of every table, as text, read with plain SQL."""
    parts = []
    with database.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(select(text("*")).select_from(text(table.name))):
                parts.extend(str(value) for value in row)
    return "\n".join(parts).casefold()


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


def test_a_raw_dump_of_every_table_shows_no_plaintext(store, database, mailbox_id, make_email):
    store.set_refresh_token(mailbox_id, SECRETS["token"])
    _write_secrets(store, mailbox_id, make_email)
    _write_secrets(store, mailbox_id, make_email, needs_review=True, subject="Widget chat?")

    dump = _raw_dump(database)
    assert "k1:" in dump  # the dump did read the encrypted columns
    for needle in NEEDLES:
        assert needle not in dump, needle


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

    # token, company and role, and the 5 encrypted fields of the email
    assert reencrypt_fields(database, k2_active, batch_size=1) == 8
    assert reencrypt_fields(database, k2_active) == 0
    assert "k1:" not in _raw_dump(database)
    only_k2 = Store(database, FieldCipher({"k2": keys["k2"]}, "k2", fingerprint_key))
    detail = only_k2.application(user_id, only_k2.applications(user_id)[0].id)
    assert detail.events[0].email.subject == SECRETS["subject"]
    assert only_k2.refresh_token(mailbox_id) == SECRETS["token"]


def test_reencrypt_fields_refuses_an_empty_batch(database, cipher):
    with pytest.raises(ValueError, match="batch_size must be positive"):
        reencrypt_fields(database, cipher, batch_size=0)
