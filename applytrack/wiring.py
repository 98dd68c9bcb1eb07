"""The parts every process shares, built from `Settings`: the store, Gmail's configuration and the
queue. Each process's own parts are joined in a module of its own, so that a process imports only
its own stack (the worker no Flask, the web process no spaCy):

- `applytrack.web_wiring`: the web app (webhook, pages, API);
- `applytrack.worker_wiring`: the worker and the one-mailbox sync;
- `applytrack.scheduler_wiring`: the scheduler.

The demo's local stack and the benches use these same modules, so each runs exactly the same
wiring. The parts themselves take small config objects (`ReceiverConfig`, `SyncPolicy`,
`Schedule`, `GmailConfig`, `PubSubNames`) and their collaborators, never `Settings`.
"""

from __future__ import annotations

from applytrack.settings import Settings
from gmail import GmailConfig, OAuthClientConfig
from messaging import Publisher, Subscriber
from messaging.inprocess import InProcessQueue
from messaging.pubsub import PubSubPublisher, PubSubSubscriber
from storage import Database, FieldCipher, Store


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


def queue_from_settings(settings: Settings) -> tuple[Publisher, Subscriber]:
    """The publisher and subscriber of the configured backend (one object for in-process)."""
    if settings.queue_backend == "inprocess":
        local = InProcessQueue()
        return local, local
    names = settings.pubsub
    publisher = PubSubPublisher(names.project, names.internal_topic)
    subscriber = PubSubSubscriber(names.project, names.internal_subscription, hand_back=publisher)
    return publisher, subscriber
