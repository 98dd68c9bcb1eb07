"""Processors: consume `mailbox-changed`, read Gmail deltas, classify, write status events."""

from processors.breaker import BreakerPolicy, CircuitBreaker
from processors.metrics import SchedulerMetrics, WorkerMetrics
from processors.quota import MailboxQuota, QuotaPolicy
from processors.scheduler import Backlog, Schedule, Scheduler
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
