"""`Leases`: which worker may sync a mailbox, taken by one conditional UPDATE across processes."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, update
from sqlalchemy.orm import Session

from storage.core import StoreCore, get_mailbox
from storage.enums import MailboxState
from storage.errors import LeaseLost
from storage.models import Mailbox
from storage.row_views import mailbox_view
from storage.views import LeasedMailbox, LeaseRefusal, LeaseRefused

logger = logging.getLogger(__name__)


class Leases(StoreCore):
    """Mailbox leases: take, take-and-read, release."""

    def acquire_lease(self, mailbox_id: int, owner: str, *, ttl_seconds: float) -> bool:
        """Take or extend the mailbox's lease if it is free, expired or already ``owner``'s."""
        with self._db.session() as session:
            if self._take_lease(session, mailbox_id, owner, ttl_seconds) is not None:
                return True
            get_mailbox(session, mailbox_id)  # raises NotFound for an unknown id
            return False

    def lease_mailbox(
        self,
        mailbox_id: int,
        owner: str,
        *,
        ttl_seconds: float,
        history_after: int | None = None,
    ) -> LeasedMailbox | LeaseRefused:
        """Take the lease as `acquire_lease` does, but only of an active mailbox, and read the
        mailbox and its refresh token under it, in one transaction.

        With ``history_after``, only a mailbox whose cursor is below it (or unset) is leased.
        A refusal says why (`LeaseRefusal`: inactive, then covered, then busy) and takes nothing.
        """
        conditions = [Mailbox.state == MailboxState.ACTIVE]
        if history_after is not None:
            conditions.append(
                Mailbox.history_cursor.is_(None) | (Mailbox.history_cursor < history_after)
            )
        with self._db.session() as session:
            leased = self._take_lease(session, mailbox_id, owner, ttl_seconds, *conditions)
            if leased is None:
                return _refusal(get_mailbox(session, mailbox_id), history_after)
            token = self._cipher.decrypt_optional(leased.refresh_token_enc)
            spends = _quota_spends(mailbox_id, leased.quota_window)
            return LeasedMailbox(mailbox_view(leased), token, spends)

    def release_lease(
        self,
        mailbox_id: int,
        owner: str,
        *,
        quota_spends: Sequence[tuple[float, int]] | None = None,
    ) -> None:
        """Give the lease back, if ``owner`` still holds it, with the Gmail quota it spent that
        the next holder must still count (``quota_spends``: seconds since the epoch, units)."""
        values: dict[str, object] = {"lease_owner": None, "lease_expires_at": None}
        if quota_spends is not None:
            values["quota_window"] = json.dumps([[moment, units] for moment, units in quota_spends])
        with self._db.session() as session:
            session.execute(
                update(Mailbox)
                .where(Mailbox.id == mailbox_id, Mailbox.lease_owner == owner)
                .values(values)
                .execution_options(synchronize_session=False)
            )

    def _take_lease(
        self,
        session: Session,
        mailbox_id: int,
        owner: str,
        ttl_seconds: float,
        *conditions: ColumnElement[bool],
    ) -> Mailbox | None:
        """The mailbox as leased (read by the same statement), or None when not taken."""
        if not owner:
            raise ValueError("A lease owner must be a non-empty string naming the worker.")
        if ttl_seconds <= 0:
            raise ValueError(f"ttl_seconds must be positive (got {ttl_seconds}).")
        now = self._clock()
        return session.scalars(
            update(Mailbox)
            .where(
                Mailbox.id == mailbox_id,
                (Mailbox.lease_owner.is_(None))
                | (Mailbox.lease_owner == owner)
                | (Mailbox.lease_expires_at.is_(None))
                | (Mailbox.lease_expires_at <= now),
                *conditions,
            )
            .values(lease_owner=owner, lease_expires_at=now + timedelta(seconds=ttl_seconds))
            .returning(Mailbox)
            .execution_options(synchronize_session=False)
        ).first()


def check_lease(mailbox: Mailbox, owner: str, now: datetime) -> None:
    """Raise `LeaseLost` unless ``owner`` holds the mailbox's lease and it has not expired."""
    expires = mailbox.lease_expires_at
    if mailbox.lease_owner != owner or expires is None or expires <= now:
        holder = mailbox.lease_owner or "nobody"
        raise LeaseLost(
            f"{owner} no longer holds the lease on mailbox {mailbox.id} (held by {holder}); "
            "the batch was not written: take the lease again and re-sync from the cursor."
        )


def _refusal(mailbox: Mailbox, history_after: int | None) -> LeaseRefused:
    """Why `lease_mailbox`'s UPDATE took nothing, judged from the row read right after it."""
    if mailbox.state is not MailboxState.ACTIVE:
        return LeaseRefused(mailbox.id, LeaseRefusal.INACTIVE)
    cursor = mailbox.history_cursor  # an int: compared as a number, also above 2**63
    if history_after is not None and cursor is not None and cursor >= history_after:
        return LeaseRefused(mailbox.id, LeaseRefusal.COVERED)
    # On PostgreSQL the holder may have released the lease since the UPDATE: then it is None.
    return LeaseRefused(mailbox.id, LeaseRefusal.BUSY, holder=mailbox.lease_owner)


def _quota_spends(mailbox_id: int, stored: str | None) -> tuple[tuple[float, int], ...]:
    """The quota window a lease was released with; unreadable means empty (Gmail's own 429s and
    our backoff cover the one window that could then be over-spent)."""
    if not stored:
        return ()
    try:
        return tuple((float(moment), int(units)) for moment, units in json.loads(stored))
    except (ValueError, TypeError):
        logger.warning("unreadable quota window ignored", extra={"mailbox_id": mailbox_id})
        return ()
