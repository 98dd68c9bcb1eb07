"""One delivery policy: `deploy/lib.sh`, the deploy scripts and `applytrack pubsub bootstrap`
(messaging/admin.py) give both subscriptions the same retry backoff and dead-letter attempts, and
those attempts outlast a 5-minute outage."""

from __future__ import annotations

import re

import pytest
from deploy_testkit import BASE_ARGS, DEPLOY_DIR, PROJECT_NUMBER

from messaging.admin import DELIVERY_POLICY, PubSubNames, bootstrap_pubsub

NUMBER = ("--project-number", PROJECT_NUMBER)
OUTAGE_SECONDS = 5 * 60


def _lib_sh() -> dict[str, str]:
    """The `readonly NAME=value` lines of deploy/lib.sh."""
    text = (DEPLOY_DIR / "lib.sh").read_text()
    return dict(re.findall(r"^readonly (\w+)=(\S+)", text, flags=re.MULTILINE))


def _seconds(duration: str) -> int:
    assert duration.endswith("s"), duration
    return int(duration[:-1])


def _policy_flags(subscription) -> dict[str, int]:
    flags = subscription.flags
    return {
        "ack_deadline_seconds": int(flags["ack-deadline"]),
        "min_retry_delay_seconds": _seconds(str(flags["min-retry-delay"])),
        "max_retry_delay_seconds": _seconds(str(flags["max-retry-delay"])),
        "max_delivery_attempts": int(flags["max-delivery-attempts"]),
    }


EXPECTED = {
    "ack_deadline_seconds": DELIVERY_POLICY.ack_deadline_seconds,
    "min_retry_delay_seconds": DELIVERY_POLICY.min_retry_delay_seconds,
    "max_retry_delay_seconds": DELIVERY_POLICY.max_retry_delay_seconds,
    "max_delivery_attempts": DELIVERY_POLICY.max_delivery_attempts,
}


@pytest.mark.unit
def test_a_five_minute_outage_cannot_use_up_the_delivery_attempts() -> None:
    assert DELIVERY_POLICY.outage_survived_seconds() >= OUTAGE_SECONDS


@pytest.mark.unit
def test_lib_sh_repeats_the_policy_of_messaging_admin() -> None:
    lib = _lib_sh()
    assert {
        "ack_deadline_seconds": int(lib["ACK_DEADLINE_SECONDS"]),
        "min_retry_delay_seconds": _seconds(lib["MIN_RETRY_DELAY"]),
        "max_retry_delay_seconds": _seconds(lib["MAX_RETRY_DELAY"]),
        "max_delivery_attempts": int(lib["MAX_DELIVERY_ATTEMPTS"]),
    } == EXPECTED


@pytest.mark.unit
@pytest.mark.parametrize(
    ("script", "subscription"),
    [
        ("internal-queue.sh", PubSubNames.internal_subscription),
        ("push-subscription.sh", PubSubNames.gmail_push_subscription),
    ],
)
def test_each_script_gives_its_subscription_the_policy(run_script, script, subscription) -> None:
    result = run_script(script, *BASE_ARGS, *NUMBER)
    assert result.returncode == 0, result.stderr
    created = result.one("pubsub", "subscriptions", "create", subscription)
    assert _policy_flags(created) == EXPECTED


@pytest.mark.e2e
def test_bootstrap_gives_both_subscriptions_the_policy(pubsub_emulator: str) -> None:
    from google.cloud import pubsub_v1

    names = PubSubNames(project="applytrack-policy")
    bootstrap_pubsub(names, push_endpoint="http://127.0.0.1:9/pubsub/gmail")
    client = pubsub_v1.SubscriberClient()
    try:
        for name in (names.internal_subscription, names.gmail_push_subscription):
            found = client.get_subscription(
                request={"subscription": client.subscription_path(names.project, name)}
            )
            assert not found.enable_message_ordering
            assert {
                "ack_deadline_seconds": found.ack_deadline_seconds,
                "min_retry_delay_seconds": found.retry_policy.minimum_backoff.seconds,
                "max_retry_delay_seconds": found.retry_policy.maximum_backoff.seconds,
                "max_delivery_attempts": found.dead_letter_policy.max_delivery_attempts,
            } == EXPECTED, name
    finally:
        client.close()
