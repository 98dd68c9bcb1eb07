"""Keeps a mailbox under Gmail's per-user quota while using it fully, across every worker.

Only the worker holding a mailbox's lease calls Gmail for it, so the quota's moving window
travels with the lease: the holder receives what the previous one spent in its last moments
(`LeasedMailbox.quota_spends`), admits its own calls in memory, with no database round trip per
Gmail call, and hands its window back with the lease (`Store.release_lease`). A worker that
dies keeps the lease until it expires, far longer than the window, so what it spent has stopped
counting by the time anyone else may call Gmail for that mailbox.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class QuotaPolicy:
    """Gmail's per-user limit and the safety margin we keep below it."""

    units_per_second: float = 250.0
    window_seconds: float = 1.0
    # Our clock starts a spend before Gmail counts it; the margin absorbs that skew.
    margin_seconds: float = 0.05

    @property
    def budget(self) -> float:
        """Units one window may hold."""
        return self.units_per_second * self.window_seconds

    @property
    def span(self) -> float:
        """How far back a window looks, margin included."""
        return self.window_seconds + self.margin_seconds


class MailboxQuota:
    """A `QuotaGate` for one mailbox while its lease is held."""

    def __init__(
        self,
        policy: QuotaPolicy,
        spends: Iterable[tuple[float, int]] = (),
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``spends``: (seconds since the epoch, units) the previous holder handed on."""
        self.policy = policy
        self.waited_seconds = 0.0
        self._sleep = sleep
        self._clock = clock
        self._window: deque[tuple[float, int]] = deque(sorted(spends))

    def spend(self, units: int) -> None:
        """Block until the mailbox's window has room for ``units``, then spend them."""
        if units <= 0:
            return
        while True:
            now = self._clock()
            used = self._forget_before(now - self.policy.span)
            # A spend larger than the whole budget goes through on an empty window.
            if used + units <= self.policy.budget or not self._window:
                self._window.append((now, units))
                return
            wait = _wait_for_room(
                self._window, used + units - self.policy.budget, self.policy.span, now
            )
            self.waited_seconds += wait
            self._sleep(wait)

    def spends(self) -> list[tuple[float, int]]:
        """What still counts against the window now, for the lease's next holder."""
        self._forget_before(self._clock() - self.policy.span)
        return list(self._window)

    def _forget_before(self, moment: float) -> int:
        """Drop spends at or before ``moment``; return the units left in the window."""
        while self._window and self._window[0][0] <= moment:
            self._window.popleft()
        return sum(units for _, units in self._window)


def _wait_for_room(
    window: Iterable[tuple[float, int]], excess: float, span: float, now: float
) -> float:
    """Seconds until enough of the oldest spends leave the window to free ``excess`` units."""
    freed = 0
    for moment, units in window:
        freed += units
        if freed >= excess:
            return max(0.001, moment + span - now)
    return span
