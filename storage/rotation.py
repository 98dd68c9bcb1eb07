"""Re-encrypt stored fields with the active key, so an old key can be retired."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from storage.crypto import FieldCipher
from storage.database import Database
from storage.models import Application, EmailRecord, Mailbox

ENCRYPTED_COLUMNS: dict[Any, tuple[str, ...]] = {
    Mailbox: ("refresh_token_enc",),
    Application: ("company_enc", "role_enc"),
    EmailRecord: (
        "sender_enc",
        "subject_enc",
        "reasons_enc",
        "explanation_enc",
        "company_enc",
        "role_enc",
    ),
}


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
