"""Real (non-dry) runs against a recording gcloud: checks first, creates only what is missing,
and secret values reach gcloud through stdin only."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from deploy_testkit import DEPLOY_DIR, PROJECT, REGION

from messaging.admin import PubSubNames

pytestmark = pytest.mark.unit

REAL_ARGS = ("--project", PROJECT, "--region", REGION)
ALL_SCRIPTS = sorted(DEPLOY_DIR.glob("*.sh"))


def test_not_logged_in_stops_before_any_change(run_script, fake_gcloud) -> None:
    result = run_script(
        "gmail-topic.sh",
        *REAL_ARGS,
        path=fake_gcloud.bin_dir,
        env={"FAKE_GCLOUD_DIR": str(fake_gcloud.log_dir), "FAKE_GCLOUD_LOGGED_IN": "0"},
    )

    assert result.returncode != 0
    assert "gcloud is not logged in" in result.stderr
    assert [call.words[:2] for call in fake_gcloud.calls()] == [("auth", "list")]


@pytest.mark.parametrize("existing", ["none", "all"])
def test_resources_are_created_only_when_missing(run_script, fake_gcloud, existing) -> None:
    env = {"FAKE_GCLOUD_DIR": str(fake_gcloud.log_dir), "FAKE_GCLOUD_EXISTING": existing}
    for script in ("gmail-topic.sh", "internal-queue.sh"):
        result = run_script(script, *REAL_ARGS, path=fake_gcloud.bin_dir, env=env)
        assert result.returncode == 0, result.stderr

    creates = [call for call in fake_gcloud.calls() if "create" in call.words]
    updates = [call for call in fake_gcloud.calls() if "update" in call.words]
    if existing == "all":
        assert creates == []
        assert [call.words[3] for call in updates] == [PubSubNames.internal_subscription]
        # The fake's subscription was made ordered by an older deploy: the operator is told.
        assert "still has message ordering on" in result.stderr
    else:
        assert {call.words[3] for call in creates} >= {
            PubSubNames.gmail_topic,
            PubSubNames.internal_topic,
            PubSubNames.internal_subscription,
        }
        assert updates == []


def test_secret_values_go_through_stdin_only(run_script, fake_gcloud, tmp_path: Path) -> None:
    client_id = tmp_path / "client-id"
    client_id.write_text("my-client.apps.googleusercontent.com\n")
    client_secret = tmp_path / "client-secret"
    client_secret.write_text("GOCSPX-very-secret\n")
    env = {"FAKE_GCLOUD_DIR": str(fake_gcloud.log_dir)}

    result = run_script(
        "secrets.sh",
        *REAL_ARGS,
        "--oauth-client-id-file",
        str(client_id),
        "--oauth-client-secret-file",
        str(client_secret),
        path=fake_gcloud.bin_dir,
        env=env,
    )

    assert result.returncode == 0, result.stderr
    values = {
        call.words[2]: stdin
        for call, stdin in zip(
            fake_gcloud.calls_matching("secrets", "create"),
            fake_gcloud.stdin_of("secrets", "create"),
            strict=True,
        )
    }
    assert values["applytrack-oauth-client-id"] == "my-client.apps.googleusercontent.com"
    assert values["applytrack-oauth-client-secret"] == "GOCSPX-very-secret"
    key_id, _, key = values["applytrack-encryption-keys"].partition(":")
    assert key_id == "k1" and len(base64.b64decode(key, validate=True)) == 32
    assert len(base64.b64decode(values["applytrack-fingerprint-key"], validate=True)) == 32
    assert values["applytrack-secret-key"] != values["applytrack-fingerprint-key"]
    assert re.fullmatch(r"[A-Za-z0-9]{40,}", values["applytrack-metrics-token"])
    for value in values.values():
        assert value not in fake_gcloud.raw_calls()
        assert value not in result.stdout + result.stderr


def test_oauth_secrets_cannot_be_invented(run_script, fake_gcloud) -> None:
    result = run_script(
        "secrets.sh",
        *REAL_ARGS,
        path=fake_gcloud.bin_dir,
        env={"FAKE_GCLOUD_DIR": str(fake_gcloud.log_dir)},
    )

    assert result.returncode != 0
    assert "--oauth-client-id-file" in result.stderr


def test_database_password_stays_off_command_lines(run_script, fake_gcloud) -> None:
    result = run_script(
        "database.sh",
        *REAL_ARGS,
        path=fake_gcloud.bin_dir,
        env={"FAKE_GCLOUD_DIR": str(fake_gcloud.log_dir)},
    )

    assert result.returncode == 0, result.stderr
    (flags,) = fake_gcloud.flags_file_of("sql", "users", "create")
    password = flags.split('"')[1]
    (url,) = fake_gcloud.stdin_of("secrets", "create", "applytrack-database-url")
    assert url == (
        f"postgresql+psycopg://applytrack:{password}@/applytrack"
        f"?host=/cloudsql/{PROJECT}:{REGION}:applytrack-db"
    )
    assert len(password) >= 24
    assert password not in fake_gcloud.raw_calls() + result.stdout + result.stderr


def test_rotation_appends_the_new_key_to_the_old_ones(run_script, fake_gcloud) -> None:
    old = "k1:" + "A" * 43 + "="
    env = {"FAKE_GCLOUD_DIR": str(fake_gcloud.log_dir), "FAKE_GCLOUD_SECRET_VALUE": old}

    result = run_script(
        "rotate-encryption-key.sh",
        *REAL_ARGS,
        "--new-key-id",
        "k2",
        path=fake_gcloud.bin_dir,
        env=env,
    )

    assert result.returncode == 0, result.stderr
    (keys,) = fake_gcloud.stdin_of("secrets", "versions", "add")
    settings_keys = keys.split(",")
    assert settings_keys[0] == old and settings_keys[1].startswith("k2:")
    assert keys not in fake_gcloud.raw_calls()
    pinned = {
        str(call.flags["update-secrets"])
        for call in fake_gcloud.calls_matching("run", "services", "update")
    }
    assert pinned == {"APPLYTRACK_ENCRYPTION_KEYS=applytrack-encryption-keys:2"}


def test_rotation_refuses_an_id_already_in_use(run_script, fake_gcloud) -> None:
    env = {
        "FAKE_GCLOUD_DIR": str(fake_gcloud.log_dir),
        "FAKE_GCLOUD_SECRET_VALUE": "k1:" + "A" * 43 + "=",
    }

    result = run_script(
        "rotate-encryption-key.sh",
        *REAL_ARGS,
        "--new-key-id",
        "k1",
        path=fake_gcloud.bin_dir,
        env=env,
    )

    assert result.returncode != 0
    assert "already has a key with id 'k1'" in result.stderr
    assert not fake_gcloud.calls_matching("secrets", "versions", "add")


@pytest.mark.parametrize("script", ALL_SCRIPTS, ids=lambda path: path.name)
def test_script_syntax(script: Path) -> None:
    completed = subprocess.run(
        ["bash", "-n", str(script)], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr


def test_shellcheck_finds_nothing() -> None:
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck is not installed (apt-get install -y shellcheck)")
    completed = subprocess.run(
        [shellcheck, "-x", "--severity=style", *(path.name for path in ALL_SCRIPTS)],
        cwd=DEPLOY_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
