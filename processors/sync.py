"""Syncs one mailbox: record what is wanted, lease, read what is new since the cursor, classify,
write atomically, and go on until the cursor reaches what is wanted.

A `mailbox-changed` message is a hint: `MailboxSyncer.handle` records its history id as the
mailbox's wanted id and either takes the lease or leaves the work to the worker that holds it.
The holder runs passes until `Store.finish_sync_pass` finds nothing newer wanted and releases;
a pass with nothing after its last batch (no watch to renew, no deeper scan) does that, and
records its finished run, in the last batch's transaction (`Store.end_sync_pass`).
Writes go in chunks, each one transaction; the cursor moves only with the last chunk, so a crash
or a failure never moves it past a message that was not written. A retry skips what is recorded.
A failed sync leaves the want in the database: the scheduler's sweep asks again.

A window sync (the first one, or a resync after an expired cursor) runs in two phases, each its
own sync run on the Integrations page: first the likely job mail (the classifier's Gmail
searches for job senders and job subjects), so the board fills within seconds, then the rest of
the window. Both phases read through the same write path and the same quota; the window is
listed once and split, so nothing is read twice and nothing is missed, and the cursor moves
only with the last chunk of the second phase.

A deeper historical scan (Premium, asked for on the Integrations page) reads the older part of a
longer window, from where the first sync's window began back to the days asked for, through the
same write path and quota, in the same two phases, and never moves the cursor. Its window and
state are kept on the mailbox: any pass of a leased mailbox whose scan is running reads it, so a
scan a worker left (killed, interrupted, failed) is resumed by the next delivery or the
scheduler's sweep, and what was recorded is skipped rather than read again.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from classifier import (
    Classification,
    Classifier,
    MailboxContext,
    is_forward_subject,
    likely_job_mail_queries,
    readable_body,
)
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
from processors.breaker import is_database_outage, is_gmail_outage
from processors.messages import classifier_input, incoming_email, only_in_cc
from processors.quota import MailboxQuota, QuotaPolicy
from storage import (
    NO_MAIL_STATUS,
    ActionType,
    BatchOutcome,
    EmailFacts,
    FinishedRun,
    IncomingEmail,
    LeaseLost,
    LeaseRefusal,
    LeaseRefused,
    MailboxState,
    MailboxView,
    NotFound,
    Recorded,
    RulePreview,
    RuleSpec,
    ThreadApplication,
    Tier,
    decided_by_rule,
    first_match,
    rules_read_the_body,
)
from storage.leases import LeaseGrant
from storage.sync_batches import PassEnd
from storage.sync_runs import DeepScanState, DeepScanView

log = logging.getLogger(__name__)

WRITE_CHUNK = 50
WINDOW_QUERY = "in:inbox -in:chats -in:spam -in:trash"
REVOKED_MESSAGE = "Gmail access was revoked or has expired: reconnect Gmail to resume syncing."
NO_MAIL_WARNING = "No mail found in the last {days} days — is this the account you apply from?"
CATCH_UP = "catch_up"  # the kind of a pass run because more was wanted during the previous one
DEEP_SCAN = "deep_scan"  # the reason that asks for the deeper scan, and its sync runs' kind


class MailboxBusy(RuntimeError):
    """Another worker holds this mailbox's lease (only raised when not handing over)."""


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


class SyncPhase(StrEnum):
    """The phases of a window sync; a sync run's kind names its phase as ``<kind>:<phase>``."""

    JOB_MAIL_FIRST = "job_mail_first"  # what the classifier's Gmail searches call likely job mail
    REST_OF_WINDOW = "rest_of_window"  # the rest of the window, read after it


@dataclass(frozen=True)
class SyncProgress:
    """How far a sync (or one phase of it) has got, for a progress bar."""

    processed: int
    total: int
    phase: SyncPhase | None = None


