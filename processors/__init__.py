"""Processors: consume `mailbox-changed`, read Gmail deltas, classify, write status events."""

from processors.metrics import SchedulerMetrics, WorkerMetrics
from processors.quota import MailboxQuota, QuotaPolicy
from processors.scheduler import Schedule, Scheduler
from processors.sync import (
    MailboxBusy,
    MailboxSyncer,
    SyncInterrupted,
    SyncObserver,
    SyncPolicy,
    SyncResult,
    SyncStore,
)
from processors.worker import Worker, worker_id

__all__ = [
    "MailboxBusy",
    "MailboxQuota",
    "MailboxSyncer",
    "QuotaPolicy",
    "Schedule",
    "Scheduler",
    "SchedulerMetrics",
    "SyncInterrupted",
    "SyncObserver",
    "SyncPolicy",
    "SyncResult",
    "SyncStore",
    "Worker",
    "WorkerMetrics",
    "worker_id",
]
