"""The web process's parts, built from `Settings`: the receiver (webhook, pages, JSON API)."""

from __future__ import annotations

from dataclasses import replace

from flask import Flask

from applytrack.settings import Settings
from applytrack.wiring import gmail_config, queue_from_settings, store_from_settings
from gmail import GmailConfig
from messaging import Publisher
from receiver import create_app
from receiver.config import PollingIntervals, PushAuthConfig, ReceiverConfig, SignInLimits
from storage import Store

INTERACTIVE_GMAIL_ATTEMPTS = 3
INTERACTIVE_GMAIL_BACKOFF_SECONDS = 2.0


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