class SyncOutcome(StrEnum):
    """What handling one message came to."""

    SYNCED = "synced"  # this handler held the lease and synced until nothing more was wanted
    COVERED = "covered"  # the cursor had already reached the message's history id
    HANDED_OVER = "handed_over"  # recorded for the worker that holds the lease
    SKIPPED = "skipped"  # the mailbox is not active (or not there, or needs reconnecting)
    FAILED = "failed"  # recorded, but the sync failed: the scheduler's sweep asks again


@dataclass(frozen=True)
class SyncResult:
    """What handling one message did, for logs, metrics and tests."""

    mailbox_id: int
    outcome: SyncOutcome = SyncOutcome.SYNCED
    messages_seen: int = 0
    events_written: int = 0
    resynced: bool = False
    rate_limited: int = 0
    passes: int = 0  # syncs run (each is one sync run on the Integrations page)
    gmail_unreachable: bool = False  # failed because Gmail did not answer at all

    @property
    def skipped(self) -> bool:
        """Nothing was synced by this handler (covered, handed over, inactive)."""
        return self.outcome in (SyncOutcome.COVERED, SyncOutcome.HANDED_OVER, SyncOutcome.SKIPPED)


MailboxOpener = Callable[[int, str, QuotaGate], GmailClient]  # mailbox id, token, quota
ProgressCallback = Callable[[SyncProgress], None]


class SyncStore(Protocol):
    """What a sync reads and writes in storage (`storage.Store` is one)."""

    def request_sync(
        self,
        mailbox_id: int,
        owner: str,
        *,
        ttl_seconds: float,
        history_id: int | None = None,
        hand_over: bool = True,
    ) -> LeaseGrant | LeaseRefused:
        """Record the wanted history id and take the lease if free, or say why not."""
        ...

    def finish_sync_pass(
        self,
        mailbox_id: int,
        owner: str,
        *,
        wanted_seen: int | None,
        ttl_seconds: float,
        quota_spends: Sequence[tuple[float, int]] = (),
    ) -> LeaseGrant | None:
        """Release the lease if nothing newer is wanted (None), or keep it for one more pass."""
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

    def recorded(
        self,
        mailbox_id: int,
        message_ids: Sequence[str],
        thread_ids: Sequence[str],
        *,
        rules_of: int | None = None,
    ) -> Recorded:
        """Which messages are recorded already, which threads belong to an application, and
        (``rules_of``: the account) the account's rules."""
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

    def end_sync_pass(
        self,
        mailbox_id: int,
        owner: str,
        emails: Sequence[IncomingEmail],
        *,
        new_cursor: int,
        run: FinishedRun,
        wanted_seen: int | None,
        ttl_seconds: float,
        quota_spends: Sequence[tuple[float, int]] = (),
    ) -> PassEnd:
        """Write a pass's last batch, its finished run and the lease's release (or keep) in
        one transaction."""
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

    def record_sync_run(
        self,
        mailbox_id: int,
        kind: str,
        *,
        started_at: datetime,
        status: str,
        messages_seen: int,
        events_written: int,
        error: str | None = None,
    ) -> int:
        """Record a sync run that has already ended, in one write."""
        ...

    def update_sync_progress(self, run_id: int, *, processed: int, total: int | None) -> None:
        """Record how far a long sync has got."""
        ...

    def start_deep_scan(self, mailbox_id: int, *, read_days: int) -> DeepScanView:
        """Fix a running scan's window (once) and return it."""
        ...

    def record_deep_scan_progress(
        self, mailbox_id: int, *, processed: int, total: int, finished: bool = False
    ) -> None:
        """Record how far the deeper scan has got; ``finished`` ends it."""
        ...

    def apply_filter_rules_to_past(self, user_id: int) -> RulePreview:
        """Apply the account's rules to its recorded mail (idempotent)."""
        ...


class SyncObserver(Protocol):
    """Told about every batch a sync commits (metrics implement it)."""

    def batch_written(self, emails: Sequence[IncomingEmail], outcome: BatchOutcome) -> None:
        """A batch of classified emails was committed."""
        ...


@dataclass
class HeldLease:
    """A lease this process holds: whose it is and the quota window that travels with it."""

    mailbox_id: int
    owner: str
    quota: MailboxQuota


