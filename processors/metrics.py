"""Prometheus metrics of the worker and the scheduler.

`WorkerMetrics` is handed to the parts it counts as their observer (the Gmail client's calls, the
syncer's committed batches). Labels stay few and fixed (outcome, label, method, tier, reason):
never a mailbox id or address.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from messaging import MailboxChanged, Publisher
from processors.breaker import BreakerObserver, OutageCause
from processors.scheduler import Backlog
from storage import BatchOutcome, IncomingEmail, Tier

log = logging.getLogger(__name__)

# synced and failed: this handler held the lease; covered: the cursor was there already;
# handed_over: recorded for the lease holder; skipped: inactive; interrupted: shutdown.
OUTCOMES = ("synced", "covered", "handed_over", "skipped", "failed", "interrupted")
SYNC_SECONDS_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)


class WorkerMetrics(BreakerObserver):
    """Everything a worker process counts, in one registry."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        self.messages = Counter(
            "applytrack_worker_messages",
            "mailbox-changed messages handled, by outcome (synced, covered by the cursor, "
            "handed over to the lease holder, skipped, failed, interrupted by shutdown).",
            ["outcome"],
            registry=self.registry,
        )
        self.syncs = Counter(
            "applytrack_worker_syncs",
            "Syncs run (passes from the cursor to Gmail's present; one sync run each).",
            registry=self.registry,
        )
        self.breaker_open = Gauge(
            "applytrack_worker_breaker_open",
            "1 while the circuit breaker holds messages back (database or Gmail unreachable).",
            registry=self.registry,
        )
        self.breaker_trips = Counter(
            "applytrack_worker_breaker_trips",
            "Times the circuit breaker opened, by cause (database, gmail).",
            ["cause"],
            registry=self.registry,
        )
        self.classifications = Counter(
            "applytrack_classifications",
            "Emails classified and written, by label.",
            ["label"],
            registry=self.registry,
        )
        self.gmail_calls = Counter(
            "applytrack_gmail_api_calls",
            "Gmail API calls attempted (a batch counts one per message), by method.",
            ["method"],
            registry=self.registry,
        )
        self.gmail_rate_limited_answers = Counter(
            "applytrack_gmail_rate_limited",
            "Gmail answers of 429 or a rate-limit 403 (each was retried with backoff).",
            registry=self.registry,
        )
        self.status_events = Counter(
            "applytrack_status_events_written",
            "Status events written.",
            registry=self.registry,
        )
        self.sync_duration = Histogram(
            "applytrack_sync_duration_seconds",
            "Time to handle one mailbox-changed message that reached Gmail (synced or failed).",
            buckets=SYNC_SECONDS_BUCKETS,
            registry=self.registry,
        )
        for outcome in OUTCOMES:
            self.messages.labels(outcome=outcome)
        for cause in OutageCause:
            self.breaker_trips.labels(cause=cause.value)

    def count_outcome(self, outcome: str) -> None:
        """Add one handled message with ``outcome`` (one of `OUTCOMES`)."""
        self.messages.labels(outcome=outcome).inc()

    def breaker_opened(self, cause: OutageCause) -> None:
        """Count a trip of the circuit breaker and show it open."""
        self.breaker_trips.labels(cause=cause.value).inc()
        self.breaker_open.set(1)

    def breaker_closed(self) -> None:
        """Show the circuit breaker closed."""
        self.breaker_open.set(0)

    def batch_written(self, emails: Sequence[IncomingEmail], outcome: BatchOutcome) -> None:
        """Count a committed batch: its emails by label and the status events it wrote."""
        for email in emails:
            self.classifications.labels(label=_wire(email.label)).inc()
        self.status_events.inc(outcome.events_written)

    def gmail_called(self, method: str, count: int) -> None:
        """Count Gmail calls attempted (a batch counts one per message)."""
        self.gmail_calls.labels(method=method).inc(count)

    def gmail_rate_limited(self) -> None:
        """Count one 429 or rate-limit 403 from Gmail."""
        self.gmail_rate_limited_answers.inc()

    def watch_sync_lag(self, store: OldestSyncReader) -> None:
        """Expose `applytrack_sync_lag_seconds{tier}`, read from the database at each scrape."""
        self.registry.register(SyncLagCollector(store))

    def watch_dead_letters(self, dead_letters: Sequence[object]) -> None:
        """Expose `applytrack_dead_letters_total`: the in-process queue's dead-letter list."""
        self.registry.register(DeadLetterCollector(dead_letters))


