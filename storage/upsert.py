"""INSERT ... ON CONFLICT DO NOTHING for SQLite and PostgreSQL, returning the new row's id."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.errors import StorageError


def insert_or_ignore(
    session: Session, model: Any, values: dict[str, Any], conflict_columns: Sequence[str]
) -> int | None:
    """Insert a row unless it would break the unique constraint on ``conflict_columns``.

    Returns the new row's id, or None when a row with the same key already exists (also when a
    concurrent transaction inserted it first: the database decides, not a prior SELECT).
    """
    # Run on the session's connection, not through the ORM, whose bulk-insert path costs more
    # than the insert; the flush lets the database judge conflicts with pending changes too.
    session.flush()
    connection = session.connection()
    statement = _statement(connection.dialect.name, model, tuple(conflict_columns))
    return connection.execute(statement, values).scalar_one_or_none()


def insert_row_or_ignore(
    session: Session, model: Any, values: dict[str, Any], conflict_columns: Sequence[str]
) -> Any | None:
    """As `insert_or_ignore`, but the new row comes back as a ``model`` object in the session
    (the statement's RETURNING loads it: no read after the insert); None on a conflict."""
    dialect = session.connection().dialect.name
    statement = _statement(dialect, model, tuple(conflict_columns), None)
    return session.scalars(statement, [values]).first()


def insert_all_or_ignore(
    session: Session,
    model: Any,
    rows: Sequence[dict[str, Any]],
    conflict_columns: Sequence[str],
    *,
    returning: str,
) -> set[Any]:
    """Insert each of ``rows`` unless it would break the unique constraint on
    ``conflict_columns``, in one statement; returns the ``returning`` column of the rows that
    were inserted (as `insert_or_ignore`, the database judges conflicts)."""
    if not rows:
        return set()
    session.flush()
    connection = session.connection()
    dialect = connection.dialect.name
    statement = _statement(dialect, model, tuple(conflict_columns), returning)
    return set(connection.execute(statement, list(rows)).scalars())


@functools.cache
def _statement(
    dialect: str, model: Any, conflict_columns: tuple[str, ...], returning: str | None = "id"
) -> Any:
    """The statement, built once: the values go in as parameters, so SQLAlchemy neither rebuilds
    nor re-keys it on every row (that cost more than the insert itself). It returns the
    ``returning`` column, or with None the whole row as a ``model`` object."""
    if dialect == "postgresql":
        statement: Any = postgresql.insert(model)
    elif dialect == "sqlite":
        statement = sqlite.insert(model)
    else:
        raise StorageError(f"The {dialect} database is not supported; use SQLite or PostgreSQL.")
    returned = model if returning is None else getattr(model, returning)
    return statement.on_conflict_do_nothing(index_elements=list(conflict_columns)).returning(
        returned
    )
