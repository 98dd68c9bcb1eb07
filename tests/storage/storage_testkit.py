"""Helpers the storage tests share: what a copy of the database shows to whoever holds it."""

from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path

from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url

from storage import Database, Store
from storage.models import Mailbox
from tests.sync_testkit import POSTGRES_ADMIN_URL

SEARCH_PATH_OPTION = "-csearch_path="
# History ids beyond a signed 64-bit integer: Gmail's are unsigned.
ABOVE_SIGNED_64 = 2**63 + 10  # 19 digits
TWENTY_DIGITS = 10**19  # also above 2**63, one digit longer


def lease_columns(store: Store, mailbox_id: int) -> tuple[str | None, datetime | None]:
    """The mailbox's lease owner and expiry, read straight from its row."""
    with store.database.session(read_only=True) as session:
        row = session.execute(
            select(Mailbox.lease_owner, Mailbox.lease_expires_at).where(Mailbox.id == mailbox_id)
        ).one()
        return row[0], row[1]


def raw_dump(database: Database) -> str:
    """Every value of every table in the database (models or not), read with plain SQL, as
    case-folded text: what someone holding a copy of the database would see. Tables and rows
    come in a fixed order, so two dumps of the same data are equal."""
    parts = []
    with database.engine.connect() as connection:
        for table in sorted(inspect(connection).get_table_names()):
            rows = connection.execute(select(text("*")).select_from(text(table)))
            parts.extend(sorted("\n".join(str(value) for value in row) for row in rows))
    return "\n".join(parts).casefold()


def backup_dump(database: Database) -> str:
    """What a backup of the database holds, case-folded: the SQLite file and its write-ahead log
    byte for byte (freed pages too), or `pg_dump` of the test's PostgreSQL schema."""
    url = make_url(database.url)
    if database.dialect == "sqlite":
        assert url.database is not None
        files = [Path(url.database), Path(f"{url.database}-wal")]
        data = b"".join(path.read_bytes() for path in files if path.exists())
        return data.decode("latin-1").casefold()
    options = str(url.query.get("options", ""))
    assert options.startswith(SEARCH_PATH_OPTION), options
    schema = options.removeprefix(SEARCH_PATH_OPTION)
    dumped = subprocess.run(
        ["pg_dump", "--no-owner", "--schema", schema, POSTGRES_ADMIN_URL],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "COPY" in dumped.stdout  # the dump did hold the rows
    return dumped.stdout.casefold()