class SchedulerMetrics:
    """What the scheduler counts: messages enqueued by reason, and the sync backlog it sweeps."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        self.enqueued = Counter(
            "applytrack_scheduler_enqueued",
            "mailbox-changed messages the scheduler published, by reason (poll, renewal, sweep).",
            ["reason"],
            registry=self.registry,
        )
        self.behind = Gauge(
            "applytrack_mailboxes_behind",
            "Active mailboxes whose wanted history id is ahead of the cursor, at the last sweep, "
            "by lease (held: being synced; none: waiting for a worker).",
            ["lease"],
            registry=self.registry,
        )
        self.backlog_age = Gauge(
            "applytrack_sync_backlog_seconds",
            "Age of the oldest wanted history id not yet synced, as the sweeps saw it (0: none).",
            registry=self.registry,
        )
        for reason in ("poll", "renewal", "sweep"):
            self.enqueued.labels(reason=reason)
        for lease in ("held", "none"):
            self.behind.labels(lease=lease)

    def backlog_seen(self, backlog: Backlog) -> None:
        """Show what the last sweep found."""
        self.behind.labels(lease="held").set(backlog.leased)
        self.behind.labels(lease="none").set(backlog.unleased)
        self.backlog_age.set(backlog.oldest_seconds)


class OldestSyncReader(Protocol):
    """Where the sync-lag metric reads from (`storage.Store` is one)."""

    def oldest_sync_by_tier(self) -> dict[Tier, datetime]:
        """For each tier, the oldest last sync among its active, synced mailboxes."""
        ...


class SyncLagCollector(Collector):
    """Seconds since the least recently synced active mailbox of each tier was synced."""

    def __init__(
        self, store: OldestSyncReader, *, clock: Callable[[], datetime] | None = None
    ) -> None:
        self._store = store
        self._clock = clock or (lambda: datetime.now(UTC))

    def describe(self) -> list[GaugeMetricFamily]:
        """The metric's description, without a database round trip."""
        return [self._family()]

    def collect(self) -> Iterable[GaugeMetricFamily]:
        """One sample per tier; nothing when the database cannot be read."""
        family = self._family()
        try:
            oldest = self._store.oldest_sync_by_tier()
        except Exception as exc:
            reason = type(exc).__name__
            log.warning("sync lag not measured: the database did not answer (%s)", reason)
            return [family]
        for tier, seconds in sync_lag_by_tier(oldest, self._clock()).items():
            family.add_metric([tier], seconds)
        return [family]

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "applytrack_sync_lag_seconds",
            "Seconds since the oldest last sync among active mailboxes of a tier (0: none).",
            labels=["tier"],
        )


def sync_lag_by_tier(oldest: Mapping[Tier, datetime], now: datetime) -> dict[str, float]:
    """For each tier, seconds since its oldest last sync (0 for a tier with none)."""
    return {
        tier.value: max(0.0, (now - oldest[tier]).total_seconds()) if tier in oldest else 0.0
        for tier in Tier
    }


class DeadLetterCollector(Collector):
    """Counts the messages an in-process queue gave up on (its list only grows)."""

    def __init__(self, dead_letters: Sequence[object]) -> None:
        self._dead_letters = dead_letters

    def collect(self) -> Iterable[CounterMetricFamily]:
        """The current length of the dead-letter list."""
        family = CounterMetricFamily(
            "applytrack_dead_letters",
            "Messages dead-lettered after the last delivery attempt failed (in-process queue).",
        )
        family.add_metric([], len(self._dead_letters))
        return [family]


class CountingPublisher:
    """A `Publisher` that counts what it publishes by reason (the scheduler's counter)."""

    def __init__(self, publisher: Publisher, metrics: SchedulerMetrics) -> None:
        self._publisher = publisher
        self._metrics = metrics

    def publish(self, message: MailboxChanged) -> None:
        """Publish, then count the message under its reason."""
        self._publisher.publish(message)
        self._metrics.enqueued.labels(reason=message.reason).inc()

    def check(self) -> None:
        """Check the wrapped publisher."""
        self._publisher.check()


class MetricsServer:
    """A background HTTP server answering Prometheus scrapes of one registry."""

    def __init__(self, registry: CollectorRegistry, port: int, *, host: str = "0.0.0.0") -> None:
        server, thread = start_http_server(port, addr=host, registry=registry)
        self._server = server
        self._thread: threading.Thread = thread
        self.port = int(server.server_port)

    def stop(self) -> None:
        """Stop answering scrapes."""
        self._server.shutdown()
        self._server.server_close()


def serve_metrics(registry: CollectorRegistry, port: int) -> MetricsServer | None:
    """Serve ``registry`` on ``port``; 0 means metrics are off and nothing listens."""
    if port <= 0:
        return None
    server = MetricsServer(registry, port)
    log.info("metrics served on port %s", server.port)
    return server


def _wire(value: object) -> str:
    return str(getattr(value, "value", value))