@dataclass
class PassEnding:
    """Lets a pass's last batch end the pass in its transaction (nothing else follows it: no
    watch to renew, no deeper scan): the wanted id the pass started from and the lease's quota
    window; once ``ended``, ``next_pass`` is the lease kept for one more pass (None: released)."""

    wanted_seen: int | None
    quota: MailboxQuota
    ended: bool = False
    next_pass: LeaseGrant | None = None


@dataclass
class SyncRun:
    """One sync of one mailbox in progress: its client, its recorded row and what it has done."""

    mailbox: MailboxView
    gmail: GmailClient
    kind: str
    owner: str
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    row_id: int | None = None  # the sync_runs row, written once there is progress to show
    phase: SyncPhase | None = None
    processed: int = 0
    total: int = 0
    seen: int = 0  # in the whole pass; the row counts from row_seen_from (its phase's start)
    events: int = 0
    row_seen_from: int = 0
    row_events_from: int = 0
    chunks_written: int = 0
    resynced: bool = False
    no_mail_in_days: int | None = None  # a window sync listed nothing in this many days
    scan_total: int | None = None  # a deeper scan: the messages of its whole window
    earlier_phases: int = 0  # the messages the phases before this one handled
    thread_applications: dict[str, ThreadApplication] = field(default_factory=dict)
    sent_threads: set[str] = field(default_factory=set)
    ending: PassEnding | None = None  # set when the last batch may end the pass

    @property
    def ended(self) -> bool:
        """The last batch recorded the run and released (or kept) the lease."""
        return self.ending is not None and self.ending.ended

    @property
    def row_counts(self) -> tuple[int, int]:
        """The messages seen and the events written that the sync run's row counts."""
        return self.seen - self.row_seen_from, self.events - self.row_events_from

    @property
    def row_kind(self) -> str:
        """The kind recorded on the sync run's row: ``initial``, or ``initial:job_mail_first``."""
        return self.kind if self.phase is None else f"{self.kind}:{self.phase.value}"

    def begin_phase(self, phase: SyncPhase) -> None:
        """Start counting a new phase, to be recorded on a row of its own."""
        self.phase = phase
        self.row_id = None
        self.earlier_phases += self.total
        self.started_at = datetime.now(UTC)
        self.row_seen_from, self.row_events_from = self.seen, self.events
        self.processed = self.total = 0


