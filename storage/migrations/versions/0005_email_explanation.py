"""Keep the classifier's explanation of each email (a sentence; encrypted) for the Activity Log.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("email_records") as batch:
        batch.add_column(sa.Column("explanation_enc", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("email_records") as batch:
        batch.drop_column("explanation_enc")
