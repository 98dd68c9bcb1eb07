"""A window sync reads likely job mail first, then the rest of the window, on real parts: the
classifier's Gmail searches run by the sandbox over HTTP, the real classifier, SQLite and
PostgreSQL. Nothing is read twice, nothing is missed, the cursor moves once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import text

from applytrack.settings import Settings
from applytrack.worker_wiring import mailbox_connector, sync_policy
from classifier import likely_job_mail_queries
from classifier.query import MAX_QUERY_CHARS
from classifier.rulebook import STRENGTHS, default_rulebook
from messaging import MailboxChanged
from processors import MailboxSyncer, SyncPhase, SyncProgress
from sandbox import SandboxServer
from sandbox.query import parse_query
from storage import Store, Tier
from tests.sync_testkit import doubled_events, inbox_ids, new_address, recorded_ids

NOW_MS = 1_800_000_000_000


def connected_mailbox(
    sandbox: SandboxServer, store: Store, *, count: int, applications: int
) -> tuple[int, int, str]:
    """A sandbox mailbox of ``count`` messages holding ``applications`` applications' mail."""
    address = new_address("board")
    body = {"count": count, "days": 20, "seed": 11, "applications": applications}
    answer = requests.post(f"{sandbox.url}/sandbox/users/{address}/generate", json=body, timeout=60)
    answer.raise_for_status()
    user_id = store.create_user(f"owner.{address}")
    token = sandbox.state.grant(address)["refresh_token"]
    mailbox_id = store.connect_mailbox(user_id, address, tier=Tier.FREE, refresh_token=token)
    return user_id, mailbox_id, address


@dataclass
class BoardAtPhaseStart:
    """What the board and the records held when each phase began."""

    store: Store
    user_id: int
    mailbox_id: int
    applications: dict[SyncPhase, int] = field(default_factory=dict)
    records: dict[SyncPhase, int] = field(default_factory=dict)

    def __call__(self, progress: SyncProgress) -> None:
        if progress.phase is not None and progress.phase not in self.applications:
            self.applications[progress.phase] = len(self.store.applications(self.user_id))
            self.records[progress.phase] = len(recorded_ids(self.store, self.mailbox_id))


def syncer(settings: Settings, store: Store, classifier, watcher: BoardAtPhaseStart):
    policy = sync_policy(settings, worker="board")
    return MailboxSyncer(
        store, classifier, mailbox_connector(settings), policy, on_progress=watcher
    )


def test_the_first_sync_fills_the_board_before_reading_the_rest(
    sandbox, store, settings, classifier
) -> None:
    user_id, mailbox_id, address = connected_mailbox(sandbox, store, count=240, applications=6)
    expected = inbox_ids(settings, sandbox, address)
    watcher = BoardAtPhaseStart(store, user_id, mailbox_id)

    result = syncer(settings, store, classifier, watcher).handle(
        MailboxChanged(mailbox_id, None, "initial")
    )

    board = len(store.applications(user_id))
    assert board == 6
    assert watcher.applications == {SyncPhase.JOB_MAIL_FIRST: 0, SyncPhase.REST_OF_WINDOW: board}
    assert watcher.records[SyncPhase.REST_OF_WINDOW] < len(expected) / 4, "job mail came first"
    ids = recorded_ids(store, mailbox_id)
    assert sorted(ids) == sorted(expected), "every message once: nothing missed, nothing twice"
    assert doubled_events(store, mailbox_id) == 0
    assert result.messages_seen == len(expected)
    assert store.mailbox(mailbox_id).history_cursor is not None
    rest, first = store.sync_runs(mailbox_id)[:2]
    assert (first.kind, rest.kind) == ("initial:job_mail_first", "initial:rest_of_window")
    assert (first.status, rest.status) == ("ok", "ok")
    assert first.messages_seen + rest.messages_seen == len(expected)
    assert rest.total == len(expected) - first.messages_seen, "the rest is what the first left"


def last_synced_weeks_ago(store: Store, mailbox_id: int) -> None:
    with store.database.engine.begin() as connection:
        connection.execute(
            text("UPDATE mailboxes SET last_sync_at = :at WHERE id = :m"),
            {"at": datetime.now(UTC) - timedelta(days=25), "m": mailbox_id},
        )


