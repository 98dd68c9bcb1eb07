"""Both queue implementations honour the same contract: publish, consume, ack, redeliver."""

from __future__ import annotations

import itertools
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from messaging import MailboxChanged
from messaging.admin import PubSubNames, bootstrap_pubsub
from messaging.inprocess import InProcessQueue
from messaging.pubsub import PubSubPublisher, PubSubSubscriber
from tests.sync_testkit import REPO_ROOT

_projects = itertools.count(1)


class QueuePair:
    def __init__(self, publisher, subscriber, cleanup=lambda: None) -> None:
        self.publisher = publisher
        self.subscriber = subscriber
        self.cleanup = cleanup


@pytest.fixture(params=["inprocess", "pubsub"])
def queue_pair(request, tmp_path) -> Iterator[QueuePair]:
    if request.param == "inprocess":
        local = InProcessQueue(retry_delay_seconds=0.01)
        yield QueuePair(local, local)
        return
    request.getfixturevalue("pubsub_emulator")
    project = f"applytrack-queue-{next(_projects)}"
    names = PubSubNames(project=project)
    bootstrap_pubsub(names)
    publisher = PubSubPublisher(project, names.internal_topic)
    subscriber = PubSubSubscriber(project, names.internal_subscription)
    yield QueuePair(publisher, subscriber)
    publisher.close()
    subscriber.close()


@pytest.mark.e2e
def test_every_message_arrives_with_its_unsigned_64_bit_history_id(queue_pair: QueuePair) -> None:
    sent = [
        MailboxChanged(7, history_id, "push") for history_id in (2**63 + 1, 2**63 + 2, 2**63 + 3)
    ]
    for message in sent:
        queue_pair.publisher.publish(message)
    received: list[MailboxChanged] = []
    acked = queue_pair.subscriber.consume(received.append, max_messages=3, timeout=20)
    assert acked == 3
    assert sorted(received, key=lambda m: m.history_id or 0) == sent  # in any order


@pytest.mark.e2e
def test_a_failing_handler_gets_the_message_again(queue_pair: QueuePair) -> None:
    queue_pair.publisher.publish(MailboxChanged(3, 10, "push"))
    attempts: list[MailboxChanged] = []

    def flaky(message: MailboxChanged) -> None:
        attempts.append(message)
        if len(attempts) == 1:
            raise RuntimeError("first try fails")

    acked = queue_pair.subscriber.consume(flaky, max_messages=1, timeout=30)
    assert acked == 1
    assert attempts == [MailboxChanged(3, 10, "push")] * 2


@pytest.mark.unit
def test_in_process_queue_dead_letters_after_repeated_failures() -> None:
    local = InProcessQueue(retry_delay_seconds=0.0, max_delivery_attempts=3)
    local.publish(MailboxChanged(1, None, "poll"))

    def always_fails(message: MailboxChanged) -> None:
        raise RuntimeError("broken")

    assert local.consume(always_fails, timeout=0.2) == 0
    assert local.dead_letters == [MailboxChanged(1, None, "poll")]


@pytest.mark.e2e
def test_bootstrap_is_idempotent(pubsub_emulator: str, tmp_path) -> None:
    names = PubSubNames(project="applytrack-boot")
    first = bootstrap_pubsub(names, push_endpoint="http://127.0.0.1:9/pubsub/gmail")
    second = bootstrap_pubsub(names, push_endpoint="http://127.0.0.1:9/pubsub/gmail")
    assert all(r.created for r in first)
    assert not any(r.created for r in second)
    assert {r.name for r in first} == {r.name for r in second}
    names = {r.name.rsplit("/", 1)[-1] for r in first}
    assert {
        "gmail-notifications",
        "mailbox-changed",
        "mailbox-changed-workers",
        "gmail-notifications-push",
        "mailbox-changed-dead-letter",
    } <= names


