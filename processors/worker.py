"""The worker: consumes `mailbox-changed` and hands each message to the syncer.

`applytrack.worker_wiring.build_worker` assembles one from settings; every collaborator is
passed in. A message is acked once its wanted history id is recorded in the database, whatever
the sync then does (a failed sync is retried by the scheduler's sweep). Only a message that could
not be recorded is sent back: when the database is unreachable the circuit breaker holds it (no
delivery attempt spent) and the worker takes no new message until the database answers again.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field

from messaging import MailboxChanged, Subscriber
from processors.breaker import CircuitBreaker, is_database_outage
from processors.metrics import WorkerMetrics
from processors.sync import MailboxSyncer, SyncInterrupted, SyncOutcome, SyncResult

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
    breaker: CircuitBreaker | None = None
    _stopping: threading.Event = field(default_factory=threading.Event, repr=False)

    def handle(self, message: MailboxChanged) -> None:
        """Record and sync one message; raise to have it redelivered (nothing was recorded)."""
        while True:
            self._wait_for_breaker(message)
            started = time.perf_counter()
            try:
                result = self.syncer.handle(message)
            except SyncInterrupted:
                self._count("interrupted")
                raise
            except Exception as error:
                if self.breaker is not None and is_database_outage(error):
                    self.breaker.database_unreachable(error)
                    continue  # held, not nacked: tried again once the database answers
                self._count("failed", seconds=time.perf_counter() - started)
                raise
            self._done(result, seconds=time.perf_counter() - started)
            return

    def _wait_for_breaker(self, message: MailboxChanged) -> None:
        if self.breaker is not None and not self.breaker.wait_until_closed(self._stopping):
            raise SyncInterrupted(f"mailbox {message.mailbox_id}: stopping while held")
        if self._stopping.is_set():
            raise SyncInterrupted(f"mailbox {message.mailbox_id}: stopping")

    def _done(self, result: SyncResult, *, seconds: float) -> None:
        """Count and log a handled message; tell the breaker whether Gmail answered."""
        if self.breaker is not None and result.passes:
            if result.gmail_unreachable:
                self.breaker.gmail_unreachable()
            else:
                self.breaker.gmail_answered()
        synced = result.outcome in (SyncOutcome.SYNCED, SyncOutcome.FAILED)
        self._count(result.outcome.value, seconds=seconds if synced else None)
        if self.metrics is not None:
            self.metrics.syncs.inc(result.passes)
        log.info(
            "mailbox %s: %s messages, %s events, %s syncs (%s)",
            result.mailbox_id,
            result.messages_seen,
            result.events_written,
            result.passes,
            result.outcome.value,
            extra={"mailbox_id": result.mailbox_id, "outcome": result.outcome.value},
        )

    def _count(self, outcome: str, *, seconds: float | None = None) -> None:
        if self.metrics is None:
            return
        self.metrics.count_outcome(outcome)
        if seconds is not None:
            self.metrics.sync_duration.observe(seconds)

    def run(self, *, max_messages: int | None = None, timeout: float | None = None) -> int:
        """Consume until stopped, or (burst mode) until ``max_messages`` or ``timeout`` idle."""
        self._stopping.clear()
        return self.subscriber.consume(self.handle, max_messages=max_messages, timeout=timeout)

    def run_once(self, *, timeout: float = 2.0) -> int:
        """Drain what is queued now and return how many messages were handled."""
        return self.run(timeout=timeout)

    def stop(self) -> None:
        """Stop: the sync in hand stops after its chunk and its message goes back to the queue."""
        self.subscriber.stop()  # first, so the interrupted message is handed back, not failed
        self._stopping.set()
        self.syncer.interrupt()
