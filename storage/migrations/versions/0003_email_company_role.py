"""Keep the classifier's company and role on email records (encrypted), for reviewed emails.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("email_records") as batch:
        batch.add_column(sa.Column("company_enc", sa.Text(), nullable=True))
        batch.add_column(sa.Column("role_enc", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("email_records") as batch:
        batch.drop_column("role_enc")
        batch.drop_column("company_enc")
