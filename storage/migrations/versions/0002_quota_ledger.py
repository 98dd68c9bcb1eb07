"""Add the per-mailbox Gmail quota ledger.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quota_spends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mailbox_id", sa.Integer(), nullable=False),
        sa.Column("spent_at", sa.Float(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mailbox_id"], ["mailboxes.id"],
            name=op.f("fk_quota_spends_mailbox_id_mailboxes"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quota_spends")),
    )
    op.create_index(
        "ix_quota_spends_mailbox_id_spent_at", "quota_spends", ["mailbox_id", "spent_at"]
    )


def downgrade() -> None:
    op.drop_table("quota_spends")
