"""The worker process's parts, built from `Settings`: the syncer (also `applytrack sync`'s) and
the worker around it. Nothing here imports the web stack."""

from __future__ import annotations

from applytrack.settings import Settings
from applytrack.wiring import gmail_config, store_from_settings
from classifier import Classifier, load_classifier
from gmail import MailboxConnector
from messaging import Subscriber
from messaging.inprocess import InProcessQueue
from processors import (
    BreakerPolicy,
    CircuitBreaker,
    MailboxSyncer,
    QuotaPolicy,
    SyncPolicy,
    Worker,
    WorkerMetrics,
    worker_id,
)
from processors.sync import MailboxOpener, ProgressCallback, SyncStore
from storage import Store


def sync_policy(settings: Settings, *, worker: str | None = None) -> SyncPolicy:
    """The knobs of a sync."""
    return SyncPolicy(
        worker_id=worker or worker_id(),
        confidence_threshold=settings.confidence_threshold,
        lease_seconds=settings.lease_seconds,
        initial_days_free=settings.initial_sync_days_free,
        initial_days_premium=settings.initial_sync_days_premium,
        watch_topic=settings.pubsub.gmail_topic_path,
        watch_renew_before_seconds=settings.watch_renew_before_seconds,
        quota=QuotaPolicy(units_per_second=settings.gmail_quota_units_per_second),
    )


def mailbox_connector(settings: Settings, *, metrics: WorkerMetrics | None = None) -> MailboxOpener:
    """Opens Gmail for one mailbox at a time, with cached credentials and kept-alive connections."""
    return MailboxConnector(gmail_config(settings), observer=metrics).open


def build_syncer(
    settings: Settings,
    *,
    store: SyncStore | None = None,
    classifier: Classifier | None = None,
    open_mailbox: MailboxOpener | None = None,
    worker: str | None = None,
    metrics: WorkerMetrics | None = None,
    on_progress: ProgressCallback | None = None,
) -> MailboxSyncer:
    """The syncer of a worker process (or of `applytrack sync`); collaborators may be passed in."""
    return MailboxSyncer(
        store or store_from_settings(settings),
        classifier or load_classifier(settings.classifier_model_path),
        open_mailbox or mailbox_connector(settings, metrics=metrics),
        sync_policy(settings, worker=worker),
        observer=metrics,
        on_progress=on_progress,
    )


def build_worker(
    settings: Settings,
    *,
    subscriber: Subscriber,
    store: Store | None = None,
    classifier: Classifier | None = None,
    open_mailbox: MailboxOpener | None = None,
    worker: str | None = None,
    metrics: WorkerMetrics | None = None,
) -> Worker:
    """Assemble a worker; with ``metrics`` it counts its messages, Gmail calls, classifications
    and events, and the registry reports sync lag per tier (and the in-process dead letters).
    Its circuit breaker probes the database with a ping."""
    store = store or store_from_settings(settings)
    if metrics is not None:
        metrics.watch_sync_lag(store)
        if isinstance(subscriber, InProcessQueue):
            metrics.watch_dead_letters(subscriber.dead_letters)
    syncer = build_syncer(
        settings,
        store=store,
        classifier=classifier,
        open_mailbox=open_mailbox,
        worker=worker,
        metrics=metrics,
    )
    breaker = CircuitBreaker(BreakerPolicy(), probe_database=store.database.ping, observer=metrics)
    return Worker(subscriber=subscriber, syncer=syncer, metrics=metrics, breaker=breaker)
