"""Processors: consume `mailbox-changed`, read Gmail deltas, classify, write status events."""

from applytrack.gmail import GmailClient, GmailConfig, HistoryExpired, TokenRevoked
from processors.scheduler import Schedule, Scheduler
from processors.sync import MailboxBusy, MailboxSyncer, SyncPolicy, SyncResult
from processors.worker import Worker, build_worker, store_from_settings

__all__ = [
    "GmailClient",
    "GmailConfig",
    "HistoryExpired",
    "MailboxBusy",
    "MailboxSyncer",
    "Schedule",
    "Scheduler",
    "SyncPolicy",
    "SyncResult",
    "TokenRevoked",
    "Worker",
    "build_worker",
    "store_from_settings",
]
