"""The batch endpoint, driven by googleapiclient.http.BatchHttpRequest."""

from __future__ import annotations

import pytest
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest
from sandbox_testkit import Sandbox

pytestmark = pytest.mark.unit


def _run_batch(sandbox: Sandbox, gmail, ids: list[str]) -> dict[str, tuple]:
    answers: dict[str, tuple] = {}
    batch = BatchHttpRequest(
        batch_uri=sandbox.url + "/batch/gmail/v1",
        callback=lambda request_id, response, error: answers.__setitem__(
            request_id, (response, error)
        ),
    )
    for message_id in ids:
        batch.add(
            gmail.users()
            .messages()
            .get(userId="me", id=message_id, format="metadata", metadataHeaders=["Subject"]),
            request_id=message_id,
        )
    batch.execute()
    return answers


def test_batch_of_fifty_gets(make_sandbox) -> None:
    sandbox = make_sandbox(quota_units_per_second=None)
    delivered = {sandbox.deliver(subject=f"subject {n}")["id"]: f"subject {n}" for n in range(49)}
    ids = [*delivered, "00000000000dead0"]

    answers = _run_batch(sandbox, sandbox.gmail(), ids)

    assert set(answers) == set(ids)
    for message_id, subject in delivered.items():
        response, error = answers[message_id]
        assert error is None
        assert response["id"] == message_id
        assert response["payload"]["headers"] == [{"name": "Subject", "value": subject}]
    missing_response, missing_error = answers["00000000000dead0"]
    assert missing_response is None and missing_error.resp.status == 404


def test_each_batch_part_is_charged_against_the_quota(make_sandbox) -> None:
    sandbox = make_sandbox(quota_units_per_second=25)
    ids = [sandbox.deliver()["id"] for _ in range(8)]

    answers = _run_batch(sandbox, sandbox.gmail(), ids)

    errors = [error for _, error in answers.values() if error is not None]
    assert len(errors) == 3
    assert all(isinstance(e, HttpError) and e.resp.status == 429 for e in errors)
    stats = sandbox.admin("GET", "/sandbox/users/jordan@example.com/stats").json()
    assert stats["quota_units_used"] == 25 and stats["rate_limited"] == 3
