"""users.watch / stop and the notifiers: a push envelope to a tiny local receiver, and Pub/Sub."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator

import pytest
from sandbox_testkit import MAILBOX
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from sandbox import PubSubNotifier, PushNotifier

TOPIC = "projects/applytrack-test/topics/gmail-notifications"
WAIT = 10.0


class PushReceiver:
    """A real HTTP endpoint that records every push body it gets."""

    def __init__(self, status: int = 204) -> None:
        self.bodies: list[dict] = []
        self.status = status
        self.arrived = threading.Event()
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}/pubsub/gmail"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @Request.application
    def _app(self, request: Request) -> Response:
        self.bodies.append(request.get_json())
        self.arrived.set()
        return Response(status=self.status)

    def __enter__(self) -> PushReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._thread.join()


class RecordingNotifier:
    """Records notifications; fails the first ``failures`` of them."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.sent: list[tuple[str, bytes]] = []

    def notify(self, topic_name: str, data: bytes) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("subscriber is down")
        self.sent.append((topic_name, data))


@pytest.fixture
def receiver() -> Iterator[PushReceiver]:
    with PushReceiver() as running:
        yield running


@pytest.mark.unit
def test_watch_pushes_a_pubsub_envelope_for_new_mail(make_sandbox, receiver) -> None:
    sandbox = make_sandbox(notifier=PushNotifier(receiver.url))
    sandbox.admin("POST", "/sandbox/users", json={"email": MAILBOX})
    gmail = sandbox.gmail()

    watch = gmail.users().watch(userId="me", body={"topicName": TOPIC}).execute()
    assert int(watch["expiration"]) == int(sandbox.clock() * 1000) + 7 * 86400 * 1000
    delivered = sandbox.deliver()

    assert receiver.arrived.wait(WAIT)
    envelope = receiver.bodies[0]
    assert envelope["subscription"].startswith("projects/applytrack-test/subscriptions/")
    message = envelope["message"]
    assert message["messageId"] and message["publishTime"].endswith("Z")
    assert message["attributes"] == {}
    data = json.loads(base64.urlsafe_b64decode(message["data"]))
    assert data == {"emailAddress": MAILBOX, "historyId": int(delivered["historyId"])}


@pytest.mark.unit
def test_expired_or_stopped_watch_and_label_filter_stay_silent(make_sandbox) -> None:
    notifier = RecordingNotifier()
    sandbox = make_sandbox(notifier=notifier)
    sandbox.admin("POST", "/sandbox/users", json={"email": MAILBOX})
    users = sandbox.gmail().users()
    users.watch(
        userId="me",
        body={"topicName": TOPIC, "labelIds": ["INBOX"], "labelFilterBehavior": "INCLUDE"},
    ).execute()

    sandbox.deliver(labelIds=["SENT"])
    inbox = sandbox.deliver()
    sandbox.admin("POST", "/sandbox/faults", json={"kind": "expire_watch", "email": MAILBOX})
    sandbox.deliver()
    users.watch(userId="me", body={"topicName": TOPIC}).execute()
    users.stop(userId="me").execute()
    sandbox.deliver()
    assert sandbox.server.notifications.drain(WAIT)

    assert notifier.sent == [
        (
            TOPIC,
            json.dumps({"emailAddress": MAILBOX, "historyId": int(inbox["historyId"])}).encode(),
        )
    ]
    stats = sandbox.admin("GET", f"/sandbox/users/{MAILBOX}/stats").json()
    assert stats["watch"] is None


@pytest.mark.unit
def test_a_failing_notifier_is_logged_not_fatal(make_sandbox, caplog) -> None:
    notifier = RecordingNotifier(failures=1)
    sandbox = make_sandbox(notifier=notifier)
    sandbox.admin("POST", "/sandbox/users", json={"email": MAILBOX})
    sandbox.gmail().users().watch(userId="me", body={"topicName": TOPIC}).execute()

    sandbox.deliver()
    second = sandbox.deliver()
    assert sandbox.server.notifications.drain(WAIT)

    assert [json.loads(data)["historyId"] for _, data in notifier.sent] == [
        int(second["historyId"])
    ]
    assert sandbox.server.notifications.failed == 1
    assert "sandbox notification" in caplog.text


@pytest.mark.e2e
def test_pubsub_notifier_publishes_to_the_emulator(make_sandbox, pubsub_emulator) -> None:
    from google.cloud import pubsub_v1

    publisher, subscriber = pubsub_v1.PublisherClient(), pubsub_v1.SubscriberClient()
    publisher.create_topic(name=TOPIC)
    subscription = "projects/applytrack-test/subscriptions/sandbox-watch-test"
    subscriber.create_subscription(name=subscription, topic=TOPIC)
    sandbox = make_sandbox(notifier=PubSubNotifier())
    sandbox.admin("POST", "/sandbox/users", json={"email": MAILBOX})
    sandbox.gmail().users().watch(userId="me", body={"topicName": TOPIC}).execute()

    delivered = sandbox.deliver()
    assert sandbox.server.notifications.drain(WAIT)
    pulled = subscriber.pull(subscription=subscription, max_messages=5, timeout=WAIT)

    assert [json.loads(m.message.data) for m in pulled.received_messages] == [
        {"emailAddress": MAILBOX, "historyId": int(delivered["historyId"])}
    ]
