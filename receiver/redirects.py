"""Where a ``next`` parameter may send the browser: a path on this site, never anywhere else.

Browsers drop tabs and newlines from a URL and read a backslash as a slash, so ``/\\t/evil.example``
and ``/\\evil.example`` both lead off-site; werkzeug strips the same characters when it writes the
``Location`` header. So a target is refused outright if it holds any whitespace, control character
or backslash, and what is checked is the exact text the ``Location`` header will carry.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from werkzeug.urls import iri_to_uri

MAX_TARGET_LENGTH = 2048


def same_site_path(target: str | None) -> str | None:
    """``target`` as it will go in ``Location``, if it is a path on this site; otherwise None."""
    if not target or len(target) > MAX_TARGET_LENGTH or not _plain_text(target):
        return None
    if not _is_path(target):
        return None
    try:
        location = iri_to_uri(target)
    except ValueError:  # urlsplit's "Invalid IPv6 URL" and the like
        return None
    return location if _is_path(location) else None


def _is_path(target: str) -> bool:
    """Starts with one slash and names no scheme or host."""
    if not target.startswith("/") or target.startswith("//"):
        return False
    try:
        parts = urlsplit(target)
    except ValueError:
        return False
    return not parts.scheme and not parts.netloc


def _plain_text(target: str) -> bool:
    """No whitespace, no control, format or unassigned character, no backslash."""
    return "\\" not in target and not any(
        char.isspace() or unicodedata.category(char).startswith("C") for char in target
    )
