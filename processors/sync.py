"""Syncs one mailbox: lease, read what is new since the cursor, classify, write atomically.

Writes go in chunks, each one transaction; the cursor moves only with the last chunk, so a crash
or a failure never moves it past a message that was not written. A retry skips what is recorded.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from classifier import Classifier
from gmail import (
    GmailClient,
    HistoryExpired,
    MessageGone,
    MessageRef,
    QuotaGate,
    TokenRevoked,
    body_text,
    counts_for_sync,
    header,
)
from messaging import MailboxChanged
from processors.messages import classifier_input, incoming_email
from processors.quota import MailboxQuota, QuotaPolicy
from storage import (
    BatchOutcome,
    IncomingEmail,
    LeasedMailbox,
    LeaseLost,
    LeaseRefusal,
    LeaseRefused,
    MailboxState,
    MailboxView,
    Tier,
)

log = logging.getLogger(__name__)

WRITE_CHUNK = 50
WINDOW_QUERY = "in:inbox -in:chats -in:spam -in:trash"
REVOKED_MESSAGE = "Gmail access was revoked or has expired: reconnect Gmail to resume syncing."


class MailboxBusy(RuntimeError):
    """Another worker holds this mailbox's lease; the message goes back to the queue."""


class SyncInterrupted(RuntimeError):
    """The worker is shutting down: what is written stays, the message goes back to the queue."""


@dataclass(frozen=True)
class SyncPolicy:
    """The knobs of a sync, taken from settings by the worker's builder."""

    worker_id: str
    confidence_threshold: float = 0.6
    lease_seconds: float = 120.0
    initial_days_free: int = 30
    initial_days_premium: int = 90
    watch_topic: str | None = None  # projects/<project>/topics/<gmail topic>; None: no push
    watch_renew_before_seconds: float = 86400.0
    quota: QuotaPolicy = field(default_factory=QuotaPolicy)


@dataclass(frozen=True)
class SyncResult:
    """What one sync did, for logs and tests."""

    mailbox_id: int
    skipped: bool = False
    messages_seen: int = 0
    events_written: int = 0
    resynced: bool = False
    rate_limited: int = 0


MailboxOpener = Callable[[int, str, QuotaGate], GmailClient]  # mailbox id, token, quota
ProgressCallback = Callable[[int, int], None]  # (processed, total)


class SyncStore(Protocol):
    """What a sync reads and writes in storage (`storage.Store` is one)."""

    def lease_mailbox(
        self, mailbox_id: int, owner: str, *, ttl_seconds: float, history_after: int | None = None
    ) -> LeasedMailbox | LeaseRefused:
        """Take the mailbox's lease and read it, or say why not."""
        ...

    def acquire_lease(self, mailbox_id: int, owner: str, *, ttl_seconds: float) -> bool:
        """Extend a held lease."""
        ...

    def release_lease(
        self,
        mailbox_id: int,
        owner: str,
        *,
        quota_spends: Sequence[tuple[float, int]] | None = None,
    ) -> None:
        """Give the lease back with the quota window."""
        ...

    def mailbox(self, mailbox_id: int) -> MailboxView:
        """Read a mailbox."""
        ...

    def set_mailbox_state(self, mailbox_id: int, state: MailboxState) -> None:
        """Mark the mailbox reconnect-needed (and so on)."""
        ...

    def record_watch(self, mailbox_id: int, *, history_id: int, expiration: datetime) -> None:
        """Store a push watch."""
        ...

    def known_message_ids(self, mailbox_id: int, message_ids: Sequence[str]) -> set[str]:
        """Which messages are recorded already."""
        ...

    def apply_sync_batch(
        self,
        mailbox_id: int,
        owner: str,
        emails: Sequence[IncomingEmail],
        *,
        new_cursor: int | None,
    ) -> BatchOutcome:
        """Write classified emails (and move the cursor) in one transaction."""
        ...

    def start_sync_run(
        self, mailbox_id: int, kind: str, *, started_at: datetime | None = None
    ) -> int:
        """Record a sync run's start."""
        ...

    def finish_sync_run(
        self,
        run_id: int,
        *,
        status: str,
        messages_seen: int,
        events_written: int,
        error: str | None = None,
    ) -> None:
        """Record how a sync run ended."""
        ...

    def update_sync_progress(self, run_id: int, *, processed: int, total: int | None) -> None:
        """Record how far a long sync has got."""
        ...


class SyncObserver(Protocol):
    """Told about every batch a sync commits (metrics implement it)."""

    def batch_written(self, emails: Sequence[IncomingEmail], outcome: BatchOutcome) -> None:
        """A batch of classified emails was committed."""
        ...


@dataclass
class SyncRun:
    """One sync of one mailbox in progress: its client, its recorded row and what it has done."""

    mailbox: MailboxView
    gmail: GmailClient
    kind: str
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    row_id: int | None = None  # the sync_runs row, written once there is progress to show
    processed: int = 0
    total: int = 0
    seen: int = 0
    events: int = 0
    resynced: bool = False

    def result(self) -> SyncResult:
        return SyncResult(
            self.mailbox.id,
            messages_seen=self.seen,
            events_written=self.events,
            resynced=self.resynced,
            rate_limited=self.gmail.rate_limited,
        )


