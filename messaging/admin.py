"""Creates the Pub/Sub topics and subscriptions ApplyTrack needs (idempotent), and replays
dead-lettered messages.

The same names and delivery policy are used by `deploy/` for production (`deploy/lib.sh` repeats
them; `tests/deploy/` fails when the two disagree); tests run this against Google's emulator.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)

ACK_DEADLINE_SECONDS = 60
MIN_RETRY_DELAY_SECONDS = 10
MAX_RETRY_DELAY_SECONDS = 600
# Even if Pub/Sub waited only the minimum delay between attempts, 40 of them outlast 5 minutes
# of outage (400 s); with its exponential backoff they take hours. Workers hold their messages
# during an outage rather than nack them (the circuit breaker), so this is the last line.
MAX_DELIVERY_ATTEMPTS = 40
PULL_WAIT_SECONDS = 3.0


@dataclass(frozen=True)
class DeliveryPolicy:
    """How Pub/Sub retries a subscription's messages before it dead-letters them."""

    ack_deadline_seconds: int = ACK_DEADLINE_SECONDS
    min_retry_delay_seconds: int = MIN_RETRY_DELAY_SECONDS
    max_retry_delay_seconds: int = MAX_RETRY_DELAY_SECONDS
    max_delivery_attempts: int = MAX_DELIVERY_ATTEMPTS

    def outage_survived_seconds(self) -> float:
        """The shortest outage that can exhaust the attempts: every retry after the minimum
        delay, never longer (Pub/Sub's backoff only makes it longer)."""
        return float((self.max_delivery_attempts - 1) * self.min_retry_delay_seconds)


DELIVERY_POLICY = DeliveryPolicy()


@dataclass(frozen=True)
class PubSubNames:
    """The project and the names of every topic and subscription ApplyTrack uses."""

    project: str = "applytrack-local"
    gmail_topic: str = "gmail-notifications"
    gmail_push_subscription: str = "gmail-notifications-push"
    gmail_dead_letter_topic: str = "gmail-notifications-dead-letter"
    internal_topic: str = "mailbox-changed"
    internal_subscription: str = "mailbox-changed-workers"
    internal_dead_letter_topic: str = "mailbox-changed-dead-letter"

    @property
    def gmail_topic_path(self) -> str:
        """The topic Gmail's `users.watch` publishes to."""
        return f"projects/{self.project}/topics/{self.gmail_topic}"


@dataclass(frozen=True)
class PushIdentity:
    """Who Pub/Sub signs its push tokens as, and for which audience (production's OIDC push)."""

    service_account: str
    audience: str


@dataclass(frozen=True)
class ResourceResult:
    """One resource the bootstrap looked at, and whether it had to create it."""

    kind: str
    name: str
    created: bool


def dead_letter_subscription(topic: str) -> str:
    """Name of the pull subscription that keeps a dead-letter topic's messages for replay."""
    return f"{topic}-hold"


def bootstrap_pubsub(
    names: PubSubNames,
    *,
    push_endpoint: str | None = None,
    push_identity: PushIdentity | None = None,
    ack_deadline_seconds: int = ACK_DEADLINE_SECONDS,
    policy: DeliveryPolicy = DELIVERY_POLICY,
) -> list[ResourceResult]:
    """Create the topics, the worker subscription and (given an endpoint) the push subscription,
    whose pushes carry an OIDC token when a ``push_identity`` is given; both get ``policy``
    (tests may pass a stricter one)."""
    from google.cloud import pubsub_v1

    publisher = pubsub_v1.PublisherClient()
    subscriber = pubsub_v1.SubscriberClient()
    project = names.project
    results: list[ResourceResult] = []
    try:
        for topic in (
            names.gmail_topic,
            names.gmail_dead_letter_topic,
            names.internal_topic,
            names.internal_dead_letter_topic,
        ):
            results.append(_ensure_topic(publisher, project, topic))
        for topic in (names.gmail_dead_letter_topic, names.internal_dead_letter_topic):
            results.append(
                _ensure_subscription(subscriber, project, dead_letter_subscription(topic), topic)
            )
        results.append(
            _ensure_subscription(
                subscriber,
                project,
                names.internal_subscription,
                names.internal_topic,
                dead_letter_topic=names.internal_dead_letter_topic,
                ack_deadline_seconds=ack_deadline_seconds,
                policy=policy,
            )
        )
        if push_endpoint:
            results.append(
                _ensure_subscription(
                    subscriber,
                    project,
                    names.gmail_push_subscription,
                    names.gmail_topic,
                    push_endpoint=push_endpoint,
                    push_identity=push_identity,
                    dead_letter_topic=names.gmail_dead_letter_topic,
                    policy=policy,
                )
            )
    finally:
        subscriber.close()
    return results


