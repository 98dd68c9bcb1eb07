"""The engine, sessions and migrations for one database URL (SQLite or PostgreSQL)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from storage.crypto import FieldCipher
from storage.errors import StorageError

# Alembic is imported where migrations run, not here: the processes that never migrate (a
# worker, the web app) are spared its memory (~7 MB of the worker's peak).
if TYPE_CHECKING:
    from alembic.config import Config

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
_SQLITE_BEGIN_OPTION = "applytrack_sqlite_begin"
# Any constant works: it only has to be the same in every process that migrates.
_MIGRATION_LOCK_ID = 7_240_113


class Database:
    """Engine and sessions for ``url``; SQLite gets WAL, foreign keys and a busy timeout."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine = _create_engine(url, echo=echo)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """The SQLAlchemy dialect name: ``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def session(self, *, read_only: bool = False, autocommit: bool = False) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error (a
        read-only one on PostgreSQL runs each statement on its own: it has nothing to commit).
        With ``autocommit`` a writing session does the same on PostgreSQL, sparing the BEGIN
        and COMMIT round trips: only for a caller whose every statement stands alone.

        On SQLite a writing session takes the write lock at BEGIN (``BEGIN IMMEDIATE``), so two
        writers queue on the busy timeout instead of failing when one upgrades its read lock.
        """
        options: dict[str, str] = {
            _SQLITE_BEGIN_OPTION: "BEGIN" if read_only else "BEGIN IMMEDIATE"
        }
        if (read_only or autocommit) and self.dialect == "postgresql":
            # Under READ COMMITTED each statement reads its own snapshot inside a transaction or
            # not, so a read gives the same answer without the BEGIN and COMMIT round trips.
            options["isolation_level"] = "AUTOCOMMIT"
        with self._sessions() as session:
            session.connection(execution_options=options)
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def ping(self) -> None:
        """Run ``SELECT 1``; raises the driver's error when the database cannot be reached."""
        options = {_SQLITE_BEGIN_OPTION: "BEGIN"}  # a probe must not take SQLite's write lock
        with self.engine.connect().execution_options(**options) as connection:
            connection.execute(text("SELECT 1"))

    def upgrade(self, revision: str = "head", *, cipher: FieldCipher | None = None) -> None:
        """Run the Alembic migrations up to ``revision`` (works from any directory), in one
        transaction. A migration that encrypts stored data (0008, once there are accounts)
        needs ``cipher`` and stops with a `StorageError` that says so without it."""
        from alembic import command

        if self._migrate(command.upgrade, revision, cipher) and self.dialect == "sqlite":
            self._compact_sqlite()
        logger.info("database upgraded", extra={"revision": revision})

    def downgrade(self, revision: str, *, cipher: FieldCipher | None = None) -> None:
        """Undo the migrations after ``revision``, in one transaction (``cipher`` as for
        `upgrade`: undoing 0008 decrypts the addresses)."""
        from alembic import command

        self._migrate(command.downgrade, revision, cipher)
        logger.info("database downgraded", extra={"revision": revision})

    def _migrate(
        self, run: Callable[[Config, str], None], revision: str, cipher: FieldCipher | None
    ) -> bool:
        """Run ``run`` to ``revision`` in one transaction; whether the revision changed."""
        with (
            self.engine.connect() as connection,
            _foreign_keys_off_on_sqlite(connection),
            connection.begin(),
        ):
            if self.dialect == "postgresql":
                # Two processes migrating at once would race on CREATE TABLE; serialise them.
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID}
                )
            before = _current_revision(connection)
            config = alembic_config(self.url)
            config.attributes["connection"] = connection
            config.attributes["field_cipher"] = cipher
            run(config, revision)
            if self.dialect == "sqlite":
                _check_foreign_keys(connection)
            return _current_revision(connection) != before

    def _compact_sqlite(self) -> None:
        """Rewrite the SQLite file and empty its write-ahead log: the pages a migration freed
        (the plain addresses and texts 0008 removed) would otherwise keep their old bytes."""
        with self.engine.connect() as connection:
            raw = connection.connection.driver_connection
            assert raw is not None
            raw.execute("VACUUM")
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def alembic_config(url: str) -> Config:
    """An Alembic configuration built in code, pointing at the migrations inside this package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@contextmanager
def _foreign_keys_off_on_sqlite(connection: Connection) -> Iterator[None]:
    """SQLite alters a table by copying it and dropping the old one; with foreign keys on, that
    drop would cascade into every referencing table (a user's mailbox, an email's events). The
    pragma only takes effect outside a transaction, so it is set on the raw connection first;
    `_check_foreign_keys` then proves the migration left every reference whole."""
    if connection.dialect.name != "sqlite":
        yield
        return
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def _current_revision(connection: Connection) -> str | None:
    from alembic.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        tables = sorted({row[0] for row in broken})
        raise StorageError(
            f"The migration left rows of {', '.join(tables)} referring to rows that do not "
            "exist; it was rolled back."
        )


def _create_engine(url: str, *, echo: bool) -> Engine:
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, echo=echo, pool_pre_ping=True)
    engine = create_engine(
        url,
        echo=echo,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
    )
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself, so we can choose IMMEDIATE and savepoints work.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_sqlite_transaction(connection: Any) -> None:
    begin = connection.get_execution_options().get(_SQLITE_BEGIN_OPTION, "BEGIN IMMEDIATE")
    connection.exec_driver_sql(begin)
