"""Re-encrypt stored fields with the active key, so an old key can be retired."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from storage.crypto import FieldCipher
from storage.database import Database
from storage.models import Base


def _encrypted_columns() -> dict[Any, tuple[str, ...]]:
    """Every model's encrypted columns: by the schema's convention, the ones named ``*_enc``."""
    found: dict[Any, tuple[str, ...]] = {}
    for mapper in sorted(Base.registry.mappers, key=lambda mapper: mapper.class_.__name__):
        names = tuple(column.key for column in mapper.columns if column.key.endswith("_enc"))
        if names:
            found[mapper.class_] = names
    return found


# Blind indexes (the fingerprint columns) are keyed by the fingerprint key, which does not
# rotate, so they stay as they are.
ENCRYPTED_COLUMNS = _encrypted_columns()


def reencrypt_fields(database: Database, cipher: FieldCipher, *, batch_size: int = 500) -> int:
    """Re-encrypt every field not written with the active key; return how many were rewritten."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive (got {batch_size}).")
    rewritten = 0
    for model, columns in ENCRYPTED_COLUMNS.items():
        last_id = 0
        while True:
            query = _stale_rows(model, columns, cipher, last_id, batch_size)
            with database.session() as session:
                rows = list(session.scalars(query))
                for row in rows:
                    rewritten += _reencrypt_row(row, columns, cipher)
            if len(rows) < batch_size:
                break
            last_id = rows[-1].id
    return rewritten


def _stale_rows(
    model: Any, columns: tuple[str, ...], cipher: FieldCipher, after_id: int, limit: int
) -> Any:
    active_prefix = f"{cipher.active_key_id}:%"
    stale = [
        getattr(model, name).is_not(None) & getattr(model, name).not_like(active_prefix)
        for name in columns
    ]
    return select(model).where(model.id > after_id, or_(*stale)).order_by(model.id).limit(limit)


def _reencrypt_row(row: Any, columns: tuple[str, ...], cipher: FieldCipher) -> int:
    count = 0
    for name in columns:
        value = getattr(row, name)
        if value is not None and cipher.needs_rotation(value):
            setattr(row, name, cipher.encrypt(cipher.decrypt(value)))
            count += 1
    return count