def _ensure_topic(publisher: object, project: str, topic: str) -> ResourceResult:
    from google.api_core.exceptions import AlreadyExists

    path = publisher.topic_path(project, topic)  # type: ignore[attr-defined]
    try:
        publisher.create_topic(request={"name": path})  # type: ignore[attr-defined]
    except AlreadyExists:
        return ResourceResult("topic", path, created=False)
    log.info("created topic %s", path)
    return ResourceResult("topic", path, created=True)


def subscription_settings(
    project: str,
    topic: str,
    *,
    dead_letter_topic: str | None = None,
    ack_deadline_seconds: int = ACK_DEADLINE_SECONDS,
    policy: DeliveryPolicy = DELIVERY_POLICY,
) -> dict[str, object]:
    """A subscription's delivery settings as Pub/Sub's API takes them: ack deadline, retry
    backoff, dead-letter topic and attempts; no message ordering (see `PubSubPublisher`)."""
    from google.protobuf import duration_pb2

    settings: dict[str, object] = {
        "topic": f"projects/{project}/topics/{topic}",
        "ack_deadline_seconds": ack_deadline_seconds,
        "enable_message_ordering": False,
        "retry_policy": {
            "minimum_backoff": duration_pb2.Duration(seconds=policy.min_retry_delay_seconds),
            "maximum_backoff": duration_pb2.Duration(seconds=policy.max_retry_delay_seconds),
        },
    }
    if dead_letter_topic:
        settings["dead_letter_policy"] = {
            "dead_letter_topic": f"projects/{project}/topics/{dead_letter_topic}",
            "max_delivery_attempts": policy.max_delivery_attempts,
        }
    return settings


def _ensure_subscription(
    subscriber: object,
    project: str,
    name: str,
    topic: str,
    *,
    push_endpoint: str | None = None,
    push_identity: PushIdentity | None = None,
    dead_letter_topic: str | None = None,
    ack_deadline_seconds: int = ACK_DEADLINE_SECONDS,
    policy: DeliveryPolicy = DELIVERY_POLICY,
) -> ResourceResult:
    from google.api_core.exceptions import AlreadyExists

    path = subscriber.subscription_path(project, name)  # type: ignore[attr-defined]
    request: dict[str, object] = {
        "name": path,
        **subscription_settings(
            project,
            topic,
            dead_letter_topic=dead_letter_topic,
            ack_deadline_seconds=ack_deadline_seconds,
            policy=policy,
        ),
    }
    if push_endpoint:
        push_config: dict[str, object] = {"push_endpoint": push_endpoint}
        if push_identity is not None:
            push_config["oidc_token"] = {
                "service_account_email": push_identity.service_account,
                "audience": push_identity.audience,
            }
        request["push_config"] = push_config
    try:
        subscriber.create_subscription(request=request)  # type: ignore[attr-defined]
    except AlreadyExists:
        _update_delivery(subscriber, request)
        return ResourceResult("subscription", path, created=False)
    log.info("created subscription %s", path)
    return ResourceResult("subscription", path, created=True)


_DELIVERY_FIELDS = ("ack_deadline_seconds", "retry_policy", "dead_letter_policy")


def _update_delivery(subscriber: object, request: dict[str, object]) -> None:
    """Bring an existing subscription's delivery settings to ours, as `deploy/` does (message
    ordering is fixed at creation: an ordered one stays so, harmless without ordering keys)."""
    fields = [name for name in _DELIVERY_FIELDS if name in request]
    subscription = {"name": request["name"], **{name: request[name] for name in fields}}
    subscriber.update_subscription(  # type: ignore[attr-defined]
        request={"subscription": subscription, "update_mask": {"paths": fields}}
    )


def replay_dead_letters(names: PubSubNames, *, max_messages: int = 1000) -> int:
    """Move dead-lettered `mailbox-changed` back to the internal topic; return how many."""
    from google.api_core.exceptions import DeadlineExceeded, RetryError
    from google.cloud import pubsub_v1

    publisher = pubsub_v1.PublisherClient()
    subscriber = pubsub_v1.SubscriberClient()
    hold = subscriber.subscription_path(
        names.project, dead_letter_subscription(names.internal_dead_letter_topic)
    )
    topic = publisher.topic_path(names.project, names.internal_topic)
    moved = 0
    try:
        while moved < max_messages:
            try:
                response = subscriber.pull(
                    request={"subscription": hold, "max_messages": min(100, max_messages - moved)},
                    timeout=PULL_WAIT_SECONDS,
                )
            except (DeadlineExceeded, RetryError):
                break  # nothing arrived within the wait: the hold subscription is empty
            if not response.received_messages:
                break
            for received in response.received_messages:
                message = received.message
                publisher.publish(topic, message.data).result()
                subscriber.acknowledge(request={"subscription": hold, "ack_ids": [received.ack_id]})
                moved += 1
    finally:
        subscriber.close()
        publisher.stop()
    return moved
