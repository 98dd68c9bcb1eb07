"""The environment `applytrack` commands read in the CLI tests: one place, not one per file."""

from __future__ import annotations

import base64

import pytest


def cli_settings(
    keys: dict[str, bytes], active_key_id: str, fingerprint_key: bytes
) -> dict[str, str]:
    """Every setting a command needs besides DATABASE_URL, with these encryption keys."""
    return {
        "APPLYTRACK_ENCRYPTION_KEYS": ",".join(
            f"{key_id}:{base64.b64encode(key).decode()}" for key_id, key in keys.items()
        ),
        "APPLYTRACK_ACTIVE_KEY_ID": active_key_id,
        "APPLYTRACK_FINGERPRINT_KEY": base64.b64encode(fingerprint_key).decode(),
        "APPLYTRACK_SECRET_KEY": "test",
        "GOOGLE_OAUTH_CLIENT_ID": "test",
        "GOOGLE_OAUTH_CLIENT_SECRET": "test",
        "APPLYTRACK_QUEUE": "inprocess",
    }


def set_cli_environment(
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    keys: dict[str, bytes],
    active_key_id: str,
    fingerprint_key: bytes,
) -> None:
    """Point the commands at ``url`` with these keys, for this test only."""
    monkeypatch.setenv("DATABASE_URL", url)
    for name, value in cli_settings(keys, active_key_id, fingerprint_key).items():
        monkeypatch.setenv(name, value)
