"""The deeper historical scan: its state, window and progress, kept on the mailbox so that a
scan a killed worker left is resumed by the next one.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

MOMENT = sa.DateTime(timezone=True)
MOMENTS = (
    "deep_scan_requested_at",
    "deep_scan_started_at",
    "deep_scan_finished_at",
    "deep_scan_after",
    "deep_scan_before",
)


def upgrade() -> None:
    with op.batch_alter_table("mailboxes") as batch:
        batch.add_column(sa.Column("deep_scan_state", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("deep_scan_days", sa.Integer(), nullable=True))
        for name in MOMENTS:
            batch.add_column(sa.Column(name, MOMENT, nullable=True))
        batch.add_column(
            sa.Column("deep_scan_processed", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("deep_scan_total", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mailboxes") as batch:
        for name in ("deep_scan_total", "deep_scan_processed", *reversed(MOMENTS)):
            batch.drop_column(name)
        batch.drop_column("deep_scan_days")
        batch.drop_column("deep_scan_state")
