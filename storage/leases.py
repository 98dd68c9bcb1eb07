"""`Leases`: which worker may sync a mailbox, and what it must sync it to.

A `mailbox-changed` message is a hint; the mailbox row is the truth. `request_sync` records the
history id the message wants (``wanted_history_id``) and takes the lease if it is free; the holder
syncs pass after pass until `finish_sync_pass` finds nothing new wanted, and releases in the same
transaction. Every request that finds the lease held changes the wanted id, so the holder always
sees it and runs one more pass: no notification is lost between a pass and the release.

A request with no history id (Sync Now, a poll) asks for Gmail as it is now. The holder's pass may
have read Gmail before it was made, so no cursor that pass reaches satisfies it: handed over, it is
recorded as `ANOTHER_PASS`, above every cursor, and only a pass started after it releases it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, bindparam, case, select, update
from sqlalchemy.orm import Session

from storage.column_types import MAX_HISTORY_ID, HistoryIdText, UTCDateTime
from storage.core import StoreCore, get_mailbox, locked_mailbox
from storage.crypto import FieldCipher
from storage.enums import MailboxState
from storage.errors import LeaseLost
from storage.models import Mailbox
from storage.row_views import MailboxRow, mailbox_view
from storage.sync_runs import DeepScanState
from storage.views import BehindMailbox, LeasedMailbox, LeaseRefusal, LeaseRefused

logger = logging.getLogger(__name__)

# The wanted id of a handed-over request for Gmail's present: no real cursor reaches it.
ANOTHER_PASS = MAX_HISTORY_ID

# The statements of every push-sync, built once with their values as parameters: building them
# anew on each call cost more Python than running them. History ids are zero-padded text, so
# comparing the texts compares the numbers.
_wanted, _cursor = Mailbox.wanted_history_id, Mailbox.history_cursor
_target = bindparam("target", type_=HistoryIdText())


def _lease_free_in_sql(owner: object, now: object) -> ColumnElement[bool]:
    """`_lease_free` as a condition on the row, for ``owner`` at ``now`` (values or parameters)."""
    return (
        Mailbox.lease_owner.is_(None)
        | (Mailbox.lease_owner == owner)
        | Mailbox.lease_expires_at.is_(None)
        | (Mailbox.lease_expires_at <= now)
    )


# What a lease holder works from (`lease_grant`): the usual push's UPDATE returns these columns
# and runs as a plain statement on the session's connection, without loading a `Mailbox` object
# (the ORM's path cost more Python than the statement, and a whole row's columns more again).
_GRANT_COLUMNS = (
    Mailbox.id,
    Mailbox.user_id,
    Mailbox.gmail_address_enc,
    Mailbox.tier,
    Mailbox.state,
    Mailbox.history_cursor,
    Mailbox.watch_expiration,
    Mailbox.last_sync_at,
    Mailbox.last_push_at,
    Mailbox.refresh_token_enc,
    Mailbox.quota_window,
    Mailbox.wanted_history_id,
    Mailbox.deep_scan_state,
)

_TAKE_WANTED_LEASE = (
    update(Mailbox)
    .where(
        Mailbox.id == bindparam("mailbox_id"),
        Mailbox.state == MailboxState.ACTIVE,
        _cursor.is_(None) | (_cursor < _target),
        _lease_free_in_sql(bindparam("owner"), bindparam("now", type_=UTCDateTime())),
    )
    .values(
        lease_owner=bindparam("owner"),
        lease_expires_at=bindparam("expires_at", type_=UTCDateTime()),
        wanted_history_id=case((_wanted.is_(None) | (_wanted < _target), _target), else_=_wanted),
    )
    .returning(*_GRANT_COLUMNS)
)
_RELEASE_UNLESS_MORE_WANTED = (
    update(Mailbox)
    .where(
        Mailbox.id == bindparam("mailbox_id"),
        Mailbox.lease_owner == bindparam("owner"),
        _wanted.is_(None)
        | (_wanted == bindparam("wanted_seen", type_=HistoryIdText()))
        | (_cursor.is_not(None) & (_wanted <= _cursor)),
    )
    .values(
        wanted_history_id=None,
        lease_owner=None,
        lease_expires_at=None,
        quota_window=bindparam("window"),
    )
    .returning(Mailbox.id)
)


@dataclass(frozen=True)
class LeaseGrant(LeasedMailbox):
    """What a lease holder works from (see `LeasedMailbox`), with whether the mailbox's deeper
    historical scan is running, read under the same lock: the holder need not ask again."""

    deep_scan_running: bool = False


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
            return LeasedMailbox(mailbox_view(self._cipher, leased), token, spends)

    def request_sync(
        self,
        mailbox_id: int,
        owner: str,
        *,
        ttl_seconds: float,
        history_id: int | None = None,
        hand_over: bool = True,
    ) -> LeaseGrant | LeaseRefused:
        """Record that the mailbox must be synced to ``history_id`` (None: to its current state)
        and take the lease when it is free, in one transaction on the locked row.

        Refusals: INACTIVE (nothing recorded); COVERED (the cursor has reached ``history_id``);
        BUSY (another owner syncs it: the want is recorded for it, unless ``hand_over`` is
        False, in which case nothing is recorded). A leased mailbox carries the wanted id read
        under the lease.

        The usual push (active, not covered, lease free) is one UPDATE, and a push for a mailbox
        inactive or covered one more read, each committing by itself; a busy mailbox is judged
        on the row locked and read in a transaction of its own.
        """
        check_lease_arguments(owner, ttl_seconds)
        if history_id is not None:
            with self._db.session(autocommit=True) as session:
                taken = self._take_wanted_lease(session, mailbox_id, owner, ttl_seconds, history_id)
                if taken is not None:
                    return self._leased(taken)
                # Neither needs the lock: a cursor only moves forward, and a state read a moment
                # earlier is what a lock taken a moment earlier would have read.
                refused = _refusal(get_mailbox(session, mailbox_id), history_id)
                if refused.reason is not LeaseRefusal.BUSY:
                    return refused
        with self._db.session() as session:
            mailbox = locked_mailbox(session, mailbox_id)
            if mailbox.state is not MailboxState.ACTIVE:
                return LeaseRefused(mailbox_id, LeaseRefusal.INACTIVE)
            cursor = mailbox.history_cursor
            if history_id is not None and cursor is not None and history_id <= cursor:
                return LeaseRefused(mailbox_id, LeaseRefusal.COVERED)
            target = (
                history_id if history_id is not None else min((cursor or 0) + 1, MAX_HISTORY_ID)
            )
            now = self._clock()
            if not _lease_free(mailbox, owner, now):
                if hand_over:
                    handed_over = ANOTHER_PASS if history_id is None else target
                    mailbox.wanted_history_id = _raised(mailbox.wanted_history_id, handed_over)
                return LeaseRefused(mailbox_id, LeaseRefusal.BUSY, holder=mailbox.lease_owner)
            mailbox.wanted_history_id = max(mailbox.wanted_history_id or 0, target)
            mailbox.lease_owner = owner
            mailbox.lease_expires_at = now + timedelta(seconds=ttl_seconds)
            return self._leased(mailbox)

    def finish_sync_pass(
        self,
        mailbox_id: int,
        owner: str,
        *,
        wanted_seen: int | None,
        ttl_seconds: float,
        quota_spends: Sequence[tuple[float, int]] = (),
    ) -> LeaseGrant | None:
        """After a pass that started once ``wanted_seen`` was read: release the lease (with the
        quota window) if nothing newer is wanted and return None; otherwise keep the lease and
        return the mailbox with the new wanted id, for one more pass. None too when ``owner``
        lost the lease: the new holder owns the want.

        The usual case, nothing newer wanted, is one conditional UPDATE; only when it releases
        nothing is the row locked and read, to keep the lease or find it lost."""
        check_lease_arguments(owner, ttl_seconds)
        with self._db.session() as session:
            return finish_pass(
                session,
                self._cipher,
                mailbox_id,
                owner,
                wanted_seen=wanted_seen,
                expires_at=self._clock() + timedelta(seconds=ttl_seconds),
                quota_spends=quota_spends,
            )

    def behind_mailboxes(self) -> list[BehindMailbox]:
        """Active mailboxes whose wanted history id is ahead of the cursor (or that were never
        synced), with whether a live lease is on them."""
        now = self._clock()
        cursor, wanted = Mailbox.history_cursor, Mailbox.wanted_history_id
        query = (
            select(Mailbox)
            .where(
                Mailbox.state == MailboxState.ACTIVE,
                wanted.is_not(None),
                # Zero-padded text: comparing the texts compares the numbers.
                cursor.is_(None) | (wanted > cursor),
            )
            .order_by(Mailbox.id)
        )
        with self._db.session(read_only=True) as session:
            return [
                BehindMailbox(
                    mailbox_id=row.id,
                    wanted_history_id=row.wanted_history_id or 0,
                    history_cursor=row.history_cursor,
                    leased=not _lease_free(row, None, now),
                )
                for row in session.scalars(query)
            ]

    def _leased(self, mailbox: MailboxRow) -> LeaseGrant:
        return lease_grant(self._cipher, mailbox)

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
            values["quota_window"] = _stored_window(quota_spends)
        with self._db.session() as session:
            session.execute(
                update(Mailbox)
                .where(Mailbox.id == mailbox_id, Mailbox.lease_owner == owner)
                .values(values)
                .execution_options(synchronize_session=False)
            )

    def _take_wanted_lease(
        self, session: Session, mailbox_id: int, owner: str, ttl_seconds: float, history_id: int
    ) -> MailboxRow | None:
        """`request_sync`'s usual case in one UPDATE: an active mailbox whose cursor is below
        ``history_id`` and whose lease is free is leased, its wanted id raised to ``history_id``.
        None when any of that does not hold (the locked row then says which)."""
        now = self._clock()
        parameters = {
            "mailbox_id": mailbox_id,
            "owner": owner,
            "now": now,
            "expires_at": now + timedelta(seconds=ttl_seconds),
            "target": history_id,
        }
        return session.connection().execute(_TAKE_WANTED_LEASE, parameters).first()

    def _take_lease(
        self,
        session: Session,
        mailbox_id: int,
        owner: str,
        ttl_seconds: float,
        *conditions: ColumnElement[bool],
    ) -> Mailbox | None:
        """The mailbox as leased (read by the same statement), or None when not taken."""
        check_lease_arguments(owner, ttl_seconds)
        now = self._clock()
        return session.scalars(
            update(Mailbox)
            .where(
                Mailbox.id == mailbox_id,
                _lease_free_in_sql(owner, now),
                *conditions,
            )
            .values(lease_owner=owner, lease_expires_at=now + timedelta(seconds=ttl_seconds))
            .returning(Mailbox)
            .execution_options(synchronize_session=False)
        ).first()


def finish_pass(
    session: Session,
    cipher: FieldCipher,
    mailbox_id: int,
    owner: str,
    *,
    wanted_seen: int | None,
    expires_at: datetime,
    quota_spends: Sequence[tuple[float, int]],
) -> LeaseGrant | None:
    """`Leases.finish_sync_pass` in ``session``: release unless something newer is wanted
    (None), else keep the lease until ``expires_at`` and return the mailbox (None when lost)."""
    parameters = {
        "mailbox_id": mailbox_id,
        "owner": owner,
        "wanted_seen": wanted_seen,
        "window": _stored_window(quota_spends),
    }
    if session.connection().execute(_RELEASE_UNLESS_MORE_WANTED, parameters).first() is not None:
        return None
    mailbox = locked_mailbox(session, mailbox_id)
    if mailbox.lease_owner != owner:
        return None
    mailbox.lease_expires_at = expires_at
    return lease_grant(cipher, mailbox)


def lease_grant(cipher: FieldCipher, mailbox: MailboxRow) -> LeaseGrant:
    """The view a lease holder works from: mailbox, token, quota window, wanted id, and
    whether a deeper scan is running."""
    return LeaseGrant(
        mailbox_view(cipher, mailbox),
        cipher.decrypt_optional(mailbox.refresh_token_enc),
        _quota_spends(mailbox.id, mailbox.quota_window),
        wanted_history_id=mailbox.wanted_history_id,
        deep_scan_running=mailbox.deep_scan_state == DeepScanState.RUNNING,
    )


def check_lease_arguments(owner: str, ttl_seconds: float) -> None:
    """Raise `ValueError` for an empty owner or a ttl that is not positive."""
    if not owner:
        raise ValueError("A lease owner must be a non-empty string naming the worker.")
    if ttl_seconds <= 0:
        raise ValueError(f"ttl_seconds must be positive (got {ttl_seconds}).")


def _lease_free(mailbox: Mailbox, owner: str | None, now: datetime) -> bool:
    """Nobody holds the lease, it has expired, or ``owner`` holds it."""
    expires = mailbox.lease_expires_at
    return (
        mailbox.lease_owner is None
        or mailbox.lease_owner == owner
        or expires is None
        or expires <= now
    )


def _raised(wanted: int | None, target: int) -> int:
    """The wanted id after a request the lease holder must notice: the target when it is newer,
    else a different value the holder's re-check sees (one more, or one less at the top, which
    stays above every cursor)."""
    if wanted is None or target > wanted:
        return target
    return wanted + 1 if wanted < MAX_HISTORY_ID else wanted - 1


def _stored_window(quota_spends: Sequence[tuple[float, int]]) -> str:
    return json.dumps([[moment, units] for moment, units in quota_spends])


def check_lease(mailbox: MailboxRow, owner: str, now: datetime) -> None:
    """Raise `LeaseLost` unless ``owner`` holds the mailbox's lease and it has not expired."""
    expires = mailbox.lease_expires_at
    if mailbox.lease_owner != owner or expires is None or expires <= now:
        holder = mailbox.lease_owner or "nobody"
        raise LeaseLost(
            f"{owner} no longer holds the lease on mailbox {mailbox.id} (held by {holder}); "
            "the batch was not written: take the lease again and re-sync from the cursor."
        )


def _refusal(mailbox: Mailbox, history_after: int | None) -> LeaseRefused:
    """Why a lease-taking UPDATE (`lease_mailbox`'s, `request_sync`'s) took nothing, judged
    from the row read right after it."""
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
