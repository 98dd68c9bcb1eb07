"""Graceful shutdown and shared subscriptions, on real `applytrack worker` processes, Google's
Pub/Sub emulator, the Gmail sandbox over HTTP and a real database."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from ops_testkit import Process, ops_settings, start_process, worker_outcomes

from applytrack.wiring import store_from_settings
from messaging import MailboxChanged
from messaging.admin import bootstrap_pubsub
from messaging.pubsub import PubSubPublisher
from tests.sync_testkit import (
    doubled_events,
    generated_mailbox,
    inbox_ids,
    process_env,
    recorded_ids,
    wait_until,
)

pytestmark = pytest.mark.e2e

NO_SUCH_MAILBOX = 999_999

APPLICATION = {
    "from": "Greenhouse <no-reply@greenhouse.io>",
    "subject": "Thank you for applying to Northwind Traders",
    "body": "Hi, thank you for applying for the Data Engineer role at Northwind Traders. "
    "We have received your application and will review it shortly.",
}


def _both_pulling(publisher: PubSubPublisher, workers: list[Process]) -> bool:
    """True once every worker has handled a message; until then, publish one more for a mailbox
    that does not exist."""
    if all(worker_outcomes(worker)["skipped"] for worker in workers):
        return True
    publisher.publish(MailboxChanged(NO_SUCH_MAILBOX, None, "poll"))
    return False


def _work_handled(outcomes: Counter[str]) -> int:
    """Messages a worker handled for a mailbox that exists: the work, not the warm-up."""
    return sum(outcomes.values()) - outcomes["skipped"]


def test_sigterm_mid_backfill_loses_nothing_and_the_next_worker_finishes(
    pubsub_emulator, sandbox, tmp_path: Path
):
    # 600 messages at 400 quota units/s: about 7 s of backfill, so SIGTERM lands mid-way.
    settings = ops_settings(
        tmp_path,
        sandbox,
        f"sqlite:///{tmp_path / 'ops.db'}",
        gmail_quota_units_per_second=400.0,
    )
    store = store_from_settings(settings)
    store.database.upgrade()
    bootstrap_pubsub(settings.pubsub, ack_deadline_seconds=10)
    _, mailbox_id, address = generated_mailbox(sandbox, store, count=600)
    expected = inbox_ids(settings, sandbox, address)
    publisher = PubSubPublisher(settings.pubsub.project, settings.pubsub.internal_topic)
    publisher.publish(MailboxChanged(mailbox_id, None, "initial"))
    publisher.close()
    env = process_env(settings)

    first = start_process(env, tmp_path, "first", "worker", with_metrics=True)
    second: Process | None = None
    try:
        wait_until(lambda: len(recorded_ids(store, mailbox_id)) > 0, what="the first chunk")
        assert first.stop(timeout=15) == 0, first.stderr()
        written = set(recorded_ids(store, mailbox_id))
        assert 0 < len(written) < len(expected), "SIGTERM must land mid-backfill"
        assert store.mailbox(mailbox_id).history_cursor is None
        assert store.sync_runs(mailbox_id)[0].status == "failed"

        second = start_process(env, tmp_path, "second", "worker", "--max-messages", "1")
        assert second.popen.wait(timeout=45) == 0, second.stderr()
    finally:
        first.kill()
        if second is not None:
            second.kill()

    ids = recorded_ids(store, mailbox_id)
    assert set(ids) == expected
    assert len(ids) == len(set(ids)), "a message was recorded twice"
    assert written <= set(ids)
    assert doubled_events(store, mailbox_id) == 0
    assert store.mailbox(mailbox_id).history_cursor is not None
    finished = [e for e in second.log_entries() if e.get("mailbox_id") == mailbox_id]
    assert any(
        e.get("outcome") == "synced" and f" {len(expected) - len(written)} messages" in e["event"]
        for e in finished
    ), "the second worker must write exactly what the first left"


def test_two_workers_share_one_subscription_without_duplicates(
    pubsub_emulator, sandbox, tmp_path: Path, postgres_url: str
):
    settings = ops_settings(tmp_path, sandbox, postgres_url, gmail_quota_units_per_second=500.0)
    store = store_from_settings(settings)
    store.database.upgrade()
    bootstrap_pubsub(settings.pubsub, ack_deadline_seconds=10)
    mailboxes = [generated_mailbox(sandbox, store, count=60, seed=n)[1:] for n in range(6)]
    publisher = PubSubPublisher(settings.pubsub.project, settings.pubsub.internal_topic)
    env = process_env(settings)
    workers = [
        start_process(env, tmp_path, f"worker{n}", "worker", with_metrics=True) for n in (1, 2)
    ]
    try:
        newest: dict[int, int] = {}
        published = len(mailboxes) * 7  # two initial and five pushes a mailbox
        # Both must be pulling before the work is published, or the first takes everything. A
        # worker serves its metrics before its stream is open: wait until each has handled a
        # message for a mailbox that does not exist (skipped, nothing written).
        wait_until(lambda: all(w.serving() for w in workers), what="both workers to start")
        wait_until(lambda: _both_pulling(publisher, workers), what="both workers to pull")
        for mailbox_id, _address in mailboxes:
            publisher.publish(MailboxChanged(mailbox_id, None, "initial"))
            publisher.publish(MailboxChanged(mailbox_id, None, "initial"))  # a repeat
        for mailbox_id, address in mailboxes:
            history = [
                int(sandbox.state.deliver(address, {"to": address, **APPLICATION})["historyId"])
                for _ in range(3)
            ]
            newest[mailbox_id] = max(history)
            # Out of order and repeated, as Pub/Sub may deliver Gmail's pushes.
            for history_id in (history[2], history[0], history[1], history[2], history[0]):
                publisher.publish(MailboxChanged(mailbox_id, history_id, "push"))
        expected = {mid: inbox_ids(settings, sandbox, address) for mid, address in mailboxes}

        def all_synced() -> bool:
            return all(
                (store.mailbox(mid).history_cursor or 0) >= newest[mid]
                and set(recorded_ids(store, mid)) == expected[mid]
                for mid, _ in mailboxes
            )

        wait_until(all_synced, what="every mailbox to be fully synced", timeout=120)
        # A worker counts a message's outcome after its sync has committed: the database can be
        # complete a moment before the last count reaches the metrics.
        wait_until(
            lambda: sum(_work_handled(worker_outcomes(w)) for w in workers) >= published,
            what="the workers to count every message",
            timeout=15,
        )
        outcomes = [worker_outcomes(worker) for worker in workers]
        for worker in workers:
            assert worker.stop(timeout=15) == 0, worker.stderr()
    finally:
        publisher.close()
        for worker in workers:
            worker.kill()

    for mailbox_id, _ in mailboxes:
        ids = recorded_ids(store, mailbox_id)
        assert len(ids) == len(set(ids)), f"mailbox {mailbox_id}: a message was recorded twice"
        assert doubled_events(store, mailbox_id) == 0
    # The emulator hands a burst to whichever stream asks first, so how the work splits between
    # the two is its choice, not ours. One subscription shows in the counts: each worker pulled
    # from it (the warm-up), and the work was handled once in all, not once by each.
    handled = [_work_handled(o) for o in outcomes]
    assert all(o["skipped"] for o in outcomes)
    assert sum(o["synced"] for o in outcomes) >= len(mailboxes)
    assert published <= sum(handled) < 2 * published, (
        f"messages handled per worker: {handled} of {published} published; two subscriptions "
        "would each have handled every one"
    )
