"""How a watched mailbox tells the world about new mail: Pub/Sub publish or a push POST.

`NotificationDispatcher` runs notifiers on a background thread so that delivering a message never
waits on (or fails because of) a notification.
"""

from __future__ import annotations

import base64
import itertools
import logging
import queue
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

import requests

log = logging.getLogger(__name__)


class Notifier(Protocol):
    """Sends one Gmail notification (JSON bytes) for a watch's topic."""

    def notify(self, topic_name: str, data: bytes) -> None:
        """Deliver ``data`` to ``topic_name`` or raise."""
        ...


class PubSubNotifier:
    """Publishes to the topic with google-cloud-pubsub (honours PUBSUB_EMULATOR_HOST itself)."""

    def __init__(self, *, publisher: Any = None, timeout_seconds: float = 30.0) -> None:
        self._publisher = publisher
        self._timeout_seconds = timeout_seconds
        self._lock = threading.Lock()

    def notify(self, topic_name: str, data: bytes) -> None:
        """Publish ``data`` to the full topic path and wait until Pub/Sub accepted it."""
        self._client().publish(topic_name, data).result(timeout=self._timeout_seconds)

    def _client(self) -> Any:
        with self._lock:
            if self._publisher is None:
                from google.cloud import pubsub_v1

                self._publisher = pubsub_v1.PublisherClient(
                    batch_settings=pubsub_v1.types.BatchSettings(max_messages=1, max_latency=0.001)
                )
            return self._publisher


class PushNotifier:
    """POSTs a Pub/Sub push envelope to an HTTP endpoint, as a push subscription would."""

    def __init__(
        self,
        endpoint_url: str,
        *,
        subscription_name: str = "gmail-notifications-push",
        headers: Mapping[str, str] | None = None,
        timeout_seconds: float = 10.0,
    ) -> None:
        self.endpoint_url = endpoint_url
        self.subscription_name = subscription_name
        self._headers = dict(headers or {})
        self._timeout_seconds = timeout_seconds
        self._message_ids = itertools.count(int(datetime.now(UTC).timestamp()) * 1000)
        self._session = requests.Session()

    def envelope(self, topic_name: str, data: bytes) -> dict:
        """Return the push body Pub/Sub would send for this message."""
        project = _project_of(topic_name)
        return {
            "message": {
                "data": base64.urlsafe_b64encode(data).decode("ascii"),
                "messageId": str(next(self._message_ids)),
                "publishTime": datetime.now(UTC).isoformat(timespec="milliseconds")[:-6] + "Z",
                "attributes": {},
            },
            "subscription": f"projects/{project}/subscriptions/{self.subscription_name}",
        }

    def notify(self, topic_name: str, data: bytes) -> None:
        """POST the envelope; raise on a transport error or a non-2xx answer."""
        response = self._session.post(
            self.endpoint_url,
            json=self.envelope(topic_name, data),
            headers=self._headers,
            timeout=self._timeout_seconds,
        )
        response.raise_for_status()


def _project_of(topic_name: str) -> str:
    parts = topic_name.split("/")
    return parts[1] if len(parts) == 4 and parts[0] == "projects" else "sandbox"


class NotificationDispatcher:
    """A queue and one worker thread in front of a notifier; failures are logged, never raised."""

    def __init__(self, notifier: Notifier | None) -> None:
        self.notifier = notifier
        self._queue: queue.Queue[tuple[str, bytes] | threading.Event | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self.sent = 0
        self.failed = 0

    def start(self) -> None:
        """Start the worker thread (idempotent)."""
        if self._thread is None and self.notifier is not None:
            self._thread = threading.Thread(target=self._run, name="sandbox-notifier", daemon=True)
            self._thread.start()

    def submit(self, topic_name: str, data: bytes) -> None:
        """Queue a notification; returns at once."""
        if self.notifier is not None:
            self._queue.put((topic_name, data))

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until every notification queued so far was attempted; False on timeout."""
        if self._thread is None:
            return True
        reached = threading.Event()
        self._queue.put(reached)
        return reached.wait(timeout)

    def stop(self) -> None:
        """Finish queued notifications and stop the worker."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if isinstance(item, threading.Event):
                item.set()
                continue
            topic_name, data = item
            try:
                self.notifier.notify(topic_name, data)  # type: ignore[union-attr]
                self.sent += 1
            except Exception:
                # A broken subscriber must never take the mailbox down; Gmail just drops it too.
                self.failed += 1
                log.exception("sandbox notification to %s failed", topic_name)
