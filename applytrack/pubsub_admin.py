"""Creates the Pub/Sub topics and subscriptions ApplyTrack needs (idempotent).

The same names are used by `deploy/` for production; tests run this against Google's emulator.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from applytrack.settings import Settings

log = logging.getLogger(__name__)

MAX_DELIVERY_ATTEMPTS = 5
ACK_DEADLINE_SECONDS = 60
PULL_WAIT_SECONDS = 3.0


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
    settings: Settings,
    *,
    push_endpoint: str | None = None,
    ack_deadline_seconds: int = ACK_DEADLINE_SECONDS,
) -> list[ResourceResult]:
    """Create the topics, the worker subscription and (given an endpoint) the push subscription."""
    from google.cloud import pubsub_v1

    publisher = pubsub_v1.PublisherClient()
    subscriber = pubsub_v1.SubscriberClient()
    project = settings.pubsub_project
    results: list[ResourceResult] = []
    try:
        for topic in (
            settings.gmail_topic,
            settings.gmail_dead_letter_topic,
            settings.internal_topic,
            settings.internal_dead_letter_topic,
        ):
            results.append(_ensure_topic(publisher, project, topic))
        for topic in (settings.gmail_dead_letter_topic, settings.internal_dead_letter_topic):
            results.append(
                _ensure_subscription(
                    subscriber, project, dead_letter_subscription(topic), topic, settings
                )
            )
        results.append(
            _ensure_subscription(
                subscriber,
                project,
                settings.internal_subscription,
                settings.internal_topic,
                settings,
                ordered=True,
                dead_letter_topic=settings.internal_dead_letter_topic,
                ack_deadline_seconds=ack_deadline_seconds,
            )
        )
        if push_endpoint:
            results.append(
                _ensure_subscription(
                    subscriber,
                    project,
                    settings.gmail_push_subscription,
                    settings.gmail_topic,
                    settings,
                    push_endpoint=push_endpoint,
                    dead_letter_topic=settings.gmail_dead_letter_topic,
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
    settings: Settings,
    *,
    ordered: bool = False,
    push_endpoint: str | None = None,
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
        if settings.push_service_account and settings.push_audience:
            push_config["oidc_token"] = {
                "service_account_email": settings.push_service_account,
                "audience": settings.push_audience,
            }
        request["push_config"] = push_config
    try:
        subscriber.create_subscription(request=request)  # type: ignore[attr-defined]
    except AlreadyExists:
        return ResourceResult("subscription", path, created=False)
    log.info("created subscription %s", path)
    return ResourceResult("subscription", path, created=True)


def replay_dead_letters(settings: Settings, *, max_messages: int = 1000) -> int:
    """Move dead-lettered `mailbox-changed` back to the internal topic; return how many."""
    from google.api_core.exceptions import DeadlineExceeded, RetryError
    from google.cloud import pubsub_v1

    publisher = pubsub_v1.PublisherClient(
        publisher_options=pubsub_v1.types.PublisherOptions(enable_message_ordering=True)
    )
    subscriber = pubsub_v1.SubscriberClient()
    hold = subscriber.subscription_path(
        settings.pubsub_project, dead_letter_subscription(settings.internal_dead_letter_topic)
    )
    topic = publisher.topic_path(settings.pubsub_project, settings.internal_topic)
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
