"""The Google Cloud Pub/Sub implementation of the internal queue.

It satisfies `messaging.Publisher` and `messaging.Subscriber`: a handler that returns acks the
message; a handler that raises sends it back for another try.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent import futures

from messaging.contract import Handler, MailboxChanged, MalformedMessage, Publisher, PublishError

log = logging.getLogger(__name__)

STREAM_END_WAIT_SECONDS = 1.0


class PubSubPublisher:
    """Publishes `mailbox-changed` to a Pub/Sub topic.

    Without an ordering key: the database, not the order of delivery, decides what a mailbox
    needs, and an ordering key would only block a mailbox's later messages behind one that a
    dead subscriber held.
    """

    def __init__(self, project: str, topic: str, *, timeout_seconds: float = 10.0) -> None:
        from google.cloud import pubsub_v1

        # Every publish waits for its own result, so batching would only add latency.
        self._client = pubsub_v1.PublisherClient(
            batch_settings=pubsub_v1.types.BatchSettings(max_messages=1, max_latency=0.001),
        )
        self._topic_path = self._client.topic_path(project, topic)
        self._timeout = timeout_seconds

    def publish(self, message: MailboxChanged) -> None:
        """Publish and wait until Pub/Sub has accepted the message, or raise `PublishError`."""
        try:
            future = self._client.publish(self._topic_path, message.to_bytes())
            future.result(timeout=self._timeout)
        except Exception as exc:
            raise PublishError(f"publishing to {self._topic_path} failed: {exc}") from exc

    def check(self) -> None:
        """Ask Pub/Sub for the topic; raise `PublishError` when that fails."""
        try:
            self._client.get_topic(request={"topic": self._topic_path}, timeout=5)
        except Exception as exc:
            raise PublishError(f"Pub/Sub topic {self._topic_path} is not reachable: {exc}") from exc

    def close(self) -> None:
        """Flush and stop the client's background threads."""
        self._client.stop()


class PubSubSubscriber:
    """Consumes `mailbox-changed` by streaming pull with flow control."""

    def __init__(
        self,
        project: str,
        subscription: str,
        *,
        max_outstanding: int = 4,
        hand_back: Publisher | None = None,
    ) -> None:
        from google.cloud import pubsub_v1

        self._types = pubsub_v1.types
        self._client = pubsub_v1.SubscriberClient()
        self._subscription_path = self._client.subscription_path(project, subscription)
        self._max_outstanding = max_outstanding
        self._hand_back = hand_back
        self._stopped = threading.Event()
        self._counter: _AckCounter | None = None

    def consume(
        self, handler: Handler, *, max_messages: int | None = None, timeout: float | None = None
    ) -> int:
        """Run the streaming pull until a limit is reached; see `Subscriber.consume`."""
        self._stopped.clear()
        counter = self._counter = _AckCounter(max_messages)
        callback = _make_callback(handler, counter, self._give_back)
        flow = self._types.FlowControl(max_messages=self._max_outstanding)
        pull = self._client.subscribe(
            self._subscription_path,
            callback,
            flow_control=flow,
            # Closing stops new deliveries first, then waits for the handlers in hand: they ack,
            # or hand their message back (see `_give_back`).
            await_callbacks_on_shutdown=True,
        )
        try:
            while not self._stopped.is_set() and not counter.done():
                if timeout is not None and counter.idle_for() > timeout:
                    break
                try:
                    pull.result(timeout=0.1)
                except futures.TimeoutError:
                    continue
        finally:
            counter.stopping.set()
            _end_stream(pull)
            pull.cancel()
            # A cancelled stream's future raises on result(); it is closed either way.
            with contextlib.suppress(Exception):
                pull.result(timeout=30)
        return counter.acked

    def stop(self) -> None:
        """Make a running `consume` return; messages in hand finish or are handed back."""
        if self._counter is not None:
            self._counter.stopping.set()
        self._stopped.set()

    def _give_back(self, received: object, message: MailboxChanged | None) -> None:
        """Shutting down: publish the message again and ack this copy, so the next worker gets it
        now. A nack would count as a failed delivery towards the dead-letter policy, and wait out
        the subscription's retry backoff."""
        if self._hand_back is not None and message is not None:
            try:
                self._hand_back.publish(message)
            except PublishError:
                log.warning("could not hand a message back; nacking it instead")
            else:
                received.ack()  # type: ignore[attr-defined]
                return
        received.nack()  # type: ignore[attr-defined]

    def close(self) -> None:
        """Close the gRPC channel."""
        self._client.close()


