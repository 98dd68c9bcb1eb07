"""Creates the Pub/Sub topics and subscriptions ApplyTrack needs (idempotent), and replays
dead-lettered messages.

The same names are used by `deploy/` for production; tests run this against Google's emulator.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)

MAX_DELIVERY_ATTEMPTS = 5
ACK_DEADLINE_SECONDS = 60
PULL_WAIT_SECONDS = 3.0


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
) -> list[ResourceResult]:
    """Create the topics, the worker subscription and (given an endpoint) the push subscription,
    whose pushes carry an OIDC token when a ``push_identity`` is given."""
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
                ordered=True,
                dead_letter_topic=names.internal_dead_letter_topic,
                ack_deadline_seconds=ack_deadline_seconds,
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


def _ensure_subscription(
    subscriber: object,
    project: str,
    name: str,
    topic: str,
    *,
    ordered: bool = False,
    push_endpoint: str | None = None,
    push_identity: PushIdentity | None = None,
    dead_letter_topic: str | None = None,
    ack_deadline_seconds: int = ACK_DEADLINE_SECONDS,
) -> ResourceResult:
    from google.api_core.exceptions import AlreadyExists
    from google.protobuf import duration_pb2

    path = subscriber.subscription_path(project, name)  # type: ignore[attr-defined]
    request: dict[str, object] = {
        "name": path,
        "topic": f"projects/{project}/topics/{topic}",
        "ack_deadline_seconds": ack_deadline_seconds,
        "enable_message_ordering": ordered,
        "retry_policy": {
            "minimum_backoff": duration_pb2.Duration(seconds=1),
            "maximum_backoff": duration_pb2.Duration(seconds=600),
        },
    }
    if dead_letter_topic:
        request["dead_letter_policy"] = {
            "dead_letter_topic": f"projects/{project}/topics/{dead_letter_topic}",
            "max_delivery_attempts": MAX_DELIVERY_ATTEMPTS,
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
        return ResourceResult("subscription", path, created=False)
    log.info("created subscription %s", path)
    return ResourceResult("subscription", path, created=True)


def replay_dead_letters(names: PubSubNames, *, max_messages: int = 1000) -> int:
    """Move dead-lettered `mailbox-changed` back to the internal topic; return how many."""
    from google.api_core.exceptions import DeadlineExceeded, RetryError
    from google.cloud import pubsub_v1

    publisher = pubsub_v1.PublisherClient(
        publisher_options=pubsub_v1.types.PublisherOptions(enable_message_ordering=True)
    )
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
                publisher.publish(topic, message.data, ordering_key=message.ordering_key).result()
                subscriber.acknowledge(request={"subscription": hold, "ack_ids": [received.ack_id]})
                moved += 1
    finally:
        subscriber.close()
        publisher.stop()
    return moved
