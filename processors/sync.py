"""Syncs one mailbox: lease, read what is new since the cursor, classify, write atomically."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from applytrack.gmail import (
    GmailClient,
    HistoryExpired,
    MessageGone,
    MessageRef,
    TokenRevoked,
    counts_for_sync,
)
from applytrack.messaging import MailboxChanged
from classifier import Classifier
from processors.messages import body_text, classifier_input, incoming_email
from storage import IncomingEmail, MailboxState, MailboxView, Store, Tier

log = logging.getLogger(__name__)

WRITE_CHUNK = 50
INITIAL_QUERY = "in:inbox -in:chats -in:spam -in:trash"


class MailboxBusy(RuntimeError):
    """Another worker holds this mailbox's lease; the message goes back to the queue."""


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


@dataclass(frozen=True)
class SyncResult:
    """What one sync did, for logs and tests."""

    mailbox_id: int
    skipped: bool = False
    messages_seen: int = 0
    events_written: int = 0
    resynced: bool = False


GmailFactory = Callable[[MailboxView, str], GmailClient]


class MailboxSyncer:
    """Handles `mailbox-changed`: the processor's unit of work."""

    def __init__(
        self,
        store: Store,
        classifier: Classifier,
        gmail_factory: GmailFactory,
        policy: SyncPolicy,
    ) -> None:
        self._store = store
        self._classifier = classifier
        self._gmail_factory = gmail_factory
        self._policy = policy

    def handle(self, message: MailboxChanged) -> SyncResult:
        """Sync the mailbox named by ``message``; raise to have the message redelivered."""
        mailbox = self._store.mailbox(message.mailbox_id)
        if mailbox.state is not MailboxState.ACTIVE:
            log.info("mailbox %s is %s: nothing to sync", mailbox.id, mailbox.state.value)
            return SyncResult(mailbox.id, skipped=True)
        if _already_covered(message, mailbox):
            return SyncResult(mailbox.id, skipped=True)
        owner = self._policy.worker_id
        if not self._store.acquire_lease(mailbox.id, owner, ttl_seconds=self._policy.lease_seconds):
            raise MailboxBusy(f"mailbox {mailbox.id} is being synced by another worker")
        try:
            mailbox = self._store.mailbox(mailbox.id)  # re-read under the lease
            if _already_covered(message, mailbox):
                return SyncResult(mailbox.id, skipped=True)
            return self._sync_leased(mailbox, message.reason)
        finally:
            self._store.release_lease(mailbox.id, owner)

    def _sync_leased(self, mailbox: MailboxView, reason: str) -> SyncResult:
        token = self._store.refresh_token(mailbox.id)
        if token is None:
            self._store.set_mailbox_state(mailbox.id, MailboxState.RECONNECT_NEEDED)
            return SyncResult(mailbox.id, skipped=True)
        kind = "initial" if mailbox.history_cursor is None else reason
        run_id = self._store.start_sync_run(mailbox.id, kind)
        gmail = self._gmail_factory(mailbox, token)
        try:
            result = self._sync_with(gmail, mailbox)
            if self._watch_due(mailbox):
                result = self._watch(gmail, result)
        except TokenRevoked as exc:
            self._store.set_mailbox_state(mailbox.id, MailboxState.RECONNECT_NEEDED)
            self._store.finish_sync_run(
                run_id,
                status="failed",
                messages_seen=0,
                events_written=0,
                error="Gmail access was revoked or has expired: reconnect Gmail to resume syncing.",
            )
            log.warning("mailbox %s needs reconnecting: %s", mailbox.id, exc)
            return SyncResult(mailbox.id, skipped=True)
        except Exception as exc:
            self._store.finish_sync_run(
                run_id,
                status="failed",
                messages_seen=0,
                events_written=0,
                error=f"Sync failed and will be retried: {type(exc).__name__}: {exc}",
            )
            raise
        finally:
            gmail.close()
        self._store.finish_sync_run(
            run_id,
            status="resynced" if result.resynced else "ok",
            messages_seen=result.messages_seen,
            events_written=result.events_written,
        )
        return result

    def _sync_with(self, gmail: GmailClient, mailbox: MailboxView) -> SyncResult:
        if mailbox.history_cursor is None:
            days = self._initial_days(mailbox)
            return self._sync_window(gmail, mailbox, days=days, resynced=False)
        try:
            delta = gmail.history_since(mailbox.history_cursor)
        except HistoryExpired:
            log.warning("mailbox %s: cursor expired, resyncing the missed window", mailbox.id)
            return self._sync_window(gmail, mailbox, days=self._resync_days(mailbox), resynced=True)
        refs = [ref for ref in delta.messages if counts_for_sync(ref.label_ids)]
        seen, events = self._write(gmail, mailbox, refs, final_cursor=delta.latest_history_id)
        return SyncResult(mailbox.id, messages_seen=seen, events_written=events)

    def _sync_window(
        self, gmail: GmailClient, mailbox: MailboxView, *, days: int, resynced: bool
    ) -> SyncResult:
        # The cursor is read before listing, so nothing that arrives during the listing is missed.
        cursor = int(gmail.profile()["historyId"])
        refs = list(gmail.list_messages(f"newer_than:{days}d {INITIAL_QUERY}"))
        refs.reverse()  # oldest first, so statuses move in the order they happened
        seen, events = self._write(gmail, mailbox, refs, final_cursor=cursor)
        return SyncResult(mailbox.id, messages_seen=seen, events_written=events, resynced=resynced)

    def _write(
        self,
        gmail: GmailClient,
        mailbox: MailboxView,
        refs: Sequence[MessageRef],
        *,
        final_cursor: int,
    ) -> tuple[int, int]:
        """Fetch, classify and write in chunks; the cursor moves only with the last chunk."""
        seen = events = 0
        chunks = [refs[i : i + WRITE_CHUNK] for i in range(0, len(refs), WRITE_CHUNK)] or [[]]
        for index, chunk in enumerate(chunks):
            emails = self._classify_chunk(gmail, chunk)
            last = index == len(chunks) - 1
            outcome = self._store.apply_sync_batch(
                mailbox.id,
                self._policy.worker_id,
                emails,
                new_cursor=final_cursor if last else None,
            )
            seen += len(emails)
            events += outcome.events_written
        return seen, events

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

    def _watch(self, gmail: GmailClient, result: SyncResult) -> SyncResult:
        """Start or renew the push watch, then catch up on anything that arrived meanwhile."""
        assert self._policy.watch_topic is not None
        answer = gmail.watch(self._policy.watch_topic)
        expiration = datetime.fromtimestamp(int(answer["expiration"]) / 1000, tz=UTC)
        self._store.record_watch(
            result.mailbox_id, history_id=int(answer["historyId"]), expiration=expiration
        )
        mailbox = self._store.mailbox(result.mailbox_id)
        if mailbox.history_cursor is not None and int(answer["historyId"]) > mailbox.history_cursor:
            extra = self._sync_with(gmail, mailbox)
            return SyncResult(
                result.mailbox_id,
                messages_seen=result.messages_seen + extra.messages_seen,
                events_written=result.events_written + extra.events_written,
                resynced=result.resynced or extra.resynced,
            )
        return result

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


def _already_covered(message: MailboxChanged, mailbox: MailboxView) -> bool:
    """A push whose history id the cursor has already passed changes nothing (coalescing)."""
    return (
        message.history_id is not None
        and mailbox.history_cursor is not None
        and message.history_id <= mailbox.history_cursor
    )


def _is_forward(message: dict) -> bool:
    subject = next(
        (
            h.get("value", "")
            for h in message.get("payload", {}).get("headers", [])
            if h.get("name", "").lower() == "subject"
        ),
        "",
    )
    return subject.lower().startswith(("fwd:", "fw:"))
