"""The worker: consumes `mailbox-changed` and hands each message to the syncer.

`applytrack.wiring.build_worker` assembles one from settings; every collaborator is passed in.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import dataclass

from messaging import MailboxChanged, Subscriber
from processors.metrics import WorkerMetrics
from processors.sync import MailboxBusy, MailboxSyncer, SyncInterrupted

log = logging.getLogger(__name__)


def worker_id() -> str:
    """A name for this worker process that is unique across machines."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Worker:
    """Consumes `mailbox-changed` and syncs each mailbox."""

    subscriber: Subscriber
    syncer: MailboxSyncer
    metrics: WorkerMetrics | None = None

    def handle(self, message: MailboxChanged) -> None:
        """Sync one mailbox; an exception sends the message back to the queue."""
        started = time.perf_counter()
        try:
            result = self.syncer.handle(message)
        except MailboxBusy:
            self._count("busy")
            raise
        except SyncInterrupted:
            self._count("interrupted")
            raise
        except Exception:
            self._count("failed", seconds=time.perf_counter() - started)
            raise
        if result.skipped:
            self._count("skipped")
        else:
            self._count("synced", seconds=time.perf_counter() - started)
        log.info(
            "mailbox %s: %s messages, %s events%s",
            result.mailbox_id,
            result.messages_seen,
            result.events_written,
            " (skipped)" if result.skipped else "",
            extra={"mailbox_id": result.mailbox_id, "outcome": _outcome(result.skipped)},
        )

    def _count(self, outcome: str, *, seconds: float | None = None) -> None:
        if self.metrics is None:
            return
        self.metrics.count_outcome(outcome)
        if seconds is not None:
            self.metrics.sync_duration.observe(seconds)

    def run(self, *, max_messages: int | None = None, timeout: float | None = None) -> int:
        """Consume until stopped, or (burst mode) until ``max_messages`` or ``timeout`` idle."""
        return self.subscriber.consume(self.handle, max_messages=max_messages, timeout=timeout)

    def run_once(self, *, timeout: float = 2.0) -> int:
        """Drain what is queued now and return how many messages were handled."""
        return self.run(timeout=timeout)

    def stop(self) -> None:
        """Stop: the sync in hand stops after its chunk and its message goes back to the queue."""
        self.subscriber.stop()  # first, so the interrupted message is handed back, not failed
        self.syncer.interrupt()


def _outcome(skipped: bool) -> str:
    return "skipped" if skipped else "synced"