@dataclass
class PassTotals:
    """What the passes of one handled message did together."""

    passes: int = 0
    seen: int = 0
    events: int = 0
    resynced: bool = False

    def add(self, run: SyncRun) -> None:
        self.passes += 1
        self.seen += run.seen
        self.events += run.events
        self.resynced = self.resynced or run.resynced

    def result(self, mailbox_id: int, outcome: SyncOutcome, gmail: GmailClient) -> SyncResult:
        return SyncResult(
            mailbox_id,
            outcome,
            messages_seen=self.seen,
            events_written=self.events,
            resynced=self.resynced,
            rate_limited=gmail.rate_limited,
            passes=self.passes,
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
        self._owner_numbers = itertools.count(1)
        self._stranded: dict[int, HeldLease] = {}
        self._stranded_lock = threading.Lock()
        self._store = store
        self._classifier = classifier
        self._open_mailbox = open_mailbox
        self._policy = policy
        self._observer = observer
        self._on_progress = on_progress

    def interrupt(self) -> None:
        """Ask running syncs to stop after the chunk in hand (on SIGTERM)."""
        self._stopping.set()

    def handle(self, message: MailboxChanged, *, hand_over: bool = True) -> SyncResult:
        """Record what ``message`` wants and, holding the lease, sync until it is reached.

        Raises only when nothing could be recorded (the database did not answer: see
        `is_database_outage`), on shutdown (`SyncInterrupted`), and with ``hand_over=False``
        when another worker holds the lease (`MailboxBusy`)."""
        self._release_stranded_leases()
        owner = self._new_owner()
        try:
            granted = self._store.request_sync(
                message.mailbox_id,
                owner,
                ttl_seconds=self._policy.lease_seconds,
                history_id=message.history_id,
                hand_over=hand_over,
            )
        except NotFound:
            log.warning("mailbox %s does not exist: nothing to sync", message.mailbox_id)
            return SyncResult(message.mailbox_id, SyncOutcome.SKIPPED)
        if isinstance(granted, LeaseRefused):
            return _not_leased(granted, hand_over=hand_over)
        lease = HeldLease(
            message.mailbox_id, owner, MailboxQuota(self._policy.quota, granted.quota_spends)
        )
        return self._sync_leased(granted, lease, message.reason)

    def _new_owner(self) -> str:
        """A lease owner per handled message: two messages of one mailbox handled at once by
        this process's threads must not both think they hold its lease."""
        return f"{self._policy.worker_id}/{next(self._owner_numbers)}"

    def _release_stranded_leases(self) -> None:
        """Release the leases a database outage kept us from releasing (their wants stay), so
        the mailboxes are synced now rather than after the leases expire."""
        with self._stranded_lock:
            stranded = list(self._stranded.values())
        for lease in stranded:
            self._store.release_lease(
                lease.mailbox_id, lease.owner, quota_spends=lease.quota.spends()
            )
            with self._stranded_lock:
                self._stranded.pop(lease.mailbox_id, None)

    def _sync_leased(self, granted: LeaseGrant, lease: HeldLease, reason: str) -> SyncResult:
        mailbox = granted.mailbox
        if granted.refresh_token is None:
            self._store.set_mailbox_state(mailbox.id, MailboxState.RECONNECT_NEEDED)
            self._release(lease)
            return SyncResult(mailbox.id, SyncOutcome.SKIPPED)
        gmail = self._open_mailbox(mailbox.id, granted.refresh_token, lease.quota)
        totals = PassTotals()
        try:
            return self._sync_until_wanted(granted, lease, gmail, reason, totals)
        except Exception as error:
            return self._after_failure(error, lease, gmail, totals)
        finally:
            gmail.close()

    def _sync_until_wanted(
        self,
        granted: LeaseGrant,
        lease: HeldLease,
        gmail: GmailClient,
        reason: str,
        totals: PassTotals,
    ) -> SyncResult:
        """Pass after pass, until the store finds nothing newer wanted and releases the lease.
        A deeper scan is read when the lease (taken or kept) found it running: a scan asked for
        during a pass raises the wanted id, so the pass after it reads the scan."""
        current: LeaseGrant | None = granted
        kind = "initial" if granted.mailbox.history_cursor is None else reason
        while current is not None:
            mailbox = current.mailbox
            if kind != DEEP_SCAN:  # a deep_scan message asks for the scan only
                run = SyncRun(mailbox, gmail, kind, lease.owner)
                watch = totals.passes == 0
                if not current.deep_scan_running and not (watch and self._watch_due(mailbox)):
                    run.ending = PassEnding(current.wanted_history_id, lease.quota)
                self._run_pass(run, watch=watch)
                totals.add(run)
                if run.ending is not None and run.ending.ended:
                    current, kind = run.ending.next_pass, CATCH_UP
                    continue
                mailbox = run.mailbox
            if current.deep_scan_running:
                scan = SyncRun(mailbox, gmail, DEEP_SCAN, lease.owner)
                self._run_deep_scan(scan)
                totals.add(scan)
            current = self._store.finish_sync_pass(
                lease.mailbox_id,
                lease.owner,
                wanted_seen=current.wanted_history_id,
                ttl_seconds=self._policy.lease_seconds,
                quota_spends=lease.quota.spends(),
            )
            kind = CATCH_UP
        return totals.result(lease.mailbox_id, SyncOutcome.SYNCED, gmail)

    def _run_pass(self, run: SyncRun, *, watch: bool) -> None:
        """One sync from the cursor to Gmail's present, recorded as a sync run."""
        try:
            self._sync(run)
            if run.ended:  # its last batch recorded the run and released (or kept) the lease
                return
            if watch and self._watch_due(run.mailbox):
                self._watch(run)
        except Exception as error:
            self._record_failed_run(run, error)
            raise
        self._finish(run, **_finished(run))

    def _run_deep_scan(self, run: SyncRun) -> None:
        """Read (or go on reading) the deeper scan's window, recorded as sync runs of its own; a
        failure leaves the scan running, for the next delivery or the sweep to resume."""
        try:
            self._deep_scan(run)
        except Exception as error:
            self._record_failed_run(run, error)
            raise
        self._finish(run, status="ok")

    def _deep_scan(self, run: SyncRun) -> None:
        self._keep_lease(run)
        mailbox_id = run.mailbox.id
        scan = self._store.start_deep_scan(mailbox_id, read_days=self._initial_days(run.mailbox))
        start, end = scan.window_start, scan.window_end
        if scan.state is not DeepScanState.RUNNING or start is None or end is None:
            return
        window = f"after:{int(start.timestamp())} before:{int(end.timestamp())} {WINDOW_QUERY}"
        refs = list(run.gmail.list_messages(window)) if start < end else []
        refs.reverse()  # oldest first, as in the first sync
        run.scan_total = len(refs)
        self._keep_lease(run)
        self._write_window(run, refs, window, final_cursor=None)
        self._store.record_deep_scan_progress(
            mailbox_id, processed=len(refs), total=len(refs), finished=True
        )

    def _record_failed_run(self, run: SyncRun, error: Exception) -> None:
        """Best effort: the run's row says why it stopped (not when the database is gone)."""
        if is_database_outage(error):
            return
        if isinstance(error, TokenRevoked):
            message = REVOKED_MESSAGE
        else:
            message = f"Sync stopped and will be retried ({type(error).__name__}: {error})"
        try:
            self._finish(run, status="failed", error=message)
        except Exception as cause:
            log.warning("mailbox %s: the failed run was not recorded (%s)", run.mailbox.id, cause)

    def _after_failure(
        self, error: Exception, lease: HeldLease, gmail: GmailClient, totals: PassTotals
    ) -> SyncResult:
        """Release the lease (the want stays for the sweep) and say what happened; re-raise a
        database outage (the lease is remembered and released later) and a shutdown."""
        mailbox_id = lease.mailbox_id
        if is_database_outage(error):
            with self._stranded_lock:
                self._stranded[mailbox_id] = lease
            raise error
        if isinstance(error, LeaseLost):
            log.warning("mailbox %s: the lease passed to another worker", mailbox_id)
            return totals.result(mailbox_id, SyncOutcome.HANDED_OVER, gmail)
        self._release(lease)
        if isinstance(error, SyncInterrupted):
            raise error
        if isinstance(error, TokenRevoked):
            self._store.set_mailbox_state(mailbox_id, MailboxState.RECONNECT_NEEDED)
            log.warning("mailbox %s needs reconnecting: %s", mailbox_id, type(error).__name__)
            return totals.result(mailbox_id, SyncOutcome.SKIPPED, gmail)
        log.error(
            "mailbox %s: sync failed (%s); the sweep retries it",
            mailbox_id,
            type(error).__name__,
            exc_info=error,
            extra={"mailbox_id": mailbox_id},
        )
        failed = totals.result(mailbox_id, SyncOutcome.FAILED, gmail)
        return replace(failed, passes=failed.passes + 1, gmail_unreachable=is_gmail_outage(error))

    def _release(self, lease: HeldLease) -> None:
        """Give the lease back with its quota window; the wanted id stays as it is. When the
        database does not answer, the lease is remembered and released by a later message."""
        try:
            self._store.release_lease(
                lease.mailbox_id, lease.owner, quota_spends=lease.quota.spends()
            )
        except Exception as error:
            if is_database_outage(error):
                with self._stranded_lock:
                    self._stranded[lease.mailbox_id] = lease
            raise

    def _row_id(self, run: SyncRun) -> int:
        """The sync run's row, written as running when a long sync first shows progress; a
        short one (a push) is written once, finished, by `_finish`."""
        if run.row_id is None:
            run.row_id = self._store.start_sync_run(
                run.mailbox.id, run.row_kind, started_at=run.started_at
            )
        return run.row_id

    def _finish(self, run: SyncRun, *, status: str, error: str | None = None) -> None:
        """Close the run's row; a run that showed no progress is written whole, at once."""
        seen, events = run.row_counts
        if run.row_id is None:
            run.row_id = self._store.record_sync_run(
                run.mailbox.id,
                run.row_kind,
                started_at=run.started_at,
                status=status,
                messages_seen=seen,
                events_written=events,
                error=error,
            )
            return
        self._store.finish_sync_run(
            run.row_id, status=status, messages_seen=seen, events_written=events, error=error
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
        # The reader wrote in these threads (their sent mail is not classified, but it is context).
        run.sent_threads = {ref.thread_id for ref in delta.messages if "SENT" in ref.label_ids}
        self._write(run, refs, final_cursor=delta.latest_history_id)

    def _sync_window(self, run: SyncRun, *, days: int) -> None:
        """Every message of the last ``days`` days: likely job mail first, then the rest."""
        # The cursor is read before listing, so nothing that arrives during the listing is missed.
        cursor = int(run.gmail.profile()["historyId"])
        window = f"newer_than:{days}d {WINDOW_QUERY}"
        refs = list(run.gmail.list_messages(window))
        refs.reverse()  # oldest first, so statuses move in the order they happened
        if not refs:
            run.no_mail_in_days = days
        self._write_window(run, refs, window, final_cursor=cursor)

    def _write_window(
        self,
        run: SyncRun,
        refs: Sequence[MessageRef],
        window: str,
        *,
        final_cursor: int | None,
    ) -> None:
        """Write the ``refs`` listed by ``window``: likely job mail first, then the rest."""
        if len(refs) <= WRITE_CHUNK:  # one chunk: searching first would cost more than it saves
            self._write(run, refs, final_cursor=final_cursor)
            return
        likely = _likely_job_mail(run.gmail, window, mailbox_id=run.mailbox.id)
        self._begin_phase(run, SyncPhase.JOB_MAIL_FIRST)
        self._write(run, [ref for ref in refs if ref.id in likely], final_cursor=None)
        self._begin_phase(run, SyncPhase.REST_OF_WINDOW)
        self._write(run, [ref for ref in refs if ref.id not in likely], final_cursor=final_cursor)

    def _begin_phase(self, run: SyncRun, phase: SyncPhase) -> None:
        """Close the row of the phase that ended (if one did) and start counting ``phase``."""
        if run.phase is not None or run.row_id is not None:
            self._finish(run, status="resynced" if run.resynced else "ok")
        run.begin_phase(phase)

    def _write(self, run: SyncRun, refs: Sequence[MessageRef], *, final_cursor: int | None) -> None:
        """Fetch, classify and write in chunks; with ``final_cursor`` the cursor moves with the
        last chunk (an empty one when there is nothing to write), without it never."""
        if not refs:  # nothing new (a catch-up pass, often): nothing to look up or to classify
            recorded = Recorded(set(), {})
        else:
            recorded = self._store.recorded(
                run.mailbox.id,
                [ref.id for ref in refs],
                [ref.thread_id for ref in refs],
                rules_of=run.mailbox.user_id,
            )
        known = recorded.known_message_ids
        run.thread_applications = recorded.threads
        todo = list({ref.id: ref for ref in refs if ref.id not in known}.values())
        run.total, run.processed = len(refs), len(refs) - len(todo)
        self._report(run)
        chunks = [todo[i : i + WRITE_CHUNK] for i in range(0, len(todo), WRITE_CHUNK)]
        if not chunks and final_cursor is not None:
            chunks = [[]]
        rules = recorded.rules
        # An assign rule moves a written email to its application after its batch, under the lease.
        assigns = any(rule.action.type is ActionType.ASSIGN for rule in rules)
        for index, chunk in enumerate(chunks):
            if self._stopping.is_set():
                raise SyncInterrupted(f"mailbox {run.mailbox.id}: stopped after {run.processed}")
            if run.chunks_written:  # the lease was just taken (or kept) for the first chunk
                self._keep_lease(run)
            emails = self._classify_chunk(run, chunk, rules)
            cursor = final_cursor if index == len(chunks) - 1 else None
            ending = run.ending if run.row_id is None and not assigns else None
            if cursor is not None and ending is not None:
                outcome = self._end_pass(run, emails, cursor, ending)
            else:
                outcome = self._store.apply_sync_batch(
                    run.mailbox.id, run.owner, emails, new_cursor=cursor
                )
            if emails and assigns:
                self._store.apply_filter_rules_to_past(run.mailbox.user_id)
            if self._observer is not None:
                self._observer.batch_written(emails, outcome)
            run.seen += len(emails)
            run.events += outcome.events_written
            run.processed += len(chunk)
            run.chunks_written += 1
            self._report(run)

    def _end_pass(
        self, run: SyncRun, emails: Sequence[IncomingEmail], cursor: int, ending: PassEnding
    ) -> BatchOutcome:
        """Write the pass's last batch together with its finished run and the lease's release
        (or keep, when more was wanted meanwhile): one transaction where there were three."""
        seen, events = run.row_counts
        finished = FinishedRun(
            run.row_kind,
            run.started_at,
            messages_seen=seen + len(emails),
            events_written=events,
            **_finished(run),
        )
        ended = self._store.end_sync_pass(
            run.mailbox.id,
            run.owner,
            emails,
            new_cursor=cursor,
            run=finished,
            wanted_seen=ending.wanted_seen,
            ttl_seconds=self._policy.lease_seconds,
            quota_spends=ending.quota.spends(),
        )
        run.row_id = ended.run_id
        ending.ended, ending.next_pass = True, ended.next_pass
        return ended.outcome

    def _report(self, run: SyncRun) -> None:
        if run.total > WRITE_CHUNK:  # a one-chunk sync is over before anyone could look
            self._store.update_sync_progress(
                self._row_id(run), processed=run.processed, total=run.total
            )
        if run.scan_total is not None:
            self._store.record_deep_scan_progress(
                run.mailbox.id, processed=run.earlier_phases + run.processed, total=run.scan_total
            )
        if self._on_progress is not None:
            self._on_progress(SyncProgress(run.processed, run.total, run.phase))

    def _keep_lease(self, run: SyncRun) -> None:
        """Extend the lease between chunks, so a long backfill keeps it; lost means stop."""
        ttl = self._policy.lease_seconds
        if not self._store.acquire_lease(run.mailbox.id, run.owner, ttl_seconds=ttl):
            raise LeaseLost(f"mailbox {run.mailbox.id}: the lease passed to another worker")

    def _classify_chunk(
        self, run: SyncRun, chunk: Sequence[MessageRef], rules: Sequence[RuleSpec] = ()
    ) -> list[IncomingEmail]:
        fetched = run.gmail.get_metadata_batch(ref.id for ref in chunk)
        messages = [
            fetched[ref.id]
            for ref in chunk
            if ref.id in fetched and counts_for_sync(fetched[ref.id].get("labelIds", ()))
        ]
        contexts = [self._context(run, message) for message in messages]
        verdicts = self._classifier.classify_many(
            [classifier_input(m, context=c) for m, c in zip(messages, contexts, strict=True)]
        )
        threshold = self._policy.confidence_threshold
        bodies = self._read_bodies(run.gmail, messages, verdicts, rules)
        if bodies:  # classified again with their bodies, together
            with_bodies = self._classifier.classify_many(
                [classifier_input(messages[i], b, context=contexts[i]) for i, b in bodies.items()]
            )
            verdicts = list(verdicts)
            for index, verdict in zip(bodies, with_bodies, strict=True):
                verdicts[index] = verdict
        emails = []
        for index, (message, verdict) in enumerate(zip(messages, verdicts, strict=True)):
            body = bodies.get(index)
            email = incoming_email(message, verdict, threshold=threshold, body=body)
            labels = tuple(message.get("labelIds", ()))
            facts = EmailFacts(email.sender, email.subject, body=body, labels=labels)
            rule = first_match(rules, facts)  # first match wins over the classifier
            emails.append(email if rule is None else decided_by_rule(rule, email))
        return emails

    def _read_bodies(
        self,
        gmail: GmailClient,
        messages: Sequence[dict[str, Any]],
        verdicts: Sequence[Classification],
        rules: Sequence[RuleSpec],
    ) -> dict[int, str]:
        """The bodies worth reading, by the message's index: where the snippet was not enough
        for the classifier, of forwards, and of all when a rule reads bodies. Never stored."""
        threshold = self._policy.confidence_threshold
        reads_body = rules_read_the_body(rules)
        bodies: dict[int, str] = {}
        for index, (message, verdict) in enumerate(zip(messages, verdicts, strict=True)):
            forward = is_forward_subject(header(message, "Subject") or "")
            if verdict.needs_review(threshold) or forward or reads_body:
                body = self._fetch_body(gmail, message["id"])
                if body is not None:
                    bodies[index] = body
        return bodies

    def _context(self, run: SyncRun, message: dict[str, Any]) -> MailboxContext:
        """What the mailbox knows around one message: its thread's application, the reader's
        address, whether the reader wrote in the thread or is only in Cc."""
        thread_id = message.get("threadId", message["id"])
        thread = run.thread_applications.get(thread_id)
        return MailboxContext(
            thread_status=thread.status.value if thread is not None else None,
            thread_company=thread.company if thread is not None else None,
            user_wrote_in_thread=thread_id in run.sent_threads,
            user_in_cc_only=only_in_cc(message, run.mailbox.gmail_address),
            user_address=run.mailbox.gmail_address,
        )

    def _fetch_body(self, gmail: GmailClient, message_id: str) -> str | None:
        try:
            return readable_body(body_text(gmail.get_message(message_id, message_format="full")))
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


def _not_leased(refused: LeaseRefused, *, hand_over: bool) -> SyncResult:
    """Nothing to do (inactive, or the history id is covered), or the lease holder will do it."""
    if refused.reason is LeaseRefusal.BUSY:
        if not hand_over:
            raise MailboxBusy(f"mailbox {refused.mailbox_id} is being synced by another worker")
        return SyncResult(refused.mailbox_id, SyncOutcome.HANDED_OVER)
    if refused.reason is LeaseRefusal.INACTIVE:
        log.info("mailbox %s is not active: nothing to sync", refused.mailbox_id)
        return SyncResult(refused.mailbox_id, SyncOutcome.SKIPPED)
    return SyncResult(refused.mailbox_id, SyncOutcome.COVERED)


def _likely_job_mail(gmail: GmailClient, window: str, *, mailbox_id: int) -> set[str]:
    """The ids the classifier's job-mail searches find in the window (only their ids: the
    window's own listing gives the order, and a message found here that arrived after it is
    left to the next history sync)."""
    found: set[str] = set()
    try:
        for query in likely_job_mail_queries(window):
            found.update(ref.id for ref in gmail.list_messages(query))
    except Exception as error:
        # The head start is a nicety: the second phase reads whatever the searches did not
        # find, so a search Gmail refuses must not fail (and forever retry) the whole sync.
        log.warning(
            "mailbox %s: the job mail search failed (%s); the window is read in its order",
            mailbox_id,
            type(error).__name__,
        )
    return found


def _finished(run: SyncRun) -> dict[str, Any]:
    """How a pass that did not fail is recorded: ok, resynced, or no mail (with the warning)."""
    if run.no_mail_in_days is not None:
        return {"status": NO_MAIL_STATUS, "error": NO_MAIL_WARNING.format(days=run.no_mail_in_days)}
    return {"status": "resynced" if run.resynced else "ok"}
