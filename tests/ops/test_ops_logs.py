"""Log hygiene: a real worker and webhook at DEBUG through a real sync leak no metadata or token."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import requests
from ops_testkit import ops_settings, start_process

from applytrack.wiring import store_from_settings
from messaging import MailboxChanged
from messaging.admin import bootstrap_pubsub
from messaging.pubsub import PubSubPublisher
from sandbox.emulator import free_port
from storage import Tier
from tests.sync_testkit import new_address, process_env, recorded_ids, wait_until

pytestmark = pytest.mark.e2e

PUSH_TOKEN = "push-token-Zq81xLwT"
SENDER_NAME = "Quentin Vexworth"
SENDER_ADDRESS = "quentin.vexworth@zylophant-careers.example"
SUBJECTS = (
    "Zylophant Dynamics interview invitation for Platypus Wrangler",
    "Your application to Zylophant Dynamics: Platypus Wrangler",
)


def test_no_metadata_or_token_reaches_the_logs(pubsub_emulator, sandbox, tmp_path: Path):
    settings = ops_settings(tmp_path, sandbox, f"sqlite:///{tmp_path / 'logs.db'}")
    store = store_from_settings(settings)
    store.database.upgrade()
    bootstrap_pubsub(settings.pubsub, ack_deadline_seconds=10)
    address = new_address("vexworth")
    sandbox.state.deliver(
        address,
        {"from": f"{SENDER_NAME} <{SENDER_ADDRESS}>", "to": address, "subject": SUBJECTS[1]},
    )
    grant = sandbox.state.grant(address)
    user_id = store.create_user(f"owner.{address}")
    mailbox_id = store.connect_mailbox(
        user_id, address, tier=Tier.FREE, refresh_token=grant["refresh_token"]
    )
    env = process_env(settings, GMAIL_PUSH_TOKEN=PUSH_TOKEN)
    port = free_port()
    web = start_process(env, tmp_path, "web", "web", "--port", str(port), log_level="DEBUG")
    worker = start_process(env, tmp_path, "worker", "worker", log_level="DEBUG")
    try:
        publisher = PubSubPublisher(settings.pubsub.project, settings.pubsub.internal_topic)
        publisher.publish(MailboxChanged(mailbox_id, None, "initial"))
        publisher.close()
        wait_until(lambda: store.mailbox(mailbox_id).history_cursor is not None, what="sync")
        new = sandbox.state.deliver(
            address,
            {"from": f"{SENDER_NAME} <{SENDER_ADDRESS}>", "to": address, "subject": SUBJECTS[0]},
        )
        data = json.dumps({"emailAddress": address, "historyId": int(new["historyId"])})
        push = {
            "message": {
                "data": base64.b64encode(data.encode()).decode(),
                "messageId": "1",
                "publishTime": "2026-01-01T00:00:00Z",
            },
            "subscription": "projects/x/subscriptions/gmail-notifications-push",
        }
        url = f"http://127.0.0.1:{port}/pubsub/gmail?token={PUSH_TOKEN}"
        wait_until(lambda: _answers(url, push), what="the webhook to accept the push")
        wait_until(lambda: len(recorded_ids(store, mailbox_id)) == 2, what="the pushed email")
        assert worker.stop() == 0
        assert web.stop() == 0
    finally:
        worker.kill()
        web.kill()

    for process in (worker, web):
        logged = process.stderr()
        assert logged.strip(), "the process logged nothing at DEBUG: the test would prove nothing"
        process.log_entries()  # every line is one JSON object
        secrets = (
            *SUBJECTS,
            SENDER_NAME,
            SENDER_ADDRESS,
            address,
            grant["refresh_token"],
            grant["access_token"],
            PUSH_TOKEN,
            "ya29.",
        )
        leaked = [secret for secret in secrets if secret in logged]
        assert not leaked, f"{process.stderr_path.name} leaked {leaked}"


def _answers(url: str, push: dict) -> bool:
    try:
        return requests.post(url, json=push, timeout=5).status_code == 204
    except requests.ConnectionError:
        return False
