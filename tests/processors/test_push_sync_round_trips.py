"""A push-sync's database round trips stay few: a guard on the statements and transactions one
push of one new message costs (counted, never timed), on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine, event

from messaging import MailboxChanged
from processors import SyncOutcome
from tests.processors.test_sync import CONFIRMATION, synced_mailbox

# The lease (with the wanted id); what is recorded and the rules; the batch with its cursor, the
# finished run and the release.
MAX_TRANSACTIONS = 3
# 13 for a push that starts an application (its company's other spellings are looked up first)
# and for one that joins it; was 24 in 8 transactions before the write path was trimmed, then
# 16, then 15 in 6.
MAX_STATEMENTS = 13


@dataclass
class SqlCount:
    """Statements and transactions seen on an engine."""

    statements: list[str] = field(default_factory=list)
    transactions: int = 0


@contextmanager
def counting(engine: Engine) -> Iterator[SqlCount]:
    """Count what runs on ``engine`` inside the block (SQLite's own BEGIN is not a statement)."""
    count = SqlCount()

    def statement(_conn: object, _cursor: object, sql: str, *_args: object) -> None:
        if not sql.startswith("BEGIN"):
            count.statements.append(" ".join(sql.split()[:4]))

    def begin(_conn: object) -> None:
        count.transactions += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "begin", begin)
    try:
        yield count
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "begin", begin)


def test_a_push_of_one_message_costs_few_statements_in_few_transactions(
    sandbox, store, settings, classifier
) -> None:
    user_id, mailbox_id, address, syncer = synced_mailbox(sandbox, store, settings, classifier)
    for n in range(2):  # the first push starts an application, the second joins it
        email = {**CONFIRMATION, "to": address, "subject": f"Thanks for applying, part {n}"}
        answer = sandbox.state.deliver(address, email)
        with counting(store.database.engine) as count:
            result = syncer.handle(MailboxChanged(mailbox_id, int(answer["historyId"]), "push"))

        assert result.outcome is SyncOutcome.SYNCED
        assert (result.messages_seen, result.passes) == (1, 1)
        assert count.transactions <= MAX_TRANSACTIONS, count.statements
        assert len(count.statements) <= MAX_STATEMENTS, count.statements

    mailbox = store.mailbox(mailbox_id)
    assert mailbox.history_cursor == int(answer["historyId"])
    assert store.behind_mailboxes() == []
    assert store.acquire_lease(mailbox_id, "next-worker", ttl_seconds=5)  # released
    runs = store.sync_runs(mailbox_id)
    assert [(r.kind, r.status, r.messages_seen) for r in runs[:2]] == [("push", "ok", 1)] * 2
    assert all(r.finished_at is not None for r in runs)
    applications = store.applications(user_id)
    assert len(applications) == 1
    assert len(store.application(user_id, applications[0].id).events) == 2