class MailboxSyncer:
    """Handles `mailbox-changed`: the processor's unit of work."""

    def __init__(
        self,
        store: SyncStore,
        classifier: Classifier,
        open_mailbox: MailboxOpener,
        policy: SyncPolicy,
        *,
        observer: SyncObserver | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        self._stopping = threading.Event()
        self._store = store
        self._classifier = classifier
        self._open_mailbox = open_mailbox
        self._policy = policy
        self._observer = observer
        self._on_progress = on_progress

    def interrupt(self) -> None:
        """Ask running syncs to stop after the chunk in hand (on SIGTERM)."""
        self._stopping.set()

    def handle(self, message: MailboxChanged) -> SyncResult:
        """Sync the mailbox named by ``message``; raise to have the message redelivered."""
        owner = self._policy.worker_id
        leased = self._store.lease_mailbox(
            message.mailbox_id,
            owner,
            ttl_seconds=self._policy.lease_seconds,
            history_after=message.history_id,
        )
        if isinstance(leased, LeaseRefused):
            return _not_leased(leased)
        quota = MailboxQuota(self._policy.quota, leased.quota_spends)
        try:
            return self._sync_leased(leased, message.reason, quota)
        finally:
            self._store.release_lease(message.mailbox_id, owner, quota_spends=quota.spends())

    def _sync_leased(self, leased: LeasedMailbox, reason: str, quota: QuotaGate) -> SyncResult:
        mailbox, token = leased.mailbox, leased.refresh_token
        if token is None:
            self._store.set_mailbox_state(mailbox.id, MailboxState.RECONNECT_NEEDED)
            return SyncResult(mailbox.id, skipped=True)
        kind = "initial" if mailbox.history_cursor is None else reason
        run = SyncRun(mailbox, self._open_mailbox(mailbox.id, token, quota), kind)
        try:
            self._sync(run)
            if self._watch_due(mailbox):
                self._watch(run)
        except TokenRevoked as exc:
            self._store.set_mailbox_state(mailbox.id, MailboxState.RECONNECT_NEEDED)
            self._finish(run, status="failed", error=REVOKED_MESSAGE)
            log.warning("mailbox %s needs reconnecting: %s", mailbox.id, type(exc).__name__)
            return SyncResult(mailbox.id, skipped=True)
        except Exception as exc:
            error = f"Sync stopped and will be retried ({type(exc).__name__}: {exc})"
            self._finish(run, status="failed", error=error)
            raise
        finally:
            run.gmail.close()
        self._finish(run, status="resynced" if run.resynced else "ok")
        return run.result()

    def _row_id(self, run: SyncRun) -> int:
        """The sync run's row, written on first need: a push sync's whole life is shorter than
        one more transaction on its path, so it is written after the status events."""
        if run.row_id is None:
            run.row_id = self._store.start_sync_run(
                run.mailbox.id, run.kind, started_at=run.started_at
            )
        return run.row_id

    def _finish(self, run: SyncRun, *, status: str, error: str | None = None) -> None:
        self._store.finish_sync_run(
            self._row_id(run),
            status=status,
            messages_seen=run.seen,
            events_written=run.events,
            error=error,
        )

    def _sync(self, run: SyncRun) -> None:
        if run.mailbox.history_cursor is None:
            self._sync_window(run, days=self._initial_days(run.mailbox))
            return
        try:
            delta = run.gmail.history_since(run.mailbox.history_cursor)
        except HistoryExpired:
            log.warning("mailbox %s: cursor expired, resyncing the missed window", run.mailbox.id)
            run.resynced = True
            self._sync_window(run, days=self._resync_days(run.mailbox))
            return
        refs = [ref for ref in delta.messages if counts_for_sync(ref.label_ids)]
        self._write(run, refs, final_cursor=delta.latest_history_id)

    def _sync_window(self, run: SyncRun, *, days: int) -> None:
        # The cursor is read before listing, so nothing that arrives during the listing is missed.
        cursor = int(run.gmail.profile()["historyId"])
        refs = list(run.gmail.list_messages(f"newer_than:{days}d {WINDOW_QUERY}"))
        refs.reverse()  # oldest first, so statuses move in the order they happened
        self._write(run, refs, final_cursor=cursor)

    def _write(self, run: SyncRun, refs: Sequence[MessageRef], *, final_cursor: int) -> None:
        """Fetch, classify and write in chunks; the cursor moves only with the last chunk."""
        known = self._store.known_message_ids(run.mailbox.id, [ref.id for ref in refs])
        todo = list({ref.id: ref for ref in refs if ref.id not in known}.values())
        run.total, run.processed = len(refs), len(refs) - len(todo)
        self._report(run)
        chunks = [todo[i : i + WRITE_CHUNK] for i in range(0, len(todo), WRITE_CHUNK)] or [[]]
        for index, chunk in enumerate(chunks):
            if self._stopping.is_set():
                raise SyncInterrupted(f"mailbox {run.mailbox.id}: stopped after {run.processed}")
            if index:  # the lease was just taken for the first chunk
                self._keep_lease(run.mailbox.id)
            emails = self._classify_chunk(run.gmail, chunk)
            last = index == len(chunks) - 1
            outcome = self._store.apply_sync_batch(
                run.mailbox.id,
                self._policy.worker_id,
                emails,
                new_cursor=final_cursor if last else None,
            )
            if self._observer is not None:
                self._observer.batch_written(emails, outcome)
            run.seen += len(emails)
            run.events += outcome.events_written
            run.processed += len(chunk)
            self._report(run)

    def _report(self, run: SyncRun) -> None:
        if run.total > WRITE_CHUNK:  # a one-chunk sync is over before anyone could look
            self._store.update_sync_progress(
                self._row_id(run), processed=run.processed, total=run.total
            )
        if self._on_progress is not None:
            self._on_progress(run.processed, run.total)

    def _keep_lease(self, mailbox_id: int) -> None:
        """Extend the lease between chunks, so a long backfill keeps it; lost means stop."""
        owner = self._policy.worker_id
        if not self._store.acquire_lease(mailbox_id, owner, ttl_seconds=self._policy.lease_seconds):
            raise LeaseLost(f"mailbox {mailbox_id}: the lease passed to another worker")

    def _classify_chunk(
        self, gmail: GmailClient, chunk: Sequence[MessageRef]
    ) -> list[IncomingEmail]:
        fetched = gmail.get_metadata_batch(ref.id for ref in chunk)
        messages = [
            fetched[ref.id]
            for ref in chunk
            if ref.id in fetched and counts_for_sync(fetched[ref.id].get("labelIds", ()))
        ]
        verdicts = self._classifier.classify_many([classifier_input(m) for m in messages])
        threshold = self._policy.confidence_threshold
        emails = []
        for message, verdict in zip(messages, verdicts, strict=True):
            body = None
            if (verdict.label != "none" and verdict.confidence < threshold) or _is_forward(message):
                # The snippet was not enough: read the body once, classify, and forget it.
                body = self._fetch_body(gmail, message["id"])
                if body is not None:
                    verdict = self._classifier.classify(classifier_input(message, body))
            emails.append(incoming_email(message, verdict, threshold=threshold, body=body))
        return emails

    def _fetch_body(self, gmail: GmailClient, message_id: str) -> str | None:
        try:
            return body_text(gmail.get_message(message_id, message_format="full"))
        except MessageGone:
            return None

    def _watch_due(self, mailbox: MailboxView) -> bool:
        if mailbox.tier is not Tier.PREMIUM or not self._policy.watch_topic:
            return False
        if mailbox.watch_expiration is None:
            return True
        left = (mailbox.watch_expiration - datetime.now(UTC)).total_seconds()
        return left < self._policy.watch_renew_before_seconds

    def _watch(self, run: SyncRun) -> None:
        """Start or renew the push watch, then catch up on anything that arrived meanwhile."""
        assert self._policy.watch_topic is not None
        answer = run.gmail.watch(self._policy.watch_topic)
        history_id = int(answer["historyId"])
        expiration = datetime.fromtimestamp(int(answer["expiration"]) / 1000, tz=UTC)
        self._store.record_watch(run.mailbox.id, history_id=history_id, expiration=expiration)
        run.mailbox = self._store.mailbox(run.mailbox.id)
        cursor = run.mailbox.history_cursor
        if cursor is not None and history_id > cursor:
            self._sync(run)

    def _initial_days(self, mailbox: MailboxView) -> int:
        if mailbox.tier is Tier.PREMIUM:
            return self._policy.initial_days_premium
        return self._policy.initial_days_free

    def _resync_days(self, mailbox: MailboxView) -> int:
        """Back to the last successful sync (a day's margin), bounded by the initial window."""
        limit = self._initial_days(mailbox)
        if mailbox.last_sync_at is None:
            return limit
        missed = (datetime.now(UTC) - mailbox.last_sync_at).days + 1
        return max(1, min(limit, missed))


def _not_leased(refused: LeaseRefused) -> SyncResult:
    """Nothing to do (inactive, or the push is covered), or another worker is at it (redeliver)."""
    if refused.reason is LeaseRefusal.BUSY:
        raise MailboxBusy(f"mailbox {refused.mailbox_id} is being synced by another worker")
    if refused.reason is LeaseRefusal.INACTIVE:
        log.info("mailbox %s is not active: nothing to sync", refused.mailbox_id)
    return SyncResult(refused.mailbox_id, skipped=True)


def _is_forward(message: dict[str, Any]) -> bool:
    return (header(message, "Subject") or "").lower().startswith(("fwd:", "fw:"))
