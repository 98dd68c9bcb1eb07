"""Build the plaintext views of `storage.views` from rows, decrypting fields with the cipher."""

from __future__ import annotations

import json
from typing import Any, TypeAlias

from sqlalchemy import Row

from storage.crypto import FieldCipher
from storage.models import EmailRecord, Mailbox, SyncRun, User
from storage.views import (
    MailboxView,
    ReviewEmailView,
    SyncRunView,
    UserView,
)


def user_view(cipher: FieldCipher, user: User) -> UserView:
    """The view of an account row, its email decrypted."""
    return UserView(
        id=user.id,
        email=cipher.decrypt(user.email_enc),
        display_name=user.display_name,
        password_hash=user.password_hash,
        created_at=user.created_at,
        session_version=user.session_version,
    )


# A mailbox as its readers take it: a loaded `Mailbox`, or a row of the columns they read (the
# write path's statements return only those, as plain rows: loading a `Mailbox` cost more).
MailboxRow: TypeAlias = Mailbox | Row[*tuple[Any, ...]]


def mailbox_view(cipher: FieldCipher, mailbox: MailboxRow) -> MailboxView:
    """The view of a mailbox row, its address decrypted, without its token."""
    return MailboxView(
        id=mailbox.id,
        user_id=mailbox.user_id,
        gmail_address=cipher.decrypt(mailbox.gmail_address_enc),
        tier=mailbox.tier,
        state=mailbox.state,
        history_cursor=mailbox.history_cursor,
        watch_expiration=mailbox.watch_expiration,
        last_sync_at=mailbox.last_sync_at,
        last_push_at=mailbox.last_push_at,
    )


def run_view(run: SyncRun) -> SyncRunView:
    """The view of a sync run row."""
    return SyncRunView(
        id=run.id,
        mailbox_id=run.mailbox_id,
        kind=run.kind,
        status=run.status,
        started_at=run.started_at,
        finished_at=run.finished_at,
        messages_seen=run.messages_seen,
        events_written=run.events_written,
        processed=run.processed,
        total=run.total,
        error=run.error,
    )


def review_view(cipher: FieldCipher, record: EmailRecord) -> ReviewEmailView:
    """The view of an email waiting for review, sender, subject and reasons decrypted."""
    return ReviewEmailView(
        id=record.id,
        gmail_message_id=record.gmail_message_id,
        thread_id=record.thread_id,
        sender=cipher.decrypt_optional(record.sender_enc) or "",
        subject=cipher.decrypt_optional(record.subject_enc) or "",
        date=record.email_date,
        label=record.label,
        confidence=record.confidence,
        reasons=_reasons(cipher, record.reasons_enc),
        explanation=cipher.decrypt_optional(record.explanation_enc) or "",
    )


def _reasons(cipher: FieldCipher, reasons_enc: str | None) -> tuple[str, ...]:
    """The classifier's reasons (none kept for ordinary mail)."""
    return () if reasons_enc is None else tuple(json.loads(cipher.decrypt(reasons_enc)))
