"""The in-process implementation of the internal queue: the demo's embedded default.

A thread-safe queue inside one process, with the same delivery rules as Pub/Sub: a handler that
returns acks the message, a handler that raises has it redelivered (after a delay), and a message
that fails every attempt goes to a dead-letter list.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field

from messaging.contract import Handler, MailboxChanged

log = logging.getLogger(__name__)

MAX_DELIVERY_ATTEMPTS = 5


@dataclass
class _Envelope:
    message: MailboxChanged
    attempts: int = 0
    not_before: float = 0.0


@dataclass
class InProcessQueue:
    """A thread-safe queue inside one process, with redelivery and a dead-letter list."""

    retry_delay_seconds: float = 1.0
    max_delivery_attempts: int = MAX_DELIVERY_ATTEMPTS
    dead_letters: list[MailboxChanged] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._queue: queue.Queue[_Envelope] = queue.Queue()
        self._stopped = threading.Event()

    def publish(self, message: MailboxChanged) -> None:
        """Put a message on the queue."""
        self._queue.put(_Envelope(message))

    def check(self) -> None:
        """An in-process queue is always reachable."""

    def pending(self) -> int:
        """How many messages wait for a consumer."""
        return self._queue.qsize()

    def consume(
        self, handler: Handler, *, max_messages: int | None = None, timeout: float | None = None
    ) -> int:
        """Hand messages to ``handler`` until a limit is reached; see `Subscriber.consume`."""
        self._stopped.clear()
        acked = 0
        while not self._stopped.is_set() and (max_messages is None or acked < max_messages):
            try:
                envelope = self._queue.get(timeout=timeout if timeout is not None else 0.5)
            except queue.Empty:
                if timeout is not None:
                    break
                continue
            wait = envelope.not_before - time.monotonic()
            if wait > 0:
                self._queue.put(envelope)
                time.sleep(min(wait, 0.05))
                continue
            if self._deliver(handler, envelope):
                acked += 1
        return acked

    def _deliver(self, handler: Handler, envelope: _Envelope) -> bool:
        envelope.attempts += 1
        try:
            handler(envelope.message)
        except Exception:
            log.exception("handler failed", extra={"mailbox_id": envelope.message.mailbox_id})
            if envelope.attempts >= self.max_delivery_attempts:
                self.dead_letters.append(envelope.message)
            else:
                envelope.not_before = (
                    time.monotonic() + self.retry_delay_seconds * envelope.attempts
                )
                self._queue.put(envelope)
            return False
        return True

    def stop(self) -> None:
        """Make a running `consume` return after its current message."""
        self._stopped.set()
