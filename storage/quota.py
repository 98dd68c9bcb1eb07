"""The per-mailbox Gmail quota ledger, shared through the database by every process."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import delete, func, select

from storage.database import Database
from storage.models import Mailbox, QuotaSpend

# Rows older than this many windows are of no use to anyone and are swept away.
_KEEP_WINDOWS = 5


class QuotaLedger:
    """Records quota spending per mailbox and admits a spend only while the window has room."""

    def __init__(self, database: Database, *, clock: Callable[[], float] = time.time) -> None:
        self._db = database
        self._clock = clock

    def try_spend(
        self, mailbox_id: int, units: int, *, budget: float, window_seconds: float
    ) -> float:
        """Spend ``units`` now if the last window holds room for them and return 0.0; otherwise
        spend nothing and return how many seconds to wait before the room is there."""
        if units <= 0:
            return 0.0
        with self._db.session() as session:
            # Lock the mailbox row so that two processes cannot both see the same room.
            session.execute(
                select(Mailbox.id).where(Mailbox.id == mailbox_id).with_for_update()
            ).first()
            now = self._clock()
            since = now - window_seconds
            session.execute(
                delete(QuotaSpend).where(
                    QuotaSpend.mailbox_id == mailbox_id,
                    QuotaSpend.spent_at < now - _KEEP_WINDOWS * window_seconds,
                )
            )
            recent = session.execute(
                select(QuotaSpend.spent_at, QuotaSpend.units)
                .where(QuotaSpend.mailbox_id == mailbox_id, QuotaSpend.spent_at > since)
                .order_by(QuotaSpend.spent_at)
            ).all()
            used = sum(row.units for row in recent)
            # A spend larger than the whole budget goes through on an empty window.
            if used + units <= budget or not recent:
                session.add(QuotaSpend(mailbox_id=mailbox_id, spent_at=now, units=units))
                return 0.0
            return _wait_for_room(recent, used + units - budget, window_seconds, now)

    def spent(self, mailbox_id: int, *, since: float) -> int:
        """Units the mailbox spent since ``since`` (seconds since the epoch)."""
        with self._db.session(read_only=True) as session:
            total = session.scalar(
                select(func.coalesce(func.sum(QuotaSpend.units), 0)).where(
                    QuotaSpend.mailbox_id == mailbox_id, QuotaSpend.spent_at >= since
                )
            )
            return int(total or 0)


def _wait_for_room(recent: list, excess: float, window_seconds: float, now: float) -> float:
    """Seconds until enough of the oldest spends leave the window to free ``excess`` units."""
    freed = 0
    for row in recent:
        freed += row.units
        if freed >= excess:
            return max(0.001, row.spent_at + window_seconds - now)
    return window_seconds
