"""What the web process needs to know, built by the composition root from its settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from gmail import GmailConfig

GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"
GOOGLE_ISSUERS = ("https://accounts.google.com", "accounts.google.com")


@dataclass(frozen=True)
class PushAuthConfig:
    """How the webhook recognises Pub/Sub: Google's OIDC token, or the emulator's shared token."""

    audience: str | None = None
    service_account: str | None = None
    certs_url: str = GOOGLE_CERTS_URL
    issuers: tuple[str, ...] = GOOGLE_ISSUERS
    shared_token: str | None = None

    @property
    def oidc(self) -> bool:
        """True when Google's signed push token is checked."""
        return bool(self.audience and self.service_account)

    @property
    def configured(self) -> bool:
        """True when pushes can be authenticated at all (OIDC or shared token)."""
        return self.oidc or bool(self.shared_token)


@dataclass(frozen=True)
class PollingIntervals:
    """How often each sync tier is looked at, as the Integrations page describes it."""

    free_poll_seconds: int = 300
    premium_sweep_seconds: int = 1800


@dataclass(frozen=True)
class SignInLimits:
    """Failed sign-ins allowed per email address (`limits` notation), and where they are counted."""

    failures: str = "5 per minute;20 per hour"
    storage_uri: str = "memory://"


@dataclass(frozen=True)
class ReceiverConfig:
    """Everything `create_app` reads: secrets, Google endpoints, push auth and the page texts."""

    secret_key: str
    gmail: GmailConfig
    push_auth: PushAuthConfig = field(default_factory=PushAuthConfig)
    polling: PollingIntervals = field(default_factory=PollingIntervals)
    sign_in_limits: SignInLimits = field(default_factory=SignInLimits)
    default_tier: str = "free"  # the sync tier offered first: "premium" or "free"
    # How many days back a mailbox's first sync reads, per sync tier (the worker's
    # INITIAL_SYNC_DAYS_*): the deeper scan reads only what is older.
    first_sync_days_free: int = 30
    first_sync_days_premium: int = 90
    prometheus_multiproc_dir: str | None = None  # under gunicorn: counters shared by workers
    metrics_token: str | None = None  # the bearer token /metrics needs; None: /metrics is 404
    demo: bool = False  # the demo signs its user in on loopback and accepts open pushes
