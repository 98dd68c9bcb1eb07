"""Gmail's per-user quota: units per second as a moving average over a short window."""

from __future__ import annotations

import math
import threading
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

METHOD_COSTS = {
    "users.getProfile": 1,
    "users.messages.list": 5,
    "users.messages.get": 5,
    "users.history.list": 2,
    "users.watch": 100,
    "users.stop": 0,
}


@dataclass
class _Usage:
    window: deque[tuple[float, int]] = field(default_factory=deque)
    units_used: int = 0
    rate_limited: int = 0
    calls: Counter[str] = field(default_factory=Counter)


class QuotaMeter:
    """Admits or refuses calls per mailbox; ``units_per_second=None`` counts without refusing."""

    def __init__(
        self,
        units_per_second: float | None,
        *,
        clock: Callable[[], float],
        window_seconds: float = 1.0,
    ) -> None:
        if units_per_second is not None and units_per_second <= 0:
            raise ValueError("units_per_second must be positive, or None to switch quota off.")
        self.units_per_second = units_per_second
        self._window_seconds = window_seconds
        self._clock = clock
        self._usage: dict[str, _Usage] = {}
        self._lock = threading.Lock()

    def charge(self, email: str, method: str) -> int | None:
        """Record a call; return None when admitted, else the seconds to wait (Retry-After)."""
        cost = METHOD_COSTS.get(method, 0)
        now = self._clock()
        with self._lock:
            usage = self._usage.setdefault(email, _Usage())
            usage.calls[method] += 1
            while usage.window and usage.window[0][0] <= now - self._window_seconds:
                usage.window.popleft()
            if self.units_per_second is not None:
                budget = self.units_per_second * self._window_seconds
                in_window = sum(units for _, units in usage.window)
                # A lone call dearer than the whole budget (watch on a tiny quota) still passes.
                if cost and in_window and in_window + cost > budget:
                    usage.rate_limited += 1
                    return self._retry_after(usage, budget - cost, now)
            usage.window.append((now, cost))
            usage.units_used += cost
            return None

    def _retry_after(self, usage: _Usage, allowed: float, now: float) -> int:
        remaining = sum(units for _, units in usage.window)
        for stamp, units in usage.window:
            remaining -= units
            if remaining <= allowed:
                return max(1, math.ceil(stamp + self._window_seconds - now))
        return 1

    def count_refusal(self, email: str, method: str) -> None:
        """Count a 429 that a fault injected, so stats show every 429 sent."""
        with self._lock:
            usage = self._usage.setdefault(email, _Usage())
            usage.calls[method] += 1
            usage.rate_limited += 1

    def stats(self, email: str) -> dict:
        """Return units used, 429s sent and calls per method for one mailbox."""
        with self._lock:
            usage = self._usage.get(email, _Usage())
            return {
                "quota_units_used": usage.units_used,
                "rate_limited": usage.rate_limited,
                "calls": dict(usage.calls),
            }
