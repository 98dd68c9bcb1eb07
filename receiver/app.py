"""The application factory: the only place the receiver's Flask app is built."""

from __future__ import annotations

import logging

from flask import Flask

from applytrack.messaging import Publisher
from applytrack.settings import Settings
from receiver import api, current_user, dashboard, errors, metrics, webhook
from receiver.context import EXTENSION_KEY, ReceiverContext
from receiver.mailbox_directory import MailboxDirectory
from receiver.metrics import PushMetrics
from receiver.push_auth import PushAuthenticator
from storage import Database, FieldCipher, Store

log = logging.getLogger(__name__)

# A Gmail notification is ~200 bytes; Pub/Sub's envelope adds a little. Refuse anything huge.
MAX_PUSH_BODY_BYTES = 64 * 1024


def create_app(
    settings: Settings, *, store: Store | None = None, publisher: Publisher | None = None
) -> Flask:
    """Build the receiver: push webhook, dashboard, JSON API, metrics and health check."""
    authenticator = PushAuthenticator(settings)
    app = Flask(__name__)
    app.config.update(SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=MAX_PUSH_BODY_BYTES)
    if publisher is None:
        log.warning("receiver built without a queue publisher: the webhook will answer 503")
    store = store if store is not None else store_from_settings(settings)
    app.extensions[EXTENSION_KEY] = ReceiverContext(
        settings=settings,
        store=store,
        publisher=publisher,
        authenticator=authenticator,
        metrics=PushMetrics(),
        mailboxes=MailboxDirectory(store),
    )
    app.register_blueprint(webhook.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(api.bp)
    metrics.init_app(app)
    errors.init_app(app)
    current_user.init_app(app, demo=settings.demo)
    return app


def store_from_settings(settings: Settings) -> Store:
    """A `Store` on the configured database with the configured encryption keys."""
    cipher = FieldCipher(settings.encryption_keys, settings.active_key_id, settings.fingerprint_key)
    return Store(Database(settings.database_url), cipher)
