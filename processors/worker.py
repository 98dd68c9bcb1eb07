"""Builds a worker from settings: subscriber, Gmail factory, store and classifier, passed in."""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass

from applytrack.gmail import GmailClient, gmail_config
from applytrack.messaging import MailboxChanged, Subscriber
from applytrack.settings import Settings
from classifier import Classifier, load_classifier
from processors.quota import MailboxQuota, QuotaPolicy
from processors.sync import GmailFactory, MailboxSyncer, SyncPolicy
from storage import Database, FieldCipher, MailboxView, QuotaLedger, Store

log = logging.getLogger(__name__)


def worker_id() -> str:
    """A name for this worker process that is unique across machines."""
    return f"{socket.gethostname()}:{os.getpid()}"


def gmail_factory(settings: Settings, database: Database) -> GmailFactory:
    """A function that opens a Gmail client for one mailbox, under its shared quota."""
    config = gmail_config(settings)
    ledger = QuotaLedger(database)
    policy = QuotaPolicy(units_per_second=settings.gmail_quota_units_per_second)

    def open_mailbox(mailbox: MailboxView, refresh_token: str) -> GmailClient:
        quota = MailboxQuota(ledger, mailbox.id, policy)
        return GmailClient(config, refresh_token, quota=quota)

    return open_mailbox


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
    )


@dataclass
class Worker:
    """Consumes `mailbox-changed` and syncs each mailbox."""

    subscriber: Subscriber
    syncer: MailboxSyncer

    def handle(self, message: MailboxChanged) -> None:
        """Sync one mailbox; an exception sends the message back to the queue."""
        result = self.syncer.handle(message)
        log.info(
            "synced mailbox %s: %s messages, %s events%s",
            result.mailbox_id,
            result.messages_seen,
            result.events_written,
            " (skipped)" if result.skipped else "",
        )

    def run(self, *, max_messages: int | None = None, timeout: float | None = None) -> int:
        """Consume until stopped, or (burst mode) until ``max_messages`` or ``timeout`` idle."""
        return self.subscriber.consume(self.handle, max_messages=max_messages, timeout=timeout)

    def run_once(self, *, timeout: float = 2.0) -> int:
        """Drain what is queued now and return how many messages were handled."""
        return self.run(timeout=timeout)

    def stop(self) -> None:
        """Stop: the sync in hand stops after its chunk and its message goes back to the queue."""
        self.syncer.interrupt()
        self.subscriber.stop()


def build_worker(
    settings: Settings,
    *,
    subscriber: Subscriber,
    store: Store | None = None,
    classifier: Classifier | None = None,
    open_gmail: GmailFactory | None = None,
    worker: str | None = None,
) -> Worker:
    """Assemble a worker; every collaborator can be handed in, the rest comes from settings."""
    store = store or store_from_settings(settings)
    syncer = MailboxSyncer(
        store,
        classifier or load_classifier(settings.classifier_model_path),
        open_gmail or gmail_factory(settings, store.database),
        sync_policy(settings, worker=worker),
    )
    return Worker(subscriber=subscriber, syncer=syncer)
