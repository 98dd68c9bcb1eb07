"""Push tokens whose signature already verified, remembered until they expire.

Pub/Sub signs one OIDC token and sends it on many pushes, and checking its RSA signature against
Google's certificates is most of a push's cost. A token is remembered only after it passed every
check, under its exact text (so a cached answer covers exactly the bytes whose signature
verified), never past its ``exp`` and at most ``max_tokens`` at a time, least recently used
going first. The caller still checks the remembered claims on every push.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_MAX_TOKENS = 1024


@dataclass(frozen=True)
class _Verified:
    claims: Mapping[str, Any]
    expires_at: float


class VerifiedTokens:
    """A bounded, thread-safe memory of verified tokens and their claims."""

    def __init__(
        self, *, max_tokens: int = DEFAULT_MAX_TOKENS, clock: Callable[[], float] = time.time
    ) -> None:
        if max_tokens < 1:
            raise ValueError("VerifiedTokens needs room for at least one token")
        self._max_tokens = max_tokens
        self._clock = clock
        self._entries: OrderedDict[str, _Verified] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def claims(self, token: str) -> Mapping[str, Any] | None:
        """The claims of ``token`` if it verified before and has not expired; else None."""
        with self._lock:
            entry = self._entries.get(token)
            if entry is None:
                return None
            if self._clock() >= entry.expires_at:
                del self._entries[token]
                return None
            self._entries.move_to_end(token)
            return entry.claims

    def remember(self, token: str, claims: Mapping[str, Any], *, expires_at: float) -> None:
        """Keep ``token``'s verified claims until ``expires_at`` (seconds since the epoch)."""
        with self._lock:
            if self._clock() >= expires_at:
                return
            self._entries[token] = _Verified(dict(claims), expires_at)
            self._entries.move_to_end(token)
            while len(self._entries) > self._max_tokens:
                self._entries.popitem(last=False)
