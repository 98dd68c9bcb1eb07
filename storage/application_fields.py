"""What a person may write into an application, checked before it is stored.

Every field a person types is checked here, for the JSON API and the pages alike: its length, no
control characters, a company that is not blank, a job link that is a web address. A bad value
raises `InvalidChange` with a sentence that names the field.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import fields
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

from storage.crypto import FieldCipher
from storage.errors import InvalidChange
from storage.models import Application
from storage.views import ApplicationFields

# The most characters each text field keeps (docs/contracts.md and the OpenAPI document agree).
TEXT_LIMITS = {
    "company": 200,
    "role": 200,
    "job_url": 2000,
    "location": 200,
    "salary": 100,
    "notes": 5000,
}
EDITABLE_FIELDS = tuple(field.name for field in fields(ApplicationFields))
# The encrypted column of each text field.
ENCRYPTED_COLUMN = {
    "company": "company_enc",
    "role": "role_enc",
    "job_url": "job_url_enc",
    "location": "location_enc",
    "salary": "salary_enc",
    "notes": "notes_enc",
}
# Control characters and lone surrogates never belong in what a person writes; bidirectional
# overrides would let a name display as something else. Notes may hold line breaks and tabs.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cs"})
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_NOTES_WHITESPACE = frozenset("\n\t")


def checked_changes(changes: Mapping[str, object]) -> dict[str, Any]:
    """The changes with each value checked and normalised (text trimmed, times in UTC)."""
    checked: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in EDITABLE_FIELDS:
            allowed = ", ".join(EDITABLE_FIELDS)
            raise InvalidChange(name, f"{name} is not a field of an application ({allowed}).")
        checked[name] = _checked_value(name, value)
    if "company" in checked and checked["company"] is None:
        raise InvalidChange("company", "company must not be empty: name the employer.")
    return checked


def write_fields(cipher: FieldCipher, row: Application, changes: Mapping[str, Any]) -> None:
    """Store checked changes on the row (text fields encrypted)."""
    for name, value in changes.items():
        column = ENCRYPTED_COLUMN.get(name)
        if column is None:
            setattr(row, name, value)
        else:
            setattr(row, column, cipher.encrypt_optional(value))


def read_fields(cipher: FieldCipher, row: Application) -> ApplicationFields:
    """The row's fields, decrypted."""
    texts = {
        name: cipher.decrypt_optional(getattr(row, column))
        for name, column in ENCRYPTED_COLUMN.items()
    }
    return ApplicationFields(
        **texts, applied_on=row.applied_on, next_interview_at=row.next_interview_at
    )


def _checked_value(name: str, value: object) -> Any:
    if value is None:
        return None
    if name == "applied_on":
        if isinstance(value, datetime) or not isinstance(value, date):
            raise InvalidChange(name, "applied_on must be a date like 2025-03-01.")
        return value
    if name == "next_interview_at":
        return _checked_moment(name, value)
    return _checked_text(name, value)


def _checked_moment(name: str, value: object) -> datetime:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidChange(
            name, f"{name} must be a date and time with its time zone, like 2025-03-01T14:30:00Z."
        )
    return value.astimezone(UTC)


def _checked_text(name: str, value: object) -> str | None:
    if not isinstance(value, str):
        raise InvalidChange(name, f"{name} must be text.")
    text = value.replace("\r\n", "\n").strip() if name == "notes" else value.strip()
    limit = TEXT_LIMITS[name]
    if len(text) > limit:
        raise InvalidChange(name, f"{name} must be at most {limit} characters long.")
    allowed = _NOTES_WHITESPACE if name == "notes" else frozenset()
    if any(_forbidden(char) and char not in allowed for char in text):
        which = "other than line breaks and tabs" if allowed else "such as tabs or line breaks"
        raise InvalidChange(name, f"{name} must not contain control characters ({which}).")
    if name == "job_url" and text:
        _check_web_address(text)
    return text or None


def _forbidden(char: str) -> bool:
    return unicodedata.category(char) in _FORBIDDEN_CATEGORIES or char in _BIDI_CONTROLS


def _check_web_address(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in url:
        raise InvalidChange(
            "job_url", "job_url must be a web address starting with https:// or http://."
        )
