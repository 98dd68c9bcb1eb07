"""Keeps a mailbox under Gmail's per-user quota while using it fully, across every worker."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from storage import QuotaLedger


@dataclass(frozen=True)
class QuotaPolicy:
    """Gmail's per-user limit and the safety margin we keep below it."""

    units_per_second: float = 250.0
    window_seconds: float = 1.0
    # Our clock starts a spend before Gmail counts it; the margin absorbs that skew.
    margin_seconds: float = 0.05


@dataclass
class MailboxQuota:
    """A `QuotaGate` for one mailbox, backed by the shared database ledger."""

    ledger: QuotaLedger
    mailbox_id: int
    policy: QuotaPolicy = field(default_factory=QuotaPolicy)
    sleep: Callable[[float], None] = time.sleep
    waited_seconds: float = 0.0

    def spend(self, units: int) -> None:
        """Block until the mailbox's window has room for ``units``, then spend them."""
        budget = self.policy.units_per_second * self.policy.window_seconds
        window = self.policy.window_seconds + self.policy.margin_seconds
        while True:
            wait = self.ledger.try_spend(
                self.mailbox_id, units, budget=budget, window_seconds=window
            )
            if wait <= 0:
                return
            self.waited_seconds += wait
            self.sleep(wait)
