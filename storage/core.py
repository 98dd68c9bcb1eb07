"""`StoreCore`: the database, cipher and clock every part of `Store` works with."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.crypto import FieldCipher
from storage.database import Database
from storage.errors import NotFound
from storage.models import Mailbox, utc_now

Clock = Callable[[], datetime]


class StoreCore:
    """What each concern of `Store` shares; each public method runs in one transaction."""

    def __init__(self, database: Database, cipher: FieldCipher, *, clock: Clock = utc_now) -> None:
        self._db = database
        self._cipher = cipher
        self._clock = clock

    @property
    def database(self) -> Database:
        """The database this store reads and writes (``store.database.upgrade()`` migrates it)."""
        return self._db


def get_mailbox(session: Session, mailbox_id: int) -> Mailbox:
    """The mailbox row with this id (raises `NotFound`)."""
    mailbox = session.get(Mailbox, mailbox_id)
    if mailbox is None:
        raise NotFound(f"There is no mailbox with id {mailbox_id}.")
    return mailbox


def locked_mailbox(session: Session, mailbox_id: int) -> Mailbox:
    """The mailbox row, locked until the transaction ends (SQLite: the write lock is held), as
    it is now even when the session loaded it before (and a statement has changed it since)."""
    query = select(Mailbox).where(Mailbox.id == mailbox_id).with_for_update()
    mailbox = session.scalars(query.execution_options(populate_existing=True)).first()
    if mailbox is None:
        raise NotFound(f"There is no mailbox with id {mailbox_id}.")
    return mailbox
