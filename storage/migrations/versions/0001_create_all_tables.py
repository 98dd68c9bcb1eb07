"""Create all tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Plain types on purpose: a migration must not change when the model helpers change.
UTC_DATETIME = sa.DateTime(timezone=True)
ENUM_TEXT = sa.String(length=20)
HISTORY_ID = sa.String(length=20)
FINGERPRINT = sa.String(length=64)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("company_enc", sa.Text(), nullable=True),
        sa.Column("role_enc", sa.Text(), nullable=True),
        sa.Column("match_fingerprint", FINGERPRINT, nullable=True),
        sa.Column("company_fingerprint", FINGERPRINT, nullable=True),
        sa.Column("status", ENUM_TEXT, nullable=False),
        sa.Column("manual_override", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"],
            name=op.f("fk_applications_user_id_users"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint(
            "user_id", "match_fingerprint",
            name=op.f("uq_applications_user_id_match_fingerprint"),
        ),
    )
    op.create_index(op.f("ix_applications_user_id"), "applications", ["user_id"])
    op.create_index(
        "ix_applications_user_id_company_fingerprint",
        "applications",
        ["user_id", "company_fingerprint"],
    )
    op.create_table(
        "mailboxes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("gmail_address", sa.String(length=320), nullable=False),
        sa.Column("tier", ENUM_TEXT, nullable=False),
        sa.Column("state", ENUM_TEXT, nullable=False),
        sa.Column("refresh_token_enc", sa.Text(), nullable=True),
        sa.Column("history_cursor", HISTORY_ID, nullable=True),
        sa.Column("watch_expiration", UTC_DATETIME, nullable=True),
        sa.Column("last_sync_at", UTC_DATETIME, nullable=True),
        sa.Column("last_push_at", UTC_DATETIME, nullable=True),
        sa.Column("lease_owner", sa.String(length=200), nullable=True),
        sa.Column("lease_expires_at", UTC_DATETIME, nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_mailboxes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailboxes")),
        sa.UniqueConstraint("gmail_address", name=op.f("uq_mailboxes_gmail_address")),
        sa.UniqueConstraint("user_id", name=op.f("uq_mailboxes_user_id")),
    )
    op.create_table(
        "email_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mailbox_id", sa.Integer(), nullable=False),
        sa.Column("gmail_message_id", sa.String(length=128), nullable=False),
        sa.Column("thread_id", sa.String(length=128), nullable=False),
        sa.Column("sender_enc", sa.Text(), nullable=False),
        sa.Column("subject_enc", sa.Text(), nullable=False),
        sa.Column("reasons_enc", sa.Text(), nullable=False),
        sa.Column("email_date", UTC_DATETIME, nullable=False),
        sa.Column("label", ENUM_TEXT, nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("review_state", ENUM_TEXT, nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("copy_of_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"], ["applications.id"],
            name=op.f("fk_email_records_application_id_applications"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["copy_of_id"], ["email_records.id"],
            name=op.f("fk_email_records_copy_of_id_email_records"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["mailbox_id"], ["mailboxes.id"],
            name=op.f("fk_email_records_mailbox_id_mailboxes"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_records")),
        sa.UniqueConstraint(
            "mailbox_id", "gmail_message_id",
            name=op.f("uq_email_records_mailbox_id_gmail_message_id"),
        ),
    )
    op.create_index(
        op.f("ix_email_records_application_id"), "email_records", ["application_id"]
    )
    op.create_index(
        "ix_email_records_mailbox_id_thread_id", "email_records", ["mailbox_id", "thread_id"]
    )
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mailbox_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("started_at", UTC_DATETIME, nullable=False),
        sa.Column("finished_at", UTC_DATETIME, nullable=True),
        sa.Column("messages_seen", sa.Integer(), nullable=False),
        sa.Column("events_written", sa.Integer(), nullable=False),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["mailbox_id"], ["mailboxes.id"],
            name=op.f("fk_sync_runs_mailbox_id_mailboxes"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_runs")),
    )
    op.create_index(op.f("ix_sync_runs_mailbox_id"), "sync_runs", ["mailbox_id"])
    op.create_table(
        "email_fingerprints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mailbox_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", FINGERPRINT, nullable=False),
        sa.Column("email_record_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["email_record_id"], ["email_records.id"],
            name=op.f("fk_email_fingerprints_email_record_id_email_records"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mailbox_id"], ["mailboxes.id"],
            name=op.f("fk_email_fingerprints_mailbox_id_mailboxes"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_fingerprints")),
        sa.UniqueConstraint(
            "mailbox_id", "fingerprint", name=op.f("uq_email_fingerprints_mailbox_id_fingerprint")
        ),
    )
    op.create_index(
        op.f("ix_email_fingerprints_email_record_id"), "email_fingerprints", ["email_record_id"]
    )
    op.create_table(
        "status_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("email_record_id", sa.Integer(), nullable=True),
        sa.Column("from_status", ENUM_TEXT, nullable=True),
        sa.Column("to_status", ENUM_TEXT, nullable=False),
        sa.Column("cause", ENUM_TEXT, nullable=False),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"], ["applications.id"],
            name=op.f("fk_status_events_application_id_applications"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["email_record_id"], ["email_records.id"],
            name=op.f("fk_status_events_email_record_id_email_records"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_events")),
        sa.UniqueConstraint(
            "email_record_id", "application_id",
            name=op.f("uq_status_events_email_record_id_application_id"),
        ),
    )
    op.create_index(op.f("ix_status_events_application_id"), "status_events", ["application_id"])


def downgrade() -> None:
    for table in (
        "status_events",
        "email_fingerprints",
        "sync_runs",
        "email_records",
        "mailboxes",
        "applications",
        "users",
    ):
        op.drop_table(table)