@pytest.mark.e2e
def test_replay_moves_dead_letters_back_to_the_workers(pubsub_emulator: str, tmp_path) -> None:
    from google.cloud import pubsub_v1

    from messaging.admin import replay_dead_letters

    names = PubSubNames(project="applytrack-dlq")
    bootstrap_pubsub(names)
    dead = [MailboxChanged(11, 2**63 + 5, "push"), MailboxChanged(12, None, "poll")]
    publisher = pubsub_v1.PublisherClient()
    dlq = publisher.topic_path(names.project, names.internal_dead_letter_topic)
    for message in dead:  # as Pub/Sub's dead-letter policy would forward them
        publisher.publish(dlq, message.to_bytes()).result()

    assert replay_dead_letters(names) == 2
    assert replay_dead_letters(names) == 0  # nothing left to replay

    subscriber = PubSubSubscriber(names.project, names.internal_subscription)
    received: list[MailboxChanged] = []
    assert subscriber.consume(received.append, max_messages=2, timeout=20) == 2
    subscriber.close()
    assert sorted(received, key=lambda m: m.mailbox_id) == dead


@pytest.mark.e2e
def test_a_message_handed_back_on_stop_goes_promptly_to_the_next_subscriber(
    pubsub_emulator: str, tmp_path
) -> None:
    project = f"applytrack-queue-{next(_projects)}"
    names = PubSubNames(project=project)
    bootstrap_pubsub(names, ack_deadline_seconds=10)
    publisher = PubSubPublisher(project, names.internal_topic)
    first = PubSubSubscriber(project, names.internal_subscription, hand_back=publisher)
    second = PubSubSubscriber(project, names.internal_subscription, hand_back=publisher)
    in_hand, fresh = MailboxChanged(5, None, "initial"), MailboxChanged(5, 7, "push")

    def interrupted(message: MailboxChanged) -> None:
        first.stop()
        time.sleep(0.5)  # like a sync that stops after its chunk, once the stream is closing
        raise RuntimeError("interrupted")

    try:
        publisher.publish(in_hand)
        assert first.consume(interrupted, timeout=20) == 0
        first.close()
        publisher.publish(fresh)  # the same mailbox
        received: list[MailboxChanged] = []
        started = time.monotonic()
        assert second.consume(received.append, max_messages=2, timeout=15) == 2
        # Well within the 10 s ack deadline: nothing waited for a lease to run out.
        assert time.monotonic() - started < 5
        assert sorted(received, key=lambda m: m.history_id or 0) == [in_hand, fresh]
        assert second.consume(received.append, timeout=1) == 0, "a message came twice"
    finally:
        second.close()
        publisher.close()


_HOLD_FOREVER = """
import sys, time
from messaging.pubsub import PubSubSubscriber

def hold(message):
    print(message.mailbox_id, flush=True)
    time.sleep(3600)

PubSubSubscriber(sys.argv[1], sys.argv[2]).consume(hold)
"""


@pytest.mark.e2e
def test_a_killed_subscriber_does_not_block_the_mailbox_for_the_others(
    pubsub_emulator: str,
) -> None:
    """Issue #16: with ordering keys (and a dead-letter policy), once a subscriber was killed
    while holding a mailbox's message, no later message of that mailbox reached the live
    subscribers for minutes (400 s and counting on the emulator)."""
    project = f"applytrack-queue-{next(_projects)}"
    names = PubSubNames(project=project)
    bootstrap_pubsub(names, ack_deadline_seconds=30)
    publisher = PubSubPublisher(project, names.internal_topic)
    doomed = subprocess.Popen(
        [sys.executable, "-c", _HOLD_FOREVER, project, names.internal_subscription],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    survivor = PubSubSubscriber(project, names.internal_subscription)
    received: list[MailboxChanged] = []
    listening = threading.Thread(
        target=lambda: survivor.consume(received.append, max_messages=1, timeout=30)
    )
    try:
        publisher.publish(MailboxChanged(9, 100, "push"))
        assert doomed.stdout is not None and doomed.stdout.readline().strip() == "9"
        doomed.kill()  # SIGKILL: it never acks, nacks or closes its stream
        doomed.wait(timeout=10)
        listening.start()
        time.sleep(1.0)  # the survivor's stream is open
        started = time.monotonic()
        for history_id in range(101, 121):  # the mailbox's later news, every half second
            publisher.publish(MailboxChanged(9, history_id, "push"))
            listening.join(timeout=0.5)
            if received:
                break
        # Well inside the 30 s ack deadline that frees the killed subscriber's message.
        assert received, "no message of the mailbox reached the live subscriber in 10 s"
        assert time.monotonic() - started < 10
    finally:
        if doomed.poll() is None:
            doomed.kill()
        survivor.stop()
        if listening.is_alive():
            listening.join(timeout=30)
        survivor.close()
        publisher.close()
