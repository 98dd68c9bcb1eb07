"""The job seeker in control: applications added and edited by hand (fields, dates, tombstones,
merges), corrections of emails (also labelled examples) and personal API tokens.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-12
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

FINGERPRINT = sa.String(length=64)
WORD = sa.String(length=20)  # an enum's value, stored as text
MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        for name in ("job_url_enc", "location_enc", "salary_enc", "notes_enc"):
            batch.add_column(sa.Column(name, sa.Text(), nullable=True))
        batch.add_column(sa.Column("applied_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("next_interview_at", MOMENT, nullable=True))
        batch.add_column(sa.Column("deleted_at", MOMENT, nullable=True))
        batch.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_applications_merged_into_id_applications",
            "applications",
            ["merged_into_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("status_events") as batch:
        batch.add_column(sa.Column("other_application_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_status_events_other_application_id_applications",
            "applications",
            ["other_application_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "email_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email_record_id", sa.Integer(), nullable=False),
        sa.Column("kind", WORD, nullable=False),
        sa.Column("previous_label", WORD, nullable=False),
        sa.Column("label", WORD, nullable=False),
        sa.Column("from_application_id", sa.Integer(), nullable=True),
        sa.Column("to_application_id", sa.Integer(), nullable=True),
        sa.Column("sender_enc", sa.Text(), nullable=False),
        sa.Column("subject_enc", sa.Text(), nullable=False),
        sa.Column("email_date", MOMENT, nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["email_record_id"],
            ["email_records.id"],
            name="fk_email_corrections_email_record_id_email_records",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["from_application_id"],
            ["applications.id"],
            name="fk_email_corrections_from_application_id_applications",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["to_application_id"],
            ["applications.id"],
            name="fk_email_corrections_to_application_id_applications",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_email_corrections"),
    )
    op.create_index(
        "ix_email_corrections_email_record_id", "email_corrections", ["email_record_id"]
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", FINGERPRINT, nullable=False),
        sa.Column("hint", sa.String(length=16), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("last_used_at", MOMENT, nullable=True),
        sa.Column("revoked_at", MOMENT, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_api_tokens_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_api_tokens_user_id", table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_index("ix_email_corrections_email_record_id", table_name="email_corrections")
    op.drop_table("email_corrections")
    with op.batch_alter_table("status_events") as batch:
        batch.drop_constraint(
            "fk_status_events_other_application_id_applications", type_="foreignkey"
        )
        batch.drop_column("other_application_id")
    with op.batch_alter_table("applications") as batch:
        batch.drop_constraint("fk_applications_merged_into_id_applications", type_="foreignkey")
        for name in (
            "merged_into_id",
            "deleted_at",
            "next_interview_at",
            "applied_on",
            "notes_enc",
            "salary_enc",
            "location_enc",
            "job_url_enc",
        ):
            batch.drop_column(name)
