"""Worker and scheduler metrics: the pieces that count, on real objects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from messaging import MailboxChanged
from messaging.inprocess import InProcessQueue
from processors.metrics import (
    CountingPublisher,
    MetricsServer,
    SchedulerMetrics,
    WorkerMetrics,
    serve_metrics,
    sync_lag_by_tier,
)
from storage import Tier

pytestmark = pytest.mark.unit

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_sync_lag_is_seconds_since_each_tiers_oldest_sync():
    lag = sync_lag_by_tier({Tier.FREE: NOW - timedelta(minutes=9)}, NOW)

    assert lag == {"free": 9 * 60.0, "premium": 0.0}  # a tier with no synced mailbox: 0


def test_a_sync_stamped_after_the_scrape_reads_as_no_lag():
    assert sync_lag_by_tier({Tier.PREMIUM: NOW + timedelta(seconds=2)}, NOW)["premium"] == 0.0


def test_the_scheduler_counts_what_it_publishes_by_reason():
    queue = InProcessQueue()
    metrics = SchedulerMetrics()
    publisher = CountingPublisher(queue, metrics)
    for reason in ("poll", "poll", "renewal"):
        publisher.publish(MailboxChanged(1, None, reason))

    assert queue.pending() == 3
    value = metrics.registry.get_sample_value
    assert value("applytrack_scheduler_enqueued_total", {"reason": "poll"}) == 2
    assert value("applytrack_scheduler_enqueued_total", {"reason": "renewal"}) == 1


def test_dead_letters_of_the_in_process_queue_are_exposed():
    queue = InProcessQueue(max_delivery_attempts=1)
    metrics = WorkerMetrics()
    metrics.watch_dead_letters(queue.dead_letters)
    queue.publish(MailboxChanged(7, None, "poll"))

    def fail(message: MailboxChanged) -> None:
        raise RuntimeError("the handler broke")

    queue.consume(fail, timeout=0.2)

    assert metrics.registry.get_sample_value("applytrack_dead_letters_total") == 1


def test_metrics_are_served_over_http_and_port_zero_is_off():
    metrics = WorkerMetrics()
    metrics.count_outcome("handed_over")
    assert serve_metrics(metrics.registry, 0) is None
    server = MetricsServer(metrics.registry, 0, host="127.0.0.1")
    try:
        body = requests.get(f"http://127.0.0.1:{server.port}/metrics", timeout=5).text
    finally:
        server.stop()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }
    assert samples[("applytrack_worker_messages_total", (("outcome", "handed_over"),))] == 1
    label_names = {name for (_, labels) in samples for name, _ in labels}
    assert label_names <= {"outcome", "label", "method", "tier", "reason", "le", "cause"}
