"""Gmail's per-user quota: what each call costs, and the gate a client waits at before calling."""

from __future__ import annotations

from typing import Protocol

# Gmail's per-user quota units per method (the sandbox enforces the same table).
QUOTA_COST = {
    "getProfile": 1,
    "messages.list": 5,
    "messages.get": 5,
    "history.list": 2,
    "watch": 100,
    "stop": 0,
}


class QuotaGate(Protocol):
    """Blocks until the mailbox's Gmail quota has room for ``units``, then counts them as spent."""

    def spend(self, units: int) -> None:
        """Wait for room and spend."""
        ...
