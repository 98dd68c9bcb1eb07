"""Settings are read in one place; a bad value stops start-up with a sentence naming it."""

from __future__ import annotations

import base64

import pytest

from applytrack.settings import Settings, SettingsError
from applytrack.web_wiring import receiver_config

pytestmark = pytest.mark.unit

KEY = base64.b64encode(bytes(range(32))).decode()
OTHER_KEY = base64.b64encode(bytes(range(1, 33))).decode()


def env(**overrides: str) -> dict[str, str]:
    values = {
        "DATABASE_URL": "postgresql+psycopg://app@db/applytrack",
        "APPLYTRACK_ENCRYPTION_KEYS": f"k1:{KEY},k2:{OTHER_KEY}",
        "APPLYTRACK_ACTIVE_KEY_ID": "k2",
        "APPLYTRACK_FINGERPRINT_KEY": KEY,
        "APPLYTRACK_SECRET_KEY": "s3cret",
        "PUBSUB_PROJECT": "applytrack-prod",
        "GOOGLE_OAUTH_CLIENT_ID": "client",
        "GOOGLE_OAUTH_CLIENT_SECRET": "secret",
    }
    values.update(overrides)
    return values


def test_a_complete_environment_is_typed() -> None:
    settings = Settings.from_env(env(FREE_POLL_INTERVAL_SECONDS="420"))
    assert settings.active_key_id == "k2"
    assert set(settings.encryption_keys) == {"k1", "k2"}
    assert settings.free_poll_interval_seconds == 420
    assert settings.queue_backend == "pubsub"


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"DATABASE_URL": ""}, "DATABASE_URL"),
        ({"APPLYTRACK_ENCRYPTION_KEYS": "k1:notbase64!"}, "APPLYTRACK_ENCRYPTION_KEYS"),
        (
            {"APPLYTRACK_ENCRYPTION_KEYS": "k1:" + base64.b64encode(b"short").decode()},
            "APPLYTRACK_ENCRYPTION_KEYS",
        ),
        ({"APPLYTRACK_ACTIVE_KEY_ID": "k9"}, "APPLYTRACK_ACTIVE_KEY_ID"),
        ({"FREE_POLL_INTERVAL_SECONDS": "often"}, "FREE_POLL_INTERVAL_SECONDS"),
        ({"FREE_POLL_INTERVAL_SECONDS": "5"}, "FREE_POLL_INTERVAL_SECONDS"),
        ({"PUBSUB_PROJECT": "abc"}, "PUBSUB_PROJECT"),
        ({"APPLYTRACK_QUEUE": "kafka"}, "APPLYTRACK_QUEUE"),
        ({"GMAIL_API_ENDPOINT": "gmail.local"}, "GMAIL_API_ENDPOINT"),
        ({"INTERNAL_PUBSUB_TOPIC": "x"}, "INTERNAL_PUBSUB_TOPIC"),
        ({"CLASSIFIER_CONFIDENCE_THRESHOLD": "1.5"}, "CLASSIFIER_CONFIDENCE_THRESHOLD"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"SIGN_IN_FAILURE_LIMITS": "five a minute"}, "SIGN_IN_FAILURE_LIMITS"),
        ({"METRICS_TOKEN": "short"}, "METRICS_TOKEN"),
        ({"METRICS_TOKEN": "has a space in the middle of it"}, "METRICS_TOKEN"),
    ],
)
def test_a_bad_value_names_its_variable(change: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(env(**change))


def test_embedded_defaults_keep_their_keys_between_runs(tmp_path) -> None:
    first = Settings.embedded(tmp_path)
    second = Settings.embedded(tmp_path)
    assert first.encryption_keys == second.encryption_keys
    assert first.database_url.startswith("sqlite:///")
    assert first.queue_backend == "inprocess"


def test_the_web_metrics_token_is_read_and_reaches_the_receiver() -> None:
    token = "0123456789abcdef0123456789abcdef"
    settings = Settings.from_env(env(METRICS_TOKEN=token))

    assert settings.metrics_token == token
    assert receiver_config(settings).metrics_token == token
    assert Settings.from_env(env()).metrics_token is None  # unset: /metrics is 404 on the web
