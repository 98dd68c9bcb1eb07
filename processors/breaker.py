"""Infrastructure errors are not message errors: a circuit breaker for the worker.

When the database cannot be reached, no message can be recorded, and nacking it would only burn
one of its delivery attempts (a 10 s outage once used up all of them in 1.5 s). The worker instead
holds the message (Pub/Sub's client keeps extending its ack deadline), opens the breaker, and takes
no new message until a probe (a database ping, after a pause that doubles, with jitter) succeeds.
When Gmail as a whole stops answering, the wanted history id is already recorded and the message
is acked; after a few such failures in a row the breaker pauses the worker the same way, then lets
one message through to try again.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import exc as sql_errors

from gmail import is_retryable

log = logging.getLogger(__name__)

RATE_LIMIT_STATUSES = (403, 429)  # one mailbox over its quota: not an outage


def is_database_outage(error: BaseException) -> bool:
    """True when ``error`` says the database could not be reached, not that a statement was
    wrong: a dropped or refused connection, a pool that could not hand one out."""
    if isinstance(error, sql_errors.DBAPIError) and error.connection_invalidated:
        return True
    unreachable = (
        sql_errors.OperationalError,
        sql_errors.InterfaceError,
        sql_errors.DisconnectionError,
        sql_errors.TimeoutError,  # the pool waited in vain for a connection
    )
    return isinstance(error, unreachable)


def is_gmail_outage(error: BaseException) -> bool:
    """True when Gmail did not answer even after the client's retries: a transport error or a
    5xx (not one mailbox's 429, not a bad request)."""
    if not is_retryable(error):
        return False
    status = getattr(getattr(error, "resp", None), "status", None)
    return status is None or int(status) not in RATE_LIMIT_STATUSES


class OutageCause(StrEnum):
    """What opened the breaker."""

    DATABASE = "database"
    GMAIL = "gmail"


@dataclass(frozen=True)
class BreakerPolicy:
    """How long the breaker pauses the worker, and when Gmail failures open it."""

    first_pause_seconds: float = 1.0
    max_pause_seconds: float = 30.0
    gmail_failures_to_open: int = 3


class BreakerObserver:
    """Told when the breaker opens and closes (the worker's metrics); does nothing itself."""

    def breaker_opened(self, cause: OutageCause) -> None:
        """The breaker opened because of ``cause``."""

    def breaker_closed(self) -> None:
        """The breaker closed: messages flow again."""


class CircuitBreaker:
    """Closed: messages flow. Open: every handler waits in `wait_until_closed` until a probe
    succeeds after the pause; the pause doubles (with jitter) while the outage lasts."""

    def __init__(
        self,
        policy: BreakerPolicy,
        *,
        probe_database: Callable[[], None],
        observer: BreakerObserver | None = None,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[float, float], float] = random.uniform,
    ) -> None:
        self._policy = policy
        self._probe_database = probe_database
        self._observer = observer or BreakerObserver()
        self._clock = clock
        self._jitter = jitter
        self._changed = threading.Condition()
        self._cause: OutageCause | None = None  # None: closed
        self._probing = False
        self._pause = policy.first_pause_seconds
        self._reopen_at = 0.0
        self._gmail_failures = 0

    @property
    def is_open(self) -> bool:
        """True while messages are held back."""
        with self._changed:
            return self._cause is not None

    def database_unreachable(self, error: BaseException) -> None:
        """Open (or keep open) the breaker: the database did not answer."""
        with self._changed:
            self._open(OutageCause.DATABASE, error)

    def gmail_unreachable(self) -> None:
        """Count a sync that failed because Gmail did not answer; enough in a row open it."""
        with self._changed:
            self._gmail_failures += 1
            if self._gmail_failures >= self._policy.gmail_failures_to_open:
                self._open(OutageCause.GMAIL, None)

    def gmail_answered(self) -> None:
        """A sync reached Gmail: its failures in a row start again from zero."""
        with self._changed:
            self._gmail_failures = 0
            self._pause = self._policy.first_pause_seconds

    def wait_until_closed(self, stopping: threading.Event) -> bool:
        """Block while the breaker is open; False when ``stopping`` was set meanwhile."""
        with self._changed:
            while self._cause is not None:
                if stopping.is_set():
                    return False
                wait = self._reopen_at - self._clock()
                if self._probing or wait > 0:
                    self._changed.wait(timeout=min(max(wait, 0.05), 0.5))
                    continue
                self._probe()
            return not stopping.is_set()

    def _probe(self) -> None:
        """Called with the lock held and the pause over: try the way back, outside the lock."""
        cause = self._cause
        self._probing = True
        self._changed.release()
        try:
            if cause is OutageCause.DATABASE:
                self._probe_database()
        except Exception as error:
            self._changed.acquire()
            self._probing = False
            self._open(OutageCause.DATABASE, error)
            return
        self._changed.acquire()
        self._probing = False
        self._close(cause)

    def _open(self, cause: OutageCause, error: BaseException | None) -> None:
        if self._cause is None:
            self._observer.breaker_opened(cause)
        else:
            self._pause = min(self._pause * 2, self._policy.max_pause_seconds)
        self._cause = cause
        pause = self._jitter(self._pause / 2, self._pause)
        self._reopen_at = self._clock() + pause
        reason = type(error).__name__ if error is not None else "Gmail did not answer"
        log.warning("%s unreachable (%s): holding messages for %.1f s", cause.value, reason, pause)
        self._changed.notify_all()

    def _close(self, cause: OutageCause | None) -> None:
        self._cause = None
        if cause is OutageCause.GMAIL:
            # Half-open: the next Gmail failure opens it again, with a longer pause.
            self._gmail_failures = self._policy.gmail_failures_to_open - 1
            self._pause = min(self._pause * 2, self._policy.max_pause_seconds)
        else:
            self._pause = self._policy.first_pause_seconds
        log.info("%s answers again: taking messages", cause.value if cause else "everything")
        self._observer.breaker_closed()
        self._changed.notify_all()
