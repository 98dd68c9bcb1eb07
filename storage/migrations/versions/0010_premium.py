"""Premium: a plan on every account, and the Advanced Filters rules.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("plan", sa.String(length=16), nullable=False, server_default="free")
        )
    op.create_table(
        "filter_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name_enc", sa.Text(), nullable=False),
        sa.Column("match", sa.String(length=8), nullable=False),
        sa.Column("conditions_enc", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_filter_rules_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_filter_rules"),
    )
    op.create_index("ix_filter_rules_user_id", "filter_rules", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_filter_rules_user_id", table_name="filter_rules")
    op.drop_table("filter_rules")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("plan")
