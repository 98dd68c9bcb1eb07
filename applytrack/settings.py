"""The one place where environment variables are read and typed.

`applytrack.wiring` turns a `Settings` into the small config objects each process's parts take;
nothing else reads ``os.environ``. A missing or malformed value raises `SettingsError` at start-up
with a sentence that names the variable.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from limits import parse_many

from messaging.admin import PubSubNames, PushIdentity

GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"
GOOGLE_ISSUERS = ("https://accounts.google.com", "accounts.google.com")
MIN_METRICS_TOKEN_LENGTH = 16


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable and the fix."""


@dataclass(frozen=True)
class Settings:
    """Typed configuration for every ApplyTrack process."""

    database_url: str
    encryption_keys: Mapping[str, bytes]
    active_key_id: str
    fingerprint_key: bytes
    secret_key: str

    queue_backend: str = "inprocess"  # "inprocess" or "pubsub"
    pubsub: PubSubNames = field(default_factory=PubSubNames)

    push_audience: str | None = None
    push_service_account: str | None = None
    push_certs_url: str = GOOGLE_CERTS_URL
    push_issuers: tuple[str, ...] = GOOGLE_ISSUERS
    push_shared_token: str | None = None

    gmail_api_endpoint: str = "https://gmail.googleapis.com"
    oauth_auth_uri: str = "https://accounts.google.com/o/oauth2/auth"
    oauth_token_uri: str = "https://oauth2.googleapis.com/token"
    oauth_revoke_uri: str = "https://oauth2.googleapis.com/revoke"
    oauth_client_id: str = "applytrack-local-client"
    oauth_client_secret: str = "applytrack-local-secret"

    free_poll_interval_seconds: int = 300
    premium_sweep_interval_seconds: int = 1800
    watch_renew_before_seconds: int = 86400
    # How often the scheduler syncs mailboxes left behind their wanted history id (no live lease).
    behind_sweep_interval_seconds: int = 60
    initial_sync_days_free: int = 30
    initial_sync_days_premium: int = 90
    confidence_threshold: float = 0.6
    lease_seconds: int = 120
    gmail_quota_units_per_second: float = 250.0
    gmail_batch_size: int = 10
    gmail_max_attempts: int = 8
    classifier_model_path: str | None = None
    default_tier: str = "free"  # the sync tier a newly connected mailbox gets: "premium" or "free"
    metrics_port: int = 0  # worker/scheduler Prometheus endpoint; 0 = off
    # The bearer token a scrape of the web process's /metrics must carry; None: /metrics is 404.
    metrics_token: str | None = None
    prometheus_multiproc_dir: str | None = None  # set under gunicorn: counters shared by workers
    # Failed sign-ins allowed per email address (`limits` notation), and where they are counted.
    sign_in_failure_limits: str = "5 per minute;20 per hour"
    rate_limit_storage_uri: str = "memory://"
    # Every process's logging (LOG_LEVEL, LOG_FORMAT; an applytrack command's flags override them).
    log_level: str = "INFO"
    log_format: str = "json"

    demo: bool = False

    @property
    def push_auth_configured(self) -> bool:
        """True when the webhook can authenticate pushes (OIDC or shared token)."""
        oidc = bool(self.push_audience and self.push_service_account)
        return oidc or bool(self.push_shared_token)

    def replace(self, **changes: object) -> Settings:
        """Return a copy with some fields changed (tests and the demo use this)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Read and type every ApplyTrack variable from ``environ``."""
        env = _Env(environ)
        keys = env.keys("APPLYTRACK_ENCRYPTION_KEYS")
        active = env.text("APPLYTRACK_ACTIVE_KEY_ID", next(iter(keys)))
        if active not in keys:
            raise SettingsError(
                f"APPLYTRACK_ACTIVE_KEY_ID is {active!r}, but APPLYTRACK_ENCRYPTION_KEYS has "
                f"no key with that id (it has: {', '.join(keys)})."
            )
        queue_backend = env.choice("APPLYTRACK_QUEUE", ("inprocess", "pubsub"), "pubsub")
        pubsub = pubsub_names_from_env(environ, project_required=queue_backend == "pubsub")
        log_level, log_format = log_options(environ)
        settings = cls(
            database_url=env.required("DATABASE_URL"),
            encryption_keys=keys,
            active_key_id=active,
            fingerprint_key=env.key("APPLYTRACK_FINGERPRINT_KEY"),
            secret_key=env.required("APPLYTRACK_SECRET_KEY"),
            queue_backend=queue_backend,
            pubsub=pubsub,
            push_audience=env.optional("GMAIL_PUSH_AUDIENCE"),
            push_service_account=env.optional("GMAIL_PUSH_SERVICE_ACCOUNT"),
            push_certs_url=env.url("GOOGLE_CERTS_URL", GOOGLE_CERTS_URL),
            push_shared_token=env.optional("GMAIL_PUSH_TOKEN"),
            gmail_api_endpoint=env.url("GMAIL_API_ENDPOINT", cls.gmail_api_endpoint),
            oauth_auth_uri=env.url("GOOGLE_AUTH_URI", cls.oauth_auth_uri),
            oauth_token_uri=env.url("GOOGLE_TOKEN_URI", cls.oauth_token_uri),
            oauth_revoke_uri=env.url("GOOGLE_REVOKE_URI", cls.oauth_revoke_uri),
            oauth_client_id=env.required("GOOGLE_OAUTH_CLIENT_ID"),
            oauth_client_secret=env.required("GOOGLE_OAUTH_CLIENT_SECRET"),
            free_poll_interval_seconds=env.whole(
                "FREE_POLL_INTERVAL_SECONDS", 300, low=60, high=3600
            ),
            premium_sweep_interval_seconds=env.whole(
                "PREMIUM_SWEEP_INTERVAL_SECONDS", 1800, low=60, high=86400
            ),
            watch_renew_before_seconds=env.whole(
                "WATCH_RENEW_BEFORE_SECONDS", 86400, low=60, high=6 * 86400
            ),
            behind_sweep_interval_seconds=env.whole(
                "BEHIND_SWEEP_INTERVAL_SECONDS", 60, low=5, high=3600
            ),
            initial_sync_days_free=env.whole("INITIAL_SYNC_DAYS_FREE", 30, low=1, high=90),
            initial_sync_days_premium=env.whole("INITIAL_SYNC_DAYS_PREMIUM", 90, low=1, high=90),
            confidence_threshold=env.number(
                "CLASSIFIER_CONFIDENCE_THRESHOLD", 0.6, low=0.0, high=1.0
            ),
            lease_seconds=env.whole("MAILBOX_LEASE_SECONDS", 120, low=5, high=3600),
            gmail_quota_units_per_second=env.number(
                "GMAIL_QUOTA_UNITS_PER_SECOND", 250.0, low=1.0, high=100_000.0
            ),
            gmail_batch_size=env.whole("GMAIL_BATCH_SIZE", 10, low=1, high=50),
            gmail_max_attempts=env.whole("GMAIL_MAX_ATTEMPTS", 8, low=1, high=20),
            classifier_model_path=env.optional("CLASSIFIER_MODEL_PATH"),
            default_tier=env.choice("APPLYTRACK_DEFAULT_TIER", ("premium", "free"), "free"),
            metrics_port=env.whole("METRICS_PORT", 0, low=0, high=65535),
            metrics_token=env.secret("METRICS_TOKEN", min_length=MIN_METRICS_TOKEN_LENGTH),
            prometheus_multiproc_dir=env.optional("PROMETHEUS_MULTIPROC_DIR"),
            sign_in_failure_limits=env.rate_limits(
                "SIGN_IN_FAILURE_LIMITS", cls.sign_in_failure_limits
            ),
            rate_limit_storage_uri=environ.get("RATE_LIMIT_STORAGE_URI")
            or cls.rate_limit_storage_uri,
            log_level=log_level,
            log_format=log_format,
        )
        return settings

    @classmethod
    def embedded(cls, state_dir: Path, **overrides: object) -> Settings:
        """Embedded defaults for the demo: SQLite and keys in ``state_dir``, in-process queue.

        The keys are created once and kept in ``state_dir/keys.json``, so that a resumed demo
        can still read what it wrote.
        """
        state_dir.mkdir(parents=True, exist_ok=True)
        keys = _load_or_create_demo_keys(state_dir / "keys.json")
        values: dict[str, object] = {
            "database_url": f"sqlite:///{state_dir / 'applytrack.db'}",
            "encryption_keys": {"demo-1": keys["encryption"]},
            "active_key_id": "demo-1",
            "fingerprint_key": keys["fingerprint"],
            "secret_key": base64.urlsafe_b64encode(keys["session"]).decode(),
            "queue_backend": "inprocess",
            "default_tier": "premium",
            "demo": True,
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


def _load_or_create_demo_keys(path: Path) -> dict[str, bytes]:
    names = ("encryption", "fingerprint", "session")
    if path.exists():
        stored = json.loads(path.read_text())
        return {name: base64.b64decode(stored[name]) for name in names}
    keys = {name: os.urandom(32) for name in names}
    path.write_text(json.dumps({name: base64.b64encode(v).decode() for name, v in keys.items()}))
    path.chmod(0o600)
    return keys


def pubsub_names_from_env(
    environ: Mapping[str, str], *, project_required: bool = True
) -> PubSubNames:
    """The Pub/Sub project and resource names (all the `applytrack pubsub` tools need)."""
    env = _Env(environ)
    project = environ.get("PUBSUB_PROJECT") or environ.get("GOOGLE_CLOUD_PROJECT") or ""
    if project_required and len(project.strip()) < 6:
        raise SettingsError(
            "PUBSUB_PROJECT (or GOOGLE_CLOUD_PROJECT) must name a Google Cloud project of at "
            "least 6 characters when Pub/Sub is used (APPLYTRACK_QUEUE=pubsub, the pubsub tools)."
        )
    defaults = PubSubNames()
    return PubSubNames(
        project=project.strip() or defaults.project,
        gmail_topic=env.name("GMAIL_PUBSUB_TOPIC", defaults.gmail_topic),
        gmail_push_subscription=env.name(
            "GMAIL_PUSH_SUBSCRIPTION", defaults.gmail_push_subscription
        ),
        gmail_dead_letter_topic=env.name(
            "GMAIL_DEAD_LETTER_TOPIC", defaults.gmail_dead_letter_topic
        ),
        internal_topic=env.name("INTERNAL_PUBSUB_TOPIC", defaults.internal_topic),
        internal_subscription=env.name("INTERNAL_SUBSCRIPTION", defaults.internal_subscription),
        internal_dead_letter_topic=env.name(
            "INTERNAL_DEAD_LETTER_TOPIC", defaults.internal_dead_letter_topic
        ),
    )


def push_identity_from_env(environ: Mapping[str, str]) -> PushIdentity | None:
    """Who Pub/Sub pushes as (GMAIL_PUSH_SERVICE_ACCOUNT) for which audience
    (GMAIL_PUSH_AUDIENCE); None unless both are set."""
    env = _Env(environ)
    service_account = env.optional("GMAIL_PUSH_SERVICE_ACCOUNT")
    audience = env.optional("GMAIL_PUSH_AUDIENCE")
    if service_account and audience:
        return PushIdentity(service_account, audience)
    return None


def log_options(environ: Mapping[str, str]) -> tuple[str, str]:
    """``LOG_LEVEL`` and ``LOG_FORMAT`` (INFO and json by default), checked: every process, the
    web one under gunicorn and each `applytrack` command, logs as they say."""
    env = _Env(environ)
    return (
        env.choice("LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO"),
        env.choice("LOG_FORMAT", ("json", "text"), "json"),
    )


class _Env:
    """Typed readers over a mapping; every error names the variable."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def _get(self, name: str) -> str | None:
        value = self._environ.get(name)
        return value.strip() if value is not None and value.strip() else None

    def required(self, name: str) -> str:
        value = self._get(name)
        if value is None:
            raise SettingsError(f"{name} is not set: ApplyTrack cannot start without it.")
        return value

    def optional(self, name: str) -> str | None:
        return self._get(name)

    def secret(self, name: str, *, min_length: int) -> str | None:
        value = self._get(name)
        if value is not None and (len(value) < min_length or any(c.isspace() for c in value)):
            raise SettingsError(
                f"{name} must be at least {min_length} characters with no spaces "
                "(generate one with: openssl rand -hex 32)."
            )
        return value

    def text(self, name: str, default: str) -> str:
        return self._get(name) or default

    def rate_limits(self, name: str, default: str) -> str:
        value = self._get(name) or default
        try:
            parse_many(value)
        except ValueError:
            raise SettingsError(
                f"{name} is {value!r}; write limits like '5 per minute;20 per hour'."
            ) from None
        return value

    def choice(self, name: str, options: tuple[str, ...], default: str) -> str:
        value = self._get(name) or default
        if value not in options:
            raise SettingsError(f"{name} is {value!r}; it must be one of: {', '.join(options)}.")
        return value

    def name(self, name: str, default: str) -> str:
        value = self._get(name) or default
        if len(value) < 3 or not value[0].isalpha():
            raise SettingsError(
                f"{name} is {value!r}; a Pub/Sub resource name must start with a letter and be at "
                "least 3 characters long."
            )
        return value

    def url(self, name: str, default: str) -> str:
        value = self._get(name) or default
        if not value.startswith(("http://", "https://")):
            raise SettingsError(f"{name} is {value!r}; it must be an http:// or https:// URL.")
        return value.rstrip("/")

    def whole(self, name: str, default: int, *, low: int, high: int) -> int:
        raw = self._get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise SettingsError(f"{name} is {raw!r}; it must be a whole number.") from None
        if not low <= value <= high:
            raise SettingsError(f"{name} is {value}; it must be between {low} and {high}.")
        return value

    def number(self, name: str, default: float, *, low: float, high: float) -> float:
        raw = self._get(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise SettingsError(f"{name} is {raw!r}; it must be a number.") from None
        if not low <= value <= high:
            raise SettingsError(f"{name} is {value}; it must be between {low} and {high}.")
        return value

    def key(self, name: str) -> bytes:
        raw = self.required(name)
        return _decode_key(name, raw)

    def keys(self, name: str) -> dict[str, bytes]:
        raw = self.required(name)
        keys: dict[str, bytes] = {}
        for item in raw.split(","):
            key_id, sep, encoded = item.strip().partition(":")
            if not sep or not key_id:
                raise SettingsError(
                    f"{name} must be a comma-separated list of KEY_ID:BASE64_KEY pairs "
                    f"(got an item without a key id)."
                )
            keys[key_id] = _decode_key(name, encoded)
        return keys


def _decode_key(name: str, encoded: str) -> bytes:
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise SettingsError(f"{name} holds a key that is not valid base64.") from None
    if len(key) != 32:
        raise SettingsError(
            f"{name} holds a key of {len(key)} bytes; AES-256 needs 32 bytes "
            "(generate one with: openssl rand -base64 32)."
        )
    return key
