"""The Gmail quota window travels with the mailbox's lease instead of a ledger table.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mailboxes") as batch:
        batch.add_column(sa.Column("quota_window", sa.Text(), nullable=True))
    op.drop_index("ix_quota_spends_mailbox_id_spent_at", table_name="quota_spends")
    op.drop_table("quota_spends")


def downgrade() -> None:
    op.create_table(
        "quota_spends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mailbox_id", sa.Integer(), nullable=False),
        sa.Column("spent_at", sa.Float(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mailbox_id"],
            ["mailboxes.id"],
            name=op.f("fk_quota_spends_mailbox_id_mailboxes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quota_spends")),
    )
    op.create_index(
        "ix_quota_spends_mailbox_id_spent_at", "quota_spends", ["mailbox_id", "spent_at"]
    )
    with op.batch_alter_table("mailboxes") as batch:
        batch.drop_column("quota_window")
