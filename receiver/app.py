"""The application factory: the only place the receiver's Flask app is built."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

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
from receiver.live_marker import live_marker
from receiver.mailbox_directory import MailboxDirectory
from receiver.metrics import PushMetrics
from receiver.push_auth import PushAuthenticator
from receiver.sign_in_throttle import SignInThrottle
from storage import Store

log = logging.getLogger(__name__)

# A Gmail notification is ~200 bytes; Pub/Sub's envelope adds a little. Refuse anything huge.
MAX_PUSH_BODY_BYTES = 64 * 1024
# The pages' forms and the JSON API (the error page promises at most 64 KB).
MAX_BODY_BYTES = 64 * 1024


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

    The returned app serves the pages; pushes under `webhook.URL_PREFIX` are handed, before any of
    its hooks run, to a small app of the webhook's own (see `_webhook_app`), with the same
    collaborators. Both are one WSGI callable, so gunicorn and ``app.test_client()`` reach both.
    """
    if publisher is None:
        log.warning("receiver built without a queue publisher: the webhook will answer 503")
    context = ReceiverContext(
        config=config,
        store=store,
        publisher=publisher,
        authenticator=PushAuthenticator(config.push_auth, demo=config.demo),
        metrics=PushMetrics(),
        mailboxes=MailboxDirectory(store),
        gmail_factory=gmail_factory or _real_gmail_factory(config),
        sign_in_throttle=SignInThrottle(
            config.sign_in_limits.failures,
            config.sign_in_limits.storage_uri,
            key=store.sign_in_key,
        ),
    )
    app = _pages_app(config, context)
    app.wsgi_app = PrefixDispatcher(  # type: ignore[method-assign]
        app.wsgi_app, prefix=webhook.URL_PREFIX, prefixed=_webhook_app(config, context)
    )
    return app


def _pages_app(config: ReceiverConfig, context: ReceiverContext) -> Flask:
    """Accounts, Integrations, Filters, dashboard, JSON API and metrics, for people and scrapes."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=config.secret_key,
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
    )
    app.extensions[EXTENSION_KEY] = context
    csrf = CSRFProtect(app)
    csrf.exempt(api.bp)  # the API checks the CSRF header itself, unless an API token is sent
    for blueprint in (
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


def _webhook_app(config: ReceiverConfig, context: ReceiverContext) -> Flask:
    """Only what a push needs: the webhook, JSON errors and the security headers.

    No session, sign-in, CSRF, page hooks or context processors: Pub/Sub authenticates with its
    token and gets no cookie, so a push pays for none of that per-request work. The counters are
    the shared `PushMetrics`, served by the pages' `/metrics`.
    """
    app = Flask(__name__, static_folder=None)
    app.config.update(MAX_CONTENT_LENGTH=MAX_PUSH_BODY_BYTES)
    app.extensions[EXTENSION_KEY] = context
    app.register_blueprint(webhook.bp)
    errors.init_app(app)
    security_headers.init_app(app, oauth_authorize_url=config.gmail.oauth.auth_uri)
    return app


class PrefixDispatcher:
    """One WSGI callable for two apps: paths starting with ``prefix`` go to ``prefixed``.

    Unlike Werkzeug's `DispatcherMiddleware`, the path is passed on unchanged (no ``SCRIPT_NAME``
    shift), so the prefixed app routes and reports the full ``/pubsub/...`` path.
    """

    def __init__(self, default: WSGIApplication, *, prefix: str, prefixed: WSGIApplication) -> None:
        self._default = default
        self._prefix = prefix
        self._prefixed = prefixed

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Hand the request to the app its path belongs to."""
        if environ.get("PATH_INFO", "").startswith(self._prefix):
            return self._prefixed(environ, start_response)
        return self._default(environ, start_response)


def _live_marker_helper() -> dict[str, object]:
    return {"live_marker": live_marker}


def _real_gmail_factory(config: ReceiverConfig) -> MailboxClientFactory:
    """Builds a `GmailClient` for a refresh token, against the configured endpoints."""
    return lambda refresh_token: GmailClient(config.gmail, refresh_token)
