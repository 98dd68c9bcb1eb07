"""`ScheduleReads`: what the scheduler and the sync-lag metric read, without loading every mailbox.

Both ran once per tick or scrape over every mailbox row (each address decrypted); with many
mailboxes that was most of the scheduler's work and ~26 MB of a worker's peak per scrape.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select

from storage.core import StoreCore
from storage.enums import MailboxState, Tier
from storage.models import Mailbox
from storage.row_views import mailbox_view
from storage.views import MailboxView


class ScheduleReads(StoreCore):
    """Reads sized by what is due, not by how many mailboxes there are."""

    def mailboxes_maybe_due(
        self, *, renew_by: datetime, premium_synced_before: datetime, free_synced_before: datetime
    ) -> list[MailboxView]:
        """Active mailboxes that may need a sync now, oldest first: a premium mailbox with a
        cursor whose watch is unknown or expires by ``renew_by``, or one never synced or last
        synced before its tier's cutoff. The scheduler decides the rest (what it enqueued)."""
        watch_to_renew = and_(
            Mailbox.tier == Tier.PREMIUM,
            Mailbox.history_cursor.is_not(None),
            or_(Mailbox.watch_expiration.is_(None), Mailbox.watch_expiration <= renew_by),
        )
        sync_too_old = or_(
            Mailbox.last_sync_at.is_(None),
            and_(Mailbox.tier == Tier.PREMIUM, Mailbox.last_sync_at <= premium_synced_before),
            and_(Mailbox.tier == Tier.FREE, Mailbox.last_sync_at <= free_synced_before),
        )
        query = (
            select(Mailbox)
            .where(Mailbox.state == MailboxState.ACTIVE, or_(watch_to_renew, sync_too_old))
            .order_by(Mailbox.id)
        )
        with self._db.session(read_only=True) as session:
            return [mailbox_view(self._cipher, mailbox) for mailbox in session.scalars(query)]

    def oldest_sync_by_tier(self) -> dict[Tier, datetime]:
        """For each tier, the oldest last sync among its active mailboxes that have synced."""
        query = (
            select(Mailbox.tier, func.min(Mailbox.last_sync_at))
            .where(Mailbox.state == MailboxState.ACTIVE, Mailbox.last_sync_at.is_not(None))
            .group_by(Mailbox.tier)
        )
        with self._db.session(read_only=True) as session:
            rows = session.execute(query)
            return {Tier(tier): oldest for tier, oldest in rows if oldest is not None}
