"""The application factory: the only place the receiver's Flask app is built."""

from __future__ import annotations

import logging

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from gmail import GmailClient
from messaging import Publisher
from receiver import (
    accounts,
    api,
    current_user,
    dashboard,
    errors,
    filters_page,
    integrations,
    metrics,
    security_headers,
    session_cookies,
    webhook,
)
from receiver.config import ReceiverConfig
from receiver.context import EXTENSION_KEY, MailboxClientFactory, ReceiverContext
from receiver.context import receiver_context as app_context
from receiver.mailbox_directory import MailboxDirectory
from receiver.metrics import PushMetrics
from receiver.push_auth import PushAuthenticator
from receiver.sign_in_throttle import SignInThrottle
from storage import Store

log = logging.getLogger(__name__)

# A Gmail notification is ~200 bytes; Pub/Sub's envelope adds a little. Refuse anything huge.
MAX_PUSH_BODY_BYTES = 64 * 1024


def create_app(
    config: ReceiverConfig,
    *,
    store: Store,
    publisher: Publisher | None = None,
    gmail_factory: MailboxClientFactory | None = None,
) -> Flask:
    """Build the receiver: accounts, Integrations, dashboard, JSON API, webhook and metrics.

    ``gmail_factory`` opens a Gmail client for a refresh token (default: the real client on
    ``config.gmail``); without a ``publisher`` the webhook and Sync Now answer 503.
    """
    authenticator = PushAuthenticator(config.push_auth, demo=config.demo)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=config.secret_key,
        MAX_CONTENT_LENGTH=MAX_PUSH_BODY_BYTES,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
    )
    if publisher is None:
        log.warning("receiver built without a queue publisher: the webhook will answer 503")
    app.extensions[EXTENSION_KEY] = ReceiverContext(
        config=config,
        store=store,
        publisher=publisher,
        authenticator=authenticator,
        metrics=PushMetrics(),
        mailboxes=MailboxDirectory(store),
        gmail_factory=gmail_factory or _real_gmail_factory(config),
        sign_in_throttle=SignInThrottle(
            config.sign_in_limits.failures,
            config.sign_in_limits.storage_uri,
            key=store.sign_in_key,
        ),
    )
    csrf = CSRFProtect(app)
    csrf.exempt(webhook.bp)  # Pub/Sub authenticates with its token, not a browser session
    csrf.exempt(api.bp)  # the API checks the CSRF header itself, unless an API token is sent
    for blueprint in (
        webhook.bp,
        accounts.bp,
        integrations.bp,
        filters_page.bp,
        dashboard.bp,
        api.bp,
    ):
        app.register_blueprint(blueprint)
    metrics.init_app(app)
    errors.init_app(app)
    current_user.init_app(app, demo=config.demo)
    session_cookies.init_app(app)
    security_headers.init_app(app, oauth_authorize_url=config.gmail.oauth.auth_uri)
    app.context_processor(_live_marker_helper)
    return app


def _live_marker_helper() -> dict[str, object]:
    def live_marker() -> str:
        user_id = current_user.current_user_id()
        if user_id is None:
            return ""
        return app_context().store.change_marker(user_id)

    return {"live_marker": live_marker}


def _real_gmail_factory(config: ReceiverConfig) -> MailboxClientFactory:
    """Builds a `GmailClient` for a refresh token, against the configured endpoints."""
    return lambda refresh_token: GmailClient(config.gmail, refresh_token)
