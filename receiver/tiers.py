"""How each sync tier is described to the person choosing it."""

from __future__ import annotations

from receiver.config import PollingIntervals
from storage import Tier


def _minutes(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    return "every minute" if minutes == 1 else f"every {minutes} minutes"


def tier_description(polling: PollingIntervals, tier: Tier) -> str:
    """``Push (Premium): updates within seconds, checked every 30 minutes as well``, etc."""
    if tier is Tier.PREMIUM:
        sweep = _minutes(polling.premium_sweep_seconds)
        return f"Push (Premium): updates within seconds, plus a safety check {sweep}"
    return f"Polling (Free): Gmail is checked {_minutes(polling.free_poll_seconds)}"
