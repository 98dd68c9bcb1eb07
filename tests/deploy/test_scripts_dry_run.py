"""Each deploy script's dry run, checked resource by resource against the application's names."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from deploy_testkit import (
    BASE_ARGS,
    DEPLOY_DIR,
    PROJECT,
    PROJECT_NUMBER,
    REGION,
    env_list,
)

from applytrack.cli import build_parser
from applytrack.settings import Settings
from messaging.admin import ACK_DEADLINE_SECONDS, MAX_DELIVERY_ATTEMPTS, PubSubNames
from messaging.admin import dead_letter_subscription as hold_of
from tests.sync_testkit import REPO_ROOT

pytestmark = pytest.mark.unit

NUMBER = ("--project-number", PROJECT_NUMBER)
PUBSUB_AGENT = f"serviceAccount:service-{PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com"
WEBHOOK_BASE = "https://tracker.example.com"


def created_topics(result) -> set[str]:
    return {command.words[3] for command in result.find("pubsub", "topics", "create")}


def binding(result, kind: str, resource: str, role: str) -> set[str]:
    """Members granted ``role`` on a Pub/Sub topic or subscription."""
    return {
        str(command.flags["member"])
        for command in result.find("pubsub", kind, "add-iam-policy-binding", resource)
        if command.flags["role"] == role
    }


def procfile_command(process: str) -> list[str]:
    """The Procfile's command for ``process``, as argv."""
    for line in (REPO_ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == process:
            return shlex.split(command)
    raise AssertionError(f"no {process} in the Procfile")


def test_gmail_topic_is_created_and_gmail_may_publish_to_it(run_script) -> None:
    result = run_script("gmail-topic.sh", *BASE_ARGS)

    assert result.returncode == 0, result.stderr
    assert PubSubNames.gmail_topic in created_topics(result)
    members = binding(result, "topics", PubSubNames.gmail_topic, "roles/pubsub.publisher")
    assert members == {"serviceAccount:gmail-api-push@system.gserviceaccount.com"}
    assert all(command.flags["project"] == PROJECT for command in result.commands)


@pytest.mark.parametrize(
    "given", [WEBHOOK_BASE, WEBHOOK_BASE + "/", WEBHOOK_BASE + "/pubsub/gmail"]
)
def test_push_subscription_signs_pushes_for_the_webhook(run_script, given: str) -> None:
    result = run_script("push-subscription.sh", *BASE_ARGS, *NUMBER, "--webhook-url", given)

    assert result.returncode == 0, result.stderr
    endpoint = WEBHOOK_BASE + "/pubsub/gmail"
    created_account = result.one("iam", "service-accounts", "create").words[3]
    account_email = f"{created_account}@{PROJECT}.iam.gserviceaccount.com"
    push = result.one("pubsub", "subscriptions", "create", PubSubNames.gmail_push_subscription)
    assert push.flags["topic"] == PubSubNames.gmail_topic
    assert push.flags["push-endpoint"] == endpoint
    assert push.flags["push-auth-service-account"] == account_email
    assert push.flags["push-auth-token-audience"] == endpoint
    assert push.flags["dead-letter-topic"] == PubSubNames.gmail_dead_letter_topic
    assert push.flags["max-delivery-attempts"] == str(MAX_DELIVERY_ATTEMPTS)
    assert {"min-retry-delay", "max-retry-delay"} <= push.flags.keys()


def test_push_subscription_dead_letters_are_kept_and_permitted(run_script) -> None:
    result = run_script("push-subscription.sh", *BASE_ARGS, *NUMBER)

    assert result.returncode == 0, result.stderr
    dead_letter = PubSubNames.gmail_dead_letter_topic
    assert dead_letter in created_topics(result)
    hold = result.one("pubsub", "subscriptions", "create", hold_of(dead_letter))
    assert hold.flags["topic"] == dead_letter
    assert PUBSUB_AGENT in binding(result, "topics", dead_letter, "roles/pubsub.publisher")
    assert PUBSUB_AGENT in binding(
        result, "subscriptions", PubSubNames.gmail_push_subscription, "roles/pubsub.subscriber"
    )
    token_grant = result.one("iam", "service-accounts", "add-iam-policy-binding")
    assert token_grant.flags["member"] == PUBSUB_AGENT
    assert token_grant.flags["role"] == "roles/iam.serviceAccountTokenCreator"


def test_push_subscription_defaults_to_the_web_services_address(run_script) -> None:
    result = run_script("push-subscription.sh", *BASE_ARGS, *NUMBER)

    push = result.one("pubsub", "subscriptions", "create", PubSubNames.gmail_push_subscription)
    endpoint = str(push.flags["push-endpoint"])
    assert endpoint.startswith("https://") and endpoint.endswith("/pubsub/gmail")
    assert PROJECT_NUMBER in endpoint and REGION in endpoint


def test_push_subscription_refuses_a_plain_http_webhook(run_script) -> None:
    result = run_script("push-subscription.sh", *BASE_ARGS, "--webhook-url", "http://x.example")

    assert result.returncode != 0
    assert "--webhook-url" in result.stderr and "https://" in result.stderr
    assert not result.find("pubsub", "subscriptions", "create")


def test_internal_queue_is_unordered_with_dead_letters(run_script) -> None:
    result = run_script("internal-queue.sh", *BASE_ARGS, *NUMBER)

    assert result.returncode == 0, result.stderr
    dead_letter = PubSubNames.internal_dead_letter_topic
    assert {PubSubNames.internal_topic, dead_letter} <= created_topics(result)
    workers = result.one("pubsub", "subscriptions", "create", PubSubNames.internal_subscription)
    assert workers.flags["topic"] == PubSubNames.internal_topic
    # Ordering keys only queued a mailbox's messages behind one a dead worker held (issue #16).
    assert "enable-message-ordering" not in workers.flags
    assert workers.flags["ack-deadline"] == str(ACK_DEADLINE_SECONDS)
    assert workers.flags["dead-letter-topic"] == dead_letter
    assert workers.flags["max-delivery-attempts"] == str(MAX_DELIVERY_ATTEMPTS)
    assert "push-endpoint" not in workers.flags
    hold = result.one("pubsub", "subscriptions", "create", hold_of(dead_letter))
    assert hold.flags["topic"] == dead_letter
    assert PUBSUB_AGENT in binding(result, "topics", dead_letter, "roles/pubsub.publisher")
    assert PUBSUB_AGENT in binding(
        result, "subscriptions", PubSubNames.internal_subscription, "roles/pubsub.subscriber"
    )


def test_hold_subscriptions_are_created_before_anything_can_dead_letter(run_script) -> None:
    result = run_script("internal-queue.sh", *BASE_ARGS, *NUMBER)

    order = [command.words[3] for command in result.find("pubsub", "subscriptions", "create")]
    hold = hold_of(PubSubNames.internal_dead_letter_topic)
    assert order.index(hold) < order.index(PubSubNames.internal_subscription)


def secret_names_created(*results) -> set[str]:
    return {c.words[2] for result in results for c in result.find("secrets", "create")}


def test_secrets_are_created_from_files_without_showing_them(run_script, tmp_path: Path) -> None:
    client_id = tmp_path / "client-id"
    client_id.write_text("client-id-that-must-stay-hidden\n")
    client_secret = tmp_path / "client-secret"
    client_secret.write_text("client-secret-that-must-stay-hidden\n")

    result = run_script(
        "secrets.sh",
        *BASE_ARGS,
        "--oauth-client-id-file",
        str(client_id),
        "--oauth-client-secret-file",
        str(client_secret),
    )

    assert result.returncode == 0, result.stderr
    assert "must-stay-hidden" not in result.stdout + result.stderr
    for create in result.find("secrets", "create"):
        assert create.flags["data-file"] == "-"
    expected = {
        "APPLYTRACK_ENCRYPTION_KEYS",
        "APPLYTRACK_FINGERPRINT_KEY",
        "APPLYTRACK_SECRET_KEY",
        "GOOGLE_OAUTH_CLIENT_ID",
        "GOOGLE_OAUTH_CLIENT_SECRET",
        "METRICS_TOKEN",
    }
    services = run_script("services.sh", *BASE_ARGS, *NUMBER)
    secret_of = env_list(services.find("run", "deploy")[0].flags["set-secrets"])
    assert {secret_of[name].split(":")[0] for name in expected} == secret_names_created(result)


def test_secrets_rejects_a_malformed_encryption_keys_file(run_script, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.write_text("k1:not-a-key")

    result = run_script("secrets.sh", *BASE_ARGS, "--encryption-keys-file", str(keys))

    assert result.returncode != 0
    assert "--encryption-keys-file" in result.stderr
    assert not result.stdout.strip()


def test_services_run_the_procfile_processes_from_one_image(run_script) -> None:
    result = run_script("services.sh", *BASE_ARGS, *NUMBER, "--image", "registry/app:v1")

    assert result.returncode == 0, result.stderr
    deployed = {command.words[2]: command for command in result.find("run", "deploy")}
    assert set(deployed) == {"applytrack-web", "applytrack-worker", "applytrack-scheduler"}
    assert {str(c.flags["image"]) for c in deployed.values()} == {"registry/app:v1"}

    web = deployed["applytrack-web"]
    web_argv = [web.flags["command"], *str(web.flags["args"]).split(",")]
    procfile_web = [arg for arg in procfile_command("web") if not arg.startswith("0.0.0.0")]
    procfile_web = [arg for arg in procfile_web if arg != "--bind"]
    assert normalise_flags(web_argv) == normalise_flags(procfile_web)
    assert web.flags["allow-unauthenticated"] is True

    for process in ("worker", "scheduler"):
        service = deployed[f"applytrack-{process}"]
        argv = str(service.flags["args"]).split(",")
        assert service.flags["command"] == "with-health-port"
        assert argv == procfile_command(process)
        assert build_parser().parse_args(argv[1:]).command == process
        assert service.flags["ingress"] == "internal"
        assert service.flags["no-allow-unauthenticated"] is True
        assert service.flags["no-cpu-throttling"] is True
        assert int(str(service.flags["min-instances"])) >= 1
    assert deployed["applytrack-scheduler"].flags["max-instances"] == "1"


def normalise_flags(argv: list) -> list[str]:
    """``--workers 2`` and ``--workers=2`` as the same token."""
    tokens: list[str] = []
    for token in map(str, argv):
        if (
            tokens
            and tokens[-1].startswith("--")
            and "=" not in tokens[-1]
            and not token.startswith("-")
            and token != argv[-1]
        ):
            tokens[-1] += "=" + token
        else:
            tokens.append(token)
    return tokens


def test_services_get_every_setting_the_processes_need(run_script) -> None:
    result = run_script("services.sh", *BASE_ARGS, *NUMBER, "--webhook-url", WEBHOOK_BASE)

    for service in result.find("run", "deploy"):
        environ = env_list(service.flags["set-env-vars"])
        secrets = env_list(service.flags["set-secrets"])
        assert not set(environ) & set(secrets)
        fake_secret_values = {
            "APPLYTRACK_ENCRYPTION_KEYS": f"{environ['APPLYTRACK_ACTIVE_KEY_ID']}:{'A' * 43}=",
            "APPLYTRACK_FINGERPRINT_KEY": "A" * 43 + "=",
            "METRICS_TOKEN": "0123456789abcdef" * 4,
        }
        filled = {name: fake_secret_values.get(name, "secret-value") for name in secrets}
        settings = Settings.from_env({**environ, **filled})
        assert settings.queue_backend == "pubsub"
        assert settings.pubsub.project == PROJECT
        assert settings.push_audience == WEBHOOK_BASE + "/pubsub/gmail"
        assert settings.push_service_account == f"applytrack-push@{PROJECT}.iam.gserviceaccount.com"
        assert service.flags["set-cloudsql-instances"] == f"{PROJECT}:{REGION}:applytrack-db"
        assert str(service.flags["service-account"]).startswith("applytrack-run@")


def test_migrations_run_as_a_cloud_run_job(run_script) -> None:
    result = run_script("migrate.sh", *BASE_ARGS, *NUMBER)

    assert result.returncode == 0, result.stderr
    job = result.one("run", "jobs", "deploy")
    argv = str(job.flags["args"]).split(",")
    assert job.flags["command"] == "applytrack"
    assert argv == ["db", "upgrade"]
    assert build_parser().parse_args(argv).func.__name__ == "run_upgrade"
    assert "DATABASE_URL" in env_list(job.flags["set-secrets"])
    execute = result.one("run", "jobs", "execute")
    assert execute.words[3] == job.words[3]
    assert execute.flags["wait"] is True


def test_reencryption_runs_as_a_cloud_run_job_under_the_new_key(run_script) -> None:
    result = run_script("reencrypt.sh", *BASE_ARGS, *NUMBER, "--active-key-id", "k2")

    assert result.returncode == 0, result.stderr
    job = result.one("run", "jobs", "deploy")
    argv = str(job.flags["args"]).split(",")
    assert (job.words[3], job.flags["command"], argv) == (
        "applytrack-reencrypt",
        "applytrack",
        ["db", "reencrypt"],
    )
    assert build_parser().parse_args(argv).func.__name__ == "run_reencrypt"
    assert env_list(job.flags["set-env-vars"])["APPLYTRACK_ACTIVE_KEY_ID"] == "k2"
    assert "APPLYTRACK_ENCRYPTION_KEYS" in env_list(job.flags["set-secrets"])
    assert result.one("run", "jobs", "execute").flags["wait"] is True


def test_reencryption_refuses_to_run_without_naming_the_key(run_script) -> None:
    result = run_script("reencrypt.sh", *BASE_ARGS, *NUMBER)

    assert result.returncode != 0
    assert "--active-key-id" in result.stderr
    assert not result.find("run", "jobs", "deploy")


def test_replay_job_runs_the_replay_command(run_script) -> None:
    result = run_script("replay-dead-letters.sh", *BASE_ARGS, *NUMBER, "--max-messages", "50")

    assert result.returncode == 0, result.stderr
    argv = str(result.one("run", "jobs", "deploy").flags["args"]).split(",")
    args = build_parser().parse_args(argv)
    assert args.func.__name__ == "run_replay" and args.max_messages == 50


def test_deploy_runs_every_step_in_order(run_script, tmp_path: Path) -> None:
    result = run_script("deploy.sh", *BASE_ARGS, *NUMBER, "--webhook-url", WEBHOOK_BASE)

    assert result.returncode == 0, result.stderr
    commands = result.commands

    def first(*words: str) -> int:
        return min(i for i, command in enumerate(commands) if command.starts(*words))

    push = ("pubsub", "subscriptions", "create", PubSubNames.gmail_push_subscription)
    assert first("builds", "submit") < first("run", "jobs", "deploy") < first("run", "deploy")
    assert first("run", "jobs", "execute") < first("run", "deploy") < first(*push)
    images = {str(c.flags["image"]) for c in result.find("run", "deploy")}
    images |= {str(c.flags["image"]) for c in result.find("run", "jobs", "deploy")}
    images |= {str(c.flags["tag"]) for c in result.find("builds", "submit")}
    assert len(images) == 1, images
    referenced = {
        value.split(":")[0]
        for value in env_list(result.find("run", "deploy")[0].flags["set-secrets"]).values()
    }
    assert referenced == secret_names_created(result)
    assert {PubSubNames.gmail_topic, PubSubNames.internal_topic} <= created_topics(result)


def test_rotation_adds_a_key_then_activates_it(run_script) -> None:
    added = run_script("rotate-encryption-key.sh", *BASE_ARGS, "--new-key-id", "k2")
    activated = run_script("rotate-encryption-key.sh", *BASE_ARGS, "--activate-key-id", "k2")

    assert added.returncode == 0 and activated.returncode == 0, added.stderr + activated.stderr
    assert added.one("secrets", "versions", "add").words[3] == "applytrack-encryption-keys"
    rolled = {c.words[3] for c in added.find("run", "services", "update")}
    switched = {
        c.words[3]
        for c in activated.find("run", "services", "update")
        if env_list(c.flags["update-env-vars"]) == {"APPLYTRACK_ACTIVE_KEY_ID": "k2"}
    }
    assert rolled == switched == {"applytrack-web", "applytrack-worker", "applytrack-scheduler"}
    assert not activated.find("secrets", "versions", "add")


SCRIPTS = sorted(path.name for path in DEPLOY_DIR.glob("*.sh") if path.name != "lib.sh")


@pytest.mark.parametrize("script", SCRIPTS)
@pytest.mark.parametrize(
    ("args", "missing"),
    [(("--region", REGION), "--project"), (("--project", PROJECT), "--region")],
)
def test_project_and_region_are_required(run_script, script, args, missing) -> None:
    result = run_script(script, "--dry-run", *args)

    assert result.returncode == 2
    assert f"{missing} is required" in result.stderr
    assert not result.stdout


@pytest.mark.parametrize("script", SCRIPTS)
def test_without_gcloud_a_real_run_says_so(run_script, script) -> None:
    result = run_script(script, "--project", PROJECT, "--region", REGION)

    assert result.returncode != 0
    assert "gcloud is not installed" in result.stderr


@pytest.mark.parametrize("script", SCRIPTS)
def test_help_lists_the_options(run_script, script) -> None:
    result = run_script(script, "--help")

    assert result.returncode == 0
    assert "--project" in result.stdout and "--dry-run" in result.stdout


def test_an_unknown_option_is_refused(run_script) -> None:
    result = run_script("gmail-topic.sh", *BASE_ARGS, "--webhook-url", WEBHOOK_BASE)

    assert result.returncode == 2
    assert "unknown option --webhook-url" in result.stderr
