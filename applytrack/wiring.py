"""Builds every process's parts from `Settings`: the one place where they are joined.

The web app, the worker, the scheduler, the one-mailbox sync, the demo's local stack and the
benches all come from here, so each runs exactly the same wiring. The parts themselves take small
config objects (`ReceiverConfig`, `SyncPolicy`, `Schedule`, `GmailConfig`, `PubSubNames`) and
their collaborators, never `Settings`.
"""

from __future__ import annotations

from dataclasses import replace

from flask import Flask

from applytrack.settings import Settings
from classifier import Classifier, load_classifier
from gmail import GmailConfig, MailboxConnector, OAuthClientConfig
from messaging import Publisher, Subscriber
from messaging.admin import PushIdentity
from messaging.inprocess import InProcessQueue
from messaging.pubsub import PubSubPublisher, PubSubSubscriber
from processors import (
    BreakerPolicy,
    CircuitBreaker,
    MailboxSyncer,
    QuotaPolicy,
    Schedule,
    Scheduler,
    SchedulerMetrics,
    SyncPolicy,
    Worker,
    WorkerMetrics,
    worker_id,
)
from processors.metrics import CountingPublisher
from processors.sync import MailboxOpener, ProgressCallback, SyncStore
from receiver import create_app
from receiver.config import PollingIntervals, PushAuthConfig, ReceiverConfig, SignInLimits
from storage import Database, FieldCipher, Store

INTERACTIVE_GMAIL_ATTEMPTS = 3
INTERACTIVE_GMAIL_BACKOFF_SECONDS = 2.0


def store_from_settings(settings: Settings) -> Store:
    """The data-access API on the configured database, with the configured keys."""
    return Store(Database(settings.database_url), field_cipher(settings))


def field_cipher(settings: Settings) -> FieldCipher:
    """The field encryption with every configured key (the active one writes)."""
    return FieldCipher(settings.encryption_keys, settings.active_key_id, settings.fingerprint_key)


def oauth_client(settings: Settings) -> OAuthClientConfig:
    """The OAuth client and Google's (or the sandbox's) OAuth endpoints."""
    return OAuthClientConfig(
        client_id=settings.oauth_client_id,
        client_secret=settings.oauth_client_secret,
        auth_uri=settings.oauth_auth_uri,
        token_uri=settings.oauth_token_uri,
        revoke_uri=settings.oauth_revoke_uri,
    )


def gmail_config(settings: Settings) -> GmailConfig:
    """Where Gmail is, the OAuth client, and how hard to retry."""
    return GmailConfig(
        api_endpoint=settings.gmail_api_endpoint,
        oauth=oauth_client(settings),
        batch_size=settings.gmail_batch_size,
        max_attempts=settings.gmail_max_attempts,
    )


def interactive_gmail_config(settings: Settings) -> GmailConfig:
    """The web process's Gmail calls: a person is waiting, so a few short retries, then the page
    says Gmail could not be reached (the worker keeps the patient policy)."""
    return replace(
        gmail_config(settings),
        max_attempts=min(settings.gmail_max_attempts, INTERACTIVE_GMAIL_ATTEMPTS),
        max_backoff_seconds=INTERACTIVE_GMAIL_BACKOFF_SECONDS,
    )


def push_auth(settings: Settings) -> PushAuthConfig:
    """How the webhook recognises Pub/Sub's pushes."""
    return PushAuthConfig(
        audience=settings.push_audience,
        service_account=settings.push_service_account,
        certs_url=settings.push_certs_url,
        issuers=settings.push_issuers,
        shared_token=settings.push_shared_token,
    )


def push_identity(settings: Settings) -> PushIdentity | None:
    """The OIDC identity Pub/Sub pushes as, when one is configured."""
    if settings.push_service_account and settings.push_audience:
        return PushIdentity(settings.push_service_account, settings.push_audience)
    return None


def receiver_config(settings: Settings) -> ReceiverConfig:
    """What the web process needs to know."""
    return ReceiverConfig(
        secret_key=settings.secret_key,
        gmail=interactive_gmail_config(settings),
        push_auth=push_auth(settings),
        polling=PollingIntervals(
            free_poll_seconds=settings.free_poll_interval_seconds,
            premium_sweep_seconds=settings.premium_sweep_interval_seconds,
        ),
        sign_in_limits=SignInLimits(
            failures=settings.sign_in_failure_limits,
            storage_uri=settings.rate_limit_storage_uri,
        ),
        default_tier=settings.default_tier,
        first_sync_days_free=settings.initial_sync_days_free,
        first_sync_days_premium=settings.initial_sync_days_premium,
        prometheus_multiproc_dir=settings.prometheus_multiproc_dir,
        metrics_token=settings.metrics_token,
        demo=settings.demo,
    )


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


def schedule(settings: Settings) -> Schedule:
    """How often the scheduler looks at each tier."""
    return Schedule(
        free_poll_seconds=settings.free_poll_interval_seconds,
        premium_sweep_seconds=settings.premium_sweep_interval_seconds,
        watch_renew_before_seconds=settings.watch_renew_before_seconds,
        behind_sweep_seconds=settings.behind_sweep_interval_seconds,
    )


def queue_from_settings(settings: Settings) -> tuple[Publisher, Subscriber]:
    """The publisher and subscriber of the configured backend (one object for in-process)."""
    if settings.queue_backend == "inprocess":
        local = InProcessQueue()
        return local, local
    names = settings.pubsub
    publisher = PubSubPublisher(names.project, names.internal_topic)
    subscriber = PubSubSubscriber(names.project, names.internal_subscription, hand_back=publisher)
    return publisher, subscriber


def build_web_app(
    settings: Settings, *, store: Store | None = None, publisher: Publisher | None = None
) -> Flask:
    """The receiver (webhook, pages, API) on the configured database and queue."""
    if publisher is None:
        publisher, _ = queue_from_settings(settings)
    return create_app(
        receiver_config(settings),
        store=store or store_from_settings(settings),
        publisher=publisher,
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


def build_scheduler(
    settings: Settings,
    *,
    publisher: Publisher,
    store: Store | None = None,
    metrics: SchedulerMetrics | None = None,
) -> Scheduler:
    """The scheduler: polls, watch renewals and the backlog sweep, published through
    ``publisher``; with ``metrics`` it counts them and shows the backlog."""
    counted: Publisher = publisher if metrics is None else CountingPublisher(publisher, metrics)
    return Scheduler(
        store or store_from_settings(settings), counted, schedule(settings), observer=metrics
    )