def _end_stream(pull: object, *, timeout: float = STREAM_END_WAIT_SECONDS) -> None:
    """Half-close the streaming pull and give the server a moment to end it, before the cancel.

    The client library only cancels its stream (RST_STREAM). Google's Pub/Sub emulator never learns
    of that (the gRPC in its jar throws NoSuchMethodError on it): it keeps the dead stream
    registered and keeps sending it messages, with message ordering whole ordering keys, that
    nobody receives. A half-close, which is how the Go client ends its streams, ends the stream
    there cleanly; Pub/Sub itself handles either. The client has no public way to half-close.
    """
    manager = getattr(pull, "_StreamingPullFuture__manager", None)
    rpc = getattr(manager, "_rpc", None)
    requests = getattr(rpc, "_request_queue", None)
    if rpc is None or requests is None:
        return
    requests.put(None)  # ends the request iterator, so gRPC half-closes the stream
    deadline = time.monotonic() + timeout
    while rpc.is_active and time.monotonic() < deadline:
        time.sleep(0.01)


class _AckCounter:
    """Counts acknowledged and in-flight messages across the client's callback threads."""

    def __init__(self, limit: int | None) -> None:
        self._limit = limit
        self._lock = threading.Condition()
        self.acked = 0
        self.in_flight = 0
        self.stopping = threading.Event()
        self._last_activity = time.monotonic()

    def claim(self) -> bool:
        """Take a message to handle, unless stopping or the limit is reached."""
        with self._lock:
            self._last_activity = time.monotonic()
            if self.stopping.is_set():
                return False
            if self._limit is not None and self.acked + self.in_flight >= self._limit:
                return False
            self.in_flight += 1
            return True

    def finish(self, *, acked: bool) -> None:
        """A claimed message was acked or given back."""
        with self._lock:
            self._last_activity = time.monotonic()
            self.in_flight -= 1
            if acked:
                self.acked += 1
            self._lock.notify_all()

    def done(self) -> bool:
        with self._lock:
            return self._limit is not None and self.acked >= self._limit

    def idle_for(self) -> float:
        with self._lock:
            return 0.0 if self.in_flight else time.monotonic() - self._last_activity


GiveBack = Callable[[object, MailboxChanged | None], None]


def _make_callback(
    handler: Handler, counter: _AckCounter, give_back: GiveBack
) -> Callable[[object], None]:
    def on_message(received: object) -> None:
        try:
            message = MailboxChanged.from_bytes(received.data)  # type: ignore[attr-defined]
        except MalformedMessage as exc:
            # Nack: after the delivery policy's attempts the dead-letter topic keeps it.
            log.error("malformed queue message: %s", exc)
            received.nack()  # type: ignore[attr-defined]
            return
        if not counter.claim():
            give_back(received, message)
            return
        try:
            handler(message)
        except Exception:
            if counter.stopping.is_set():
                log.info("shutting down: handing mailbox %s back", message.mailbox_id)
                give_back(received, message)
            else:
                log.exception("handler failed", extra={"mailbox_id": message.mailbox_id})
                received.nack()  # type: ignore[attr-defined]
            counter.finish(acked=False)
            return
        ack = received.ack_with_response()  # type: ignore[attr-defined]
        try:
            ack.result(timeout=30)
        except Exception:
            log.warning("ack not confirmed; the message may be redelivered (writes are idempotent)")
        counter.finish(acked=True)

    return on_message
