"""Private addresses: account emails and Gmail addresses encrypted and found by a blind index;
ordinary mail keeps no sender or subject; sync run errors are short reasons.

Needs the field cipher (`Database.upgrade(cipher=...)`) whenever a user or mailbox row exists:
the addresses are encrypted and fingerprinted here, in the migration's one transaction.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-12
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

from storage.crypto import FieldCipher
from storage.errors import StorageError
from storage.identity import ACCOUNT_EMAIL, GMAIL_ADDRESS, address_fingerprint, canonical_email
from storage.run_errors import run_error_reason

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

FINGERPRINT = sa.String(length=64)
ADDRESS = sa.String(length=320)
# The plain column, its encrypted and fingerprint columns, and the blind index's scope.
ADDRESS_COLUMNS = (
    ("users", "email", ACCOUNT_EMAIL),
    ("mailboxes", "gmail_address", GMAIL_ADDRESS),
)
# What an ordinary email (label none, not pending review) no longer keeps.
ORDINARY_MAIL_TEXT = (
    "sender_enc",
    "subject_enc",
    "reasons_enc",
    "explanation_enc",
    "company_enc",
    "role_enc",
)
TEXT_REQUIRED_BEFORE = ("sender_enc", "subject_enc", "reasons_enc")


def upgrade() -> None:
    for table, column, scope in ADDRESS_COLUMNS:
        _seal_address_column(table, column, scope)
    with op.batch_alter_table("email_records") as batch:
        for name in TEXT_REQUIRED_BEFORE:
            batch.alter_column(name, existing_type=sa.Text(), nullable=True)
    email_records = sa.table(
        "email_records",
        *(sa.column(name) for name in ("label", "review_state", *ORDINARY_MAIL_TEXT)),
    )
    op.execute(
        sa.update(email_records)
        .where(email_records.c.label == "none", email_records.c.review_state != "pending")
        .values(dict.fromkeys(ORDINARY_MAIL_TEXT))
    )
    _shorten_sync_run_errors()


def downgrade() -> None:
    email_records = sa.table(
        "email_records", *(sa.column(n) for n in ("id", *TEXT_REQUIRED_BEFORE))
    )
    stripped = sa.select(sa.func.count()).where(email_records.c.sender_enc.is_(None))
    if op.get_bind().scalar(stripped):
        # The sender and subject of ordinary mail are gone for good: the old schema gets empties.
        cipher = _required_cipher("give ordinary mail an empty sender and subject again")
        op.execute(
            sa.update(email_records)
            .where(email_records.c.sender_enc.is_(None))
            .values(
                sender_enc=cipher.encrypt(""),
                subject_enc=cipher.encrypt(""),
                reasons_enc=cipher.encrypt("[]"),
            )
        )
    with op.batch_alter_table("email_records") as batch:
        for name in TEXT_REQUIRED_BEFORE:
            batch.alter_column(name, existing_type=sa.Text(), nullable=False)
    for table, column, _scope in reversed(ADDRESS_COLUMNS):
        _unseal_address_column(table, column)


def _seal_address_column(table: str, column: str, scope: str) -> None:
    """Add the encrypted and fingerprint columns, fill them, then drop the plain column."""
    with op.batch_alter_table(table) as batch:
        batch.add_column(sa.Column(f"{column}_enc", sa.Text(), nullable=True))
        batch.add_column(sa.Column(f"{column}_fingerprint", FINGERPRINT, nullable=True))
    rows = sa.table(
        table, *(sa.column(n) for n in ("id", column, f"{column}_enc", f"{column}_fingerprint"))
    )
    stored = op.get_bind().execute(sa.select(rows.c.id, rows.c[column])).all()
    if stored:
        cipher = _required_cipher(f"encrypt the {len(stored)} address(es) in {table}.{column}")
        values = [
            {
                "row_id": row_id,
                "sealed": cipher.encrypt(canonical_email(address)),
                "fingerprint": address_fingerprint(cipher, scope, address),
            }
            for row_id, address in stored
        ]
        op.get_bind().execute(
            sa.update(rows)
            .where(rows.c.id == sa.bindparam("row_id"))
            .values(
                {
                    f"{column}_enc": sa.bindparam("sealed"),
                    f"{column}_fingerprint": sa.bindparam("fingerprint"),
                }
            ),
            values,
        )
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(f"uq_{table}_{column}", type_="unique")
        batch.drop_column(column)
        batch.alter_column(f"{column}_enc", existing_type=sa.Text(), nullable=False)
        batch.alter_column(f"{column}_fingerprint", existing_type=FINGERPRINT, nullable=False)
        batch.create_unique_constraint(
            f"uq_{table}_{column}_fingerprint", [f"{column}_fingerprint"]
        )


def _unseal_address_column(table: str, column: str) -> None:
    """The way back: the plain column again, decrypted, unique; the sealed columns dropped."""
    with op.batch_alter_table(table) as batch:
        batch.add_column(sa.Column(column, ADDRESS, nullable=True))
    rows = sa.table(table, *(sa.column(n) for n in ("id", column, f"{column}_enc")))
    stored = op.get_bind().execute(sa.select(rows.c.id, rows.c[f"{column}_enc"])).all()
    if stored:
        cipher = _required_cipher(f"decrypt the {len(stored)} address(es) in {table}")
        op.get_bind().execute(
            sa.update(rows)
            .where(rows.c.id == sa.bindparam("row_id"))
            .values({column: sa.bindparam("plain")}),
            [{"row_id": row_id, "plain": cipher.decrypt(sealed)} for row_id, sealed in stored],
        )
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(f"uq_{table}_{column}_fingerprint", type_="unique")
        batch.drop_column(f"{column}_fingerprint")
        batch.drop_column(f"{column}_enc")
        batch.alter_column(column, existing_type=ADDRESS, nullable=False)
        batch.create_unique_constraint(f"uq_{table}_{column}", [column])


def _shorten_sync_run_errors() -> None:
    """Replace every stored sync run error by its short reason (no id, URL or address)."""
    runs = sa.table("sync_runs", sa.column("id"), sa.column("error"))
    stored = op.get_bind().execute(
        sa.select(runs.c.id, runs.c.error).where(runs.c.error.is_not(None))
    )
    reasons = [(row_id, error, run_error_reason(error)) for row_id, error in stored]
    changed = [
        {"row_id": row_id, "reason": reason} for row_id, error, reason in reasons if reason != error
    ]
    if changed:
        op.get_bind().execute(
            sa.update(runs)
            .where(runs.c.id == sa.bindparam("row_id"))
            .values(error=sa.bindparam("reason")),
            changed,
        )


def _required_cipher(purpose: str) -> FieldCipher:
    """The field cipher `Database.upgrade` was given, or a `StorageError` that says what to do."""
    cipher = context.config.attributes.get("field_cipher")
    if not isinstance(cipher, FieldCipher):
        raise StorageError(
            f"Migration 0008 must {purpose}, and was run without the encryption keys; run "
            "`applytrack db upgrade` with APPLYTRACK_ENCRYPTION_KEYS, APPLYTRACK_ACTIVE_KEY_ID "
            "and APPLYTRACK_FINGERPRINT_KEY set (in code: pass `cipher=` to `Database.upgrade` "
            "or `Database.downgrade`). Nothing was changed."
        )
    return cipher
