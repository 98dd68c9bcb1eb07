"""The scheduler process's parts, built from `Settings`: polls, watch renewals, the sweep."""

from __future__ import annotations

from applytrack.settings import Settings
from applytrack.wiring import store_from_settings
from messaging import Publisher
from processors import Schedule, Scheduler, SchedulerMetrics
from processors.metrics import CountingPublisher
from storage import Store


def schedule(settings: Settings) -> Schedule:
    """How often the scheduler looks at each tier."""
    return Schedule(
        free_poll_seconds=settings.free_poll_interval_seconds,
        premium_sweep_seconds=settings.premium_sweep_interval_seconds,
        watch_renew_before_seconds=settings.watch_renew_before_seconds,
        behind_sweep_seconds=settings.behind_sweep_interval_seconds,
    )


def build_scheduler(
    settings: Settings,
    *,
    publisher: Publisher,
    store: Store | None = None,
    metrics: SchedulerMetrics | None = None,
) -> Scheduler:
    """The scheduler: polls, watch renewals and the backlog sweep, published through
    ``publisher``; with ``metrics`` it counts them and shows the backlog."""
    counted: Publisher = publisher if metrics is None else CountingPublisher(publisher, metrics)
    return Scheduler(
        store or store_from_settings(settings), counted, schedule(settings), observer=metrics
    )
