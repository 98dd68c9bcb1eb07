"""Builds a worker from settings: subscriber, Gmail factory, store and classifier, passed in."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import httplib2
from google.oauth2.credentials import Credentials
from googleapiclient.http import build_http

from applytrack.gmail import GmailClient, GmailConfig, QuotaGate, gmail_config, user_credentials
from applytrack.messaging import MailboxChanged, Subscriber
from applytrack.settings import Settings
from classifier import Classifier, load_classifier
from processors.metrics import MeteredGmailClient, MeteredStore, WorkerMetrics
from processors.quota import QuotaPolicy
from processors.sync import GmailFactory, MailboxBusy, MailboxSyncer, SyncInterrupted, SyncPolicy
from storage import Database, FieldCipher, MailboxView, Store

log = logging.getLogger(__name__)


def worker_id() -> str:
    """A name for this worker process that is unique across machines."""
    return f"{socket.gethostname()}:{os.getpid()}"


def gmail_factory(settings: Settings, *, metrics: WorkerMetrics | None = None) -> GmailFactory:
    """A function that opens a Gmail client for one mailbox, under the quota gate it is given.

    With ``metrics``, the client counts its calls by method and its rate-limited answers.
    """
    config = gmail_config(settings)
    credentials = CredentialsCache(config)
    connections = threading.local()

    def open_mailbox(mailbox: MailboxView, refresh_token: str, quota: QuotaGate) -> GmailClient:
        cached = credentials.get(mailbox.id, refresh_token)
        client = MeteredGmailClient if metrics is not None else GmailClient
        extra = {"metrics": metrics} if metrics is not None else {}
        return client(
            config,
            refresh_token,
            quota=quota,
            credentials=cached,
            connection=_thread_connection(connections),
            **extra,
        )

    return open_mailbox


def _thread_connection(connections: threading.local) -> httplib2.Http:
    """This thread's kept-alive connection to Gmail: a sync after the first skips the TCP and
    TLS handshakes. One per thread, because an `httplib2.Http` must not be shared."""
    if getattr(connections, "http", None) is None:
        connections.http = build_http()
    return connections.http


class CredentialsCache:
    """Keeps each mailbox's credentials between syncs, so an access token is refreshed once an
    hour instead of once a sync. Bounded; a changed refresh token replaces the entry."""

    def __init__(self, config: GmailConfig, *, size: int = 2048) -> None:
        self._config = config
        self._size = size
        self._entries: OrderedDict[int, tuple[str, Credentials]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, mailbox_id: int, refresh_token: str) -> Credentials:
        """The cached credentials for this mailbox and token, or new ones."""
        with self._lock:
            entry = self._entries.get(mailbox_id)
            if entry is None or entry[0] != refresh_token:
                entry = (refresh_token, user_credentials(self._config, refresh_token))
            self._entries[mailbox_id] = entry
            self._entries.move_to_end(mailbox_id)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
            return entry[1]


def store_from_settings(settings: Settings) -> Store:
    """The data-access API on the configured database, with the configured keys."""
    cipher = FieldCipher(settings.encryption_keys, settings.active_key_id, settings.fingerprint_key)
    return Store(Database(settings.database_url), cipher)


def sync_policy(settings: Settings, *, worker: str | None = None) -> SyncPolicy:
    """The sync knobs from settings."""
    return SyncPolicy(
        worker_id=worker or worker_id(),
        confidence_threshold=settings.confidence_threshold,
        lease_seconds=settings.lease_seconds,
        initial_days_free=settings.initial_sync_days_free,
        initial_days_premium=settings.initial_sync_days_premium,
        watch_topic=f"projects/{settings.pubsub_project}/topics/{settings.gmail_topic}",
        watch_renew_before_seconds=settings.watch_renew_before_seconds,
        quota=QuotaPolicy(units_per_second=settings.gmail_quota_units_per_second),
    )


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


def build_worker(
    settings: Settings,
    *,
    subscriber: Subscriber,
    store: Store | None = None,
    classifier: Classifier | None = None,
    open_gmail: GmailFactory | None = None,
    worker: str | None = None,
    metrics: WorkerMetrics | None = None,
) -> Worker:
    """Assemble a worker; every collaborator can be handed in, the rest comes from settings.

    With ``metrics``, the worker counts its messages, Gmail calls, classifications and events,
    and the registry reports sync lag per tier (and the in-process queue's dead letters).
    """
    store = store or store_from_settings(settings)
    syncer_store: Store = store
    if metrics is not None:
        metrics.watch_sync_lag(store)
        dead_letters = getattr(subscriber, "dead_letters", None)
        if dead_letters is not None:
            metrics.watch_dead_letters(dead_letters)
        syncer_store = MeteredStore(store, metrics)  # type: ignore[assignment]
    syncer = MailboxSyncer(
        syncer_store,
        classifier or load_classifier(settings.classifier_model_path),
        open_gmail or gmail_factory(settings, metrics=metrics),
        sync_policy(settings, worker=worker),
    )
    return Worker(subscriber=subscriber, syncer=syncer, metrics=metrics)


def _outcome(skipped: bool) -> str:
    return "skipped" if skipped else "synced"