def test_a_resync_after_an_expired_cursor_goes_job_mail_first_too(
    sandbox, store, settings, classifier
) -> None:
    user_id, mailbox_id, address = connected_mailbox(sandbox, store, count=120, applications=3)
    watcher = BoardAtPhaseStart(store, user_id, mailbox_id)
    worker = syncer(settings, store, classifier, watcher)
    worker.handle(MailboxChanged(mailbox_id, None, "initial"))
    records_before = len(recorded_ids(store, mailbox_id))
    watcher.applications.clear()

    latest = sandbox.state.deliver(
        address,
        {
            "from": "Jobs <no-reply@hire.lever.co>",
            "to": address,
            "subject": "Interview invitation: Data Analyst at Quill Maps",
            "body": "We would like to invite you to an interview for the Data Analyst role.",
        },
    )
    requests.post(f"{sandbox.url}/sandbox/users/{address}/expire-history", json={}, timeout=5)
    last_synced_weeks_ago(store, mailbox_id)  # so the resync reads back over the whole window
    result = worker.handle(MailboxChanged(mailbox_id, int(latest["historyId"]), "push"))

    assert result.resynced
    assert list(watcher.applications) == list(SyncPhase)
    assert len(recorded_ids(store, mailbox_id)) == records_before + 1
    assert doubled_events(store, mailbox_id) == 0
    rest, first = store.sync_runs(mailbox_id)[:2]
    assert (first.kind, rest.kind) == ("push:job_mail_first", "push:rest_of_window")
    assert (first.status, rest.status) == ("resynced", "resynced")


def test_a_small_window_is_read_in_one_phase(sandbox, store, settings, classifier) -> None:
    user_id, mailbox_id, _ = connected_mailbox(sandbox, store, count=30, applications=2)
    watcher = BoardAtPhaseStart(store, user_id, mailbox_id)

    syncer(settings, store, classifier, watcher).handle(MailboxChanged(mailbox_id, None, "initial"))

    assert watcher.applications == {}
    assert [run.kind for run in store.sync_runs(mailbox_id)] == ["initial"]
    assert len(store.applications(user_id)) == 2


# --- the searches themselves, read by the sandbox as Gmail reads them ---------------------------


@dataclass(frozen=True)
class Message:
    sender: str = "Someone <someone@example.org>"
    subject: str = "Hello"
    recipients: str = "me@gmail.com"
    snippet: str = ""
    internal_date_ms: int = NOW_MS - 86_400_000
    label_ids: tuple[str, ...] = ("INBOX",)


def found(message: Message, scope: str = "newer_than:30d in:inbox") -> bool:
    queries = likely_job_mail_queries(scope)
    return any(parse_query(q, now_ms=NOW_MS).matches(message) for q in queries)


def a_subject_saying(phrase: str) -> str:
    """A subject line with a rule phrase in it: its first spelling, a word in each gap."""
    words = [
        "soon" if token.startswith("~") else token.split("|")[0].rstrip("*")
        for token in phrase.split()
    ]
    return "Re: " + " ".join(words) + " - Data Analyst"


RULES = default_rulebook()
STRONG_SUBJECT_PHRASES = sorted(
    {
        (language.code, phrase.phrase)
        for language in RULES.languages
        for phrase in language.subject_stages
        if phrase.weight >= STRENGTHS["strong"]
    }
)


@pytest.mark.unit
@pytest.mark.parametrize("language,phrase", STRONG_SUBJECT_PHRASES)
def test_every_strong_subject_phrase_is_searched(language: str, phrase: str) -> None:
    assert found(Message(subject=a_subject_saying(phrase))), (language, phrase)


@pytest.mark.unit
@pytest.mark.parametrize(
    "domain", sorted({*RULES.senders.ats_domains, *RULES.senders.job_board_domains})
)
def test_every_job_sender_domain_is_searched(domain: str) -> None:
    assert found(Message(sender=f"Careers <no-reply@mail.{domain}>", subject="Update"))


@pytest.mark.unit
def test_the_searches_leave_out_ordinary_and_promotional_mail() -> None:
    assert not found(Message(subject="Dinner on Saturday?"))
    assert not found(Message(sender="Deals <deals@shopmart.example.com>", subject="Weekend sale"))
    promotion = Message(subject="An exclusive offer for you", label_ids=("CATEGORY_PROMOTIONS",))
    assert not found(promotion)
    assert not found(Message(subject="Thank you for applying", internal_date_ms=0)), "scope kept"


@pytest.mark.unit
def test_each_search_fits_in_a_get_request() -> None:
    queries = likely_job_mail_queries("newer_than:30d in:inbox -in:chats -in:spam -in:trash")
    assert queries
    assert all(len(q) <= MAX_QUERY_CHARS for q in queries)
