"""Processors: consume `mailbox-changed`, read Gmail deltas, classify, write status events.

The syncer and the worker load on first use of their names: they import the classifier (spaCy,
~60 MB), which the scheduler process, importing `processors.scheduler` and `processors.metrics`
only, never needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from processors.breaker import BreakerPolicy, CircuitBreaker
from processors.metrics import SchedulerMetrics, WorkerMetrics
from processors.quota import MailboxQuota, QuotaPolicy
from processors.scheduler import Backlog, Schedule, Scheduler

if TYPE_CHECKING:
    from processors.sync import (
        MailboxBusy,
        MailboxSyncer,
        SyncInterrupted,
        SyncObserver,
        SyncOutcome,
        SyncPhase,
        SyncPolicy,
        SyncProgress,
        SyncResult,
        SyncStore,
    )
    from processors.worker import Worker, worker_id

LOADED_ON_FIRST_USE = {
    **dict.fromkeys(
        (
            "MailboxBusy",
            "MailboxSyncer",
            "SyncInterrupted",
            "SyncObserver",
            "SyncOutcome",
            "SyncPhase",
            "SyncPolicy",
            "SyncProgress",
            "SyncResult",
            "SyncStore",
        ),
        "processors.sync",
    ),
    "Worker": "processors.worker",
    "worker_id": "processors.worker",
}


def __getattr__(name: str) -> object:
    """A name of the syncer or the worker, imported from its module when first asked for."""
    if name not in LOADED_ON_FIRST_USE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(LOADED_ON_FIRST_USE[name]), name)


__all__ = [
    "Backlog",
    "BreakerPolicy",
    "CircuitBreaker",
    "MailboxBusy",
    "MailboxQuota",
    "MailboxSyncer",
    "QuotaPolicy",
    "Schedule",
    "Scheduler",
    "SchedulerMetrics",
    "SyncInterrupted",
    "SyncObserver",
    "SyncOutcome",
    "SyncPhase",
    "SyncPolicy",
    "SyncProgress",
    "SyncResult",
    "SyncStore",
    "Worker",
    "WorkerMetrics",
    "worker_id",
]
