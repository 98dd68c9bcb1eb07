"""The history id a mailbox's sync must reach: raised by every notification, the truth that
Pub/Sub messages only hint at.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

HISTORY_ID = sa.String(length=20)  # zero-padded decimal text: unsigned 64-bit values survive


def upgrade() -> None:
    with op.batch_alter_table("mailboxes") as batch:
        batch.add_column(sa.Column("wanted_history_id", HISTORY_ID, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mailboxes") as batch:
        batch.drop_column("wanted_history_id")
