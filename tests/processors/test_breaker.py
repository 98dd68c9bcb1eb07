"""The worker's circuit breaker, on its own: what opens it, how long it holds, what closes it."""

from __future__ import annotations

import itertools
import threading
import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from processors.breaker import (
    BreakerObserver,
    BreakerPolicy,
    CircuitBreaker,
    OutageCause,
    is_database_outage,
)

pytestmark = pytest.mark.unit


class RecordingObserver(BreakerObserver):
    def __init__(self) -> None:
        self.events: list[str] = []

    def breaker_opened(self, cause: OutageCause) -> None:
        self.events.append(f"open:{cause.value}")

    def breaker_closed(self) -> None:
        self.events.append("closed")


class FlakyDatabase:
    """A probe that fails a given number of times, then answers; notes when it was asked."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.probed_at: list[float] = []

    @property
    def probes(self) -> int:
        return len(self.probed_at)

    def ping(self) -> None:
        self.probed_at.append(time.monotonic())
        if self.probes <= self.failures:
            raise unreachable()


def unreachable() -> OperationalError:
    return OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))


def _breaker(database: FlakyDatabase, observer: BreakerObserver | None = None):
    """Pauses of 0.1 s doubling to 0.8 s, and no jitter (the longest pause), so that the test
    runs on the real clock in a few seconds and its arithmetic is exact."""
    policy = BreakerPolicy(first_pause_seconds=0.1, max_pause_seconds=0.8, gmail_failures_to_open=3)
    return CircuitBreaker(
        policy, probe_database=database.ping, observer=observer, jitter=lambda low, high: high
    )


def test_a_database_outage_holds_until_a_probe_answers_with_growing_pauses():
    database, observer = FlakyDatabase(failures=4), RecordingObserver()
    breaker = _breaker(database, observer)
    opened_at = time.monotonic()

    breaker.database_unreachable(unreachable())
    assert breaker.is_open
    assert breaker.wait_until_closed(threading.Event())

    assert not breaker.is_open
    assert database.probes == 5  # four failed probes, then the database answered
    moments = [opened_at, *database.probed_at]
    gaps = [later - earlier for earlier, later in itertools.pairwise(moments)]
    # Pauses of 0.1, 0.2, 0.4, 0.8, then 0.8 s (doubling, capped): no probe early, none late.
    for gap, pause in zip(gaps, [0.1, 0.2, 0.4, 0.8, 0.8], strict=True):
        assert pause <= gap < pause + 0.15, gaps
    assert observer.events == ["open:database", "closed"]


def test_a_closed_breaker_lets_messages_through_at_once():
    breaker = _breaker(FlakyDatabase(failures=0))
    assert breaker.wait_until_closed(threading.Event())


def test_stopping_releases_a_held_handler():
    breaker = _breaker(FlakyDatabase(failures=10**6))
    breaker.database_unreachable(unreachable())
    stopping = threading.Event()
    stopping.set()
    assert breaker.wait_until_closed(stopping) is False


def test_gmail_failures_in_a_row_open_it_and_one_success_resets_the_count():
    observer = RecordingObserver()
    breaker = _breaker(FlakyDatabase(failures=0), observer)
    breaker.gmail_unreachable()
    breaker.gmail_unreachable()
    breaker.gmail_answered()
    breaker.gmail_unreachable()
    breaker.gmail_unreachable()
    assert not breaker.is_open
    breaker.gmail_unreachable()
    assert breaker.is_open and observer.events == ["open:gmail"]

    assert breaker.wait_until_closed(threading.Event())
    breaker.gmail_unreachable()  # half-open: the first failure after the pause reopens it
    assert breaker.is_open


def test_only_unreachable_databases_count_as_outages():
    assert is_database_outage(unreachable())
    assert not is_database_outage(ProgrammingError("SELEKT", {}, Exception("syntax error")))
    assert not is_database_outage(ValueError("a bug"))
    engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(Exception) as refused, engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    assert is_database_outage(refused.value)
