"""`applytrack corrections export FILE` writes people's corrections as labelled examples that
the training kit reads; `applytrack train --include-corrections FILE` takes them as one more set."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from applytrack.cli import build_parser
from applytrack.commands.classify import run_train
from storage import (
    CorrectionKind,
    CorrectionRequest,
    Database,
    FieldCipher,
    IncomingEmail,
    Label,
    Store,
    Tier,
)
from tests.applytrack.cli_testkit import set_cli_environment
from training.datasets import read_labelled_jsonl
from training.run import corrections_group

pytestmark = pytest.mark.unit

KEY = os.urandom(32)
FINGERPRINT_KEY = os.urandom(32)


@pytest.fixture
def corrected_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """A database with one corrected newsletter, and the environment that names it."""
    url = f"sqlite:///{tmp_path / 'corrections.db'}"
    set_cli_environment(monkeypatch, url, {"k1": KEY}, "k1", FINGERPRINT_KEY)
    database = Database(url)
    database.upgrade()
    store = Store(database, FieldCipher({"k1": KEY}, "k1", FINGERPRINT_KEY))
    user_id = store.create_user("sam@example.com")
    mailbox_id = store.connect_mailbox(user_id, "sam@gmail.com", tier=Tier.FREE, refresh_token="r")
    assert store.acquire_lease(mailbox_id, "test", ttl_seconds=60)
    newsletter = IncomingEmail(
        gmail_message_id="m1",
        thread_id="t1",
        rfc822_message_id=None,
        sender="Substack <news@substack.example>",
        subject="Issue #144: how we interview analysts",
        date=datetime(2025, 2, 1, 9, 0, tzinfo=UTC),
        label=Label.INTERVIEWING,
        confidence=0.9,
        company="Substack",
    )
    store.apply_sync_batch(mailbox_id, "test", [newsletter], new_cursor=None)
    (application,) = store.applications(user_id)
    detail = store.application(user_id, application.id)
    email_id = detail.events[0].email.id
    store.correct_email(user_id, email_id, CorrectionRequest(CorrectionKind.NOT_JOB))
    return store


def test_export_writes_labelled_examples_the_training_kit_reads(corrected_store, tmp_path, capsys):
    target = tmp_path / "corrections.jsonl"
    args = build_parser().parse_args(["corrections", "export", str(target)])

    assert args.func(args) == 0

    (line,) = target.read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert record["from"] == "Substack <news@substack.example>"
    assert record["subject"] == "Issue #144: how we interview analysts"
    assert (record["label"], record["body"]) == ("none", "")
    (example,) = read_labelled_jsonl(target)
    assert example.label == "none" and example.email.date == datetime(2025, 2, 1, 9, 0, tzinfo=UTC)
    group = corrections_group(target)
    assert group.name == "corrections" and len(group.records) == 1
    assert "wrote 1 corrected email(s)" in capsys.readouterr().out


def test_train_refuses_a_missing_corrections_file(tmp_path, capsys):
    args = build_parser().parse_args(
        ["train", "--include-corrections", str(tmp_path / "missing.jsonl")]
    )
    assert run_train(args) == 2
    assert "applytrack corrections export" in capsys.readouterr().err
