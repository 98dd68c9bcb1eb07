"""An application's Activity Log: its events as views, why each is there in words, and the
events that change nothing folded under the entry before them in the same thread."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from storage.crypto import FieldCipher
from storage.enums import CorrectionKind, EventCause, Label, Status
from storage.models import Application, EmailCorrection, EmailRecord, StatusEvent
from storage.status_rules import FINAL, RANK
from storage.views import ActivityEntry, CorrectionView, EmailRef, EventView

TEXTS_PATH = Path(__file__).resolve().parent / "texts" / "activity_log.json"


@cache
def texts() -> dict[str, Any]:
    """The Activity Log's sentences (storage/texts/activity_log.json)."""
    loaded: dict[str, Any] = json.loads(TEXTS_PATH.read_text(encoding="utf-8"))
    return loaded


def label_name(label: Label | Status) -> str:
    """How the log names a label or status ("Offer Extended", "not about a job")."""
    names: dict[str, str] = texts()["label_names"]
    return names[label.value]


def read_events(session: Session, cipher: FieldCipher, application_id: int) -> list[EventView]:
    """The application's events oldest first, each with its email, corrections and why."""
    query = (
        select(StatusEvent, EmailRecord)
        .outerjoin(EmailRecord, EmailRecord.id == StatusEvent.email_record_id)
        .where(StatusEvent.application_id == application_id)
        .order_by(StatusEvent.created_at, StatusEvent.id)
    )
    rows = [(event, record) for event, record in session.execute(query)]
    corrections = _corrections_by_email(session, application_id)
    names = _application_names(session, cipher, rows, corrections)
    views, manual = [], False
    for event, record in rows:
        found = corrections.get(event.email_record_id or 0, ())
        views.append(_event_view(cipher, event, record, found, names, manual=manual))
        manual = _manual_after(event, manual=manual)
    return views


def _manual_after(event: StatusEvent, *, manual: bool) -> bool:
    """Whether the status was set by hand after this event."""
    if event.cause is EventCause.MANUAL:
        return True
    if event.cause in (EventCause.AUTOMATIC, EventCause.ADDED):
        return False
    return manual


def fold_activity(events: Sequence[EventView]) -> tuple[ActivityEntry, ...]:
    """The log as shown: an email event that changed nothing, right after an entry of the same
    thread, is folded under that entry ("3 more emails in this thread")."""
    entries: list[tuple[EventView, list[EventView]]] = []
    for event in events:
        if entries and _changes_nothing(event) and _same_thread(entries[-1][0], event):
            entries[-1][1].append(event)
        else:
            entries.append((event, []))
    return tuple(
        ActivityEntry(head, tuple(folded), _folded_note(len(folded))) for head, folded in entries
    )


def _changes_nothing(event: EventView) -> bool:
    moved = event.applied and event.from_status != event.to_status
    return event.cause is EventCause.EMAIL and not moved and not event.corrections


def _same_thread(head: EventView, event: EventView) -> bool:
    return (
        head.email is not None
        and event.email is not None
        and head.email.thread_id == event.email.thread_id
    )


def _folded_note(count: int) -> str:
    if count == 0:
        return ""
    if count == 1:
        return str(texts()["folded_one"])
    return str(texts()["folded_many"]).format(count=count)


def _corrections_by_email(
    session: Session, application_id: int
) -> dict[int, tuple[CorrectionView, ...]]:
    query = (
        select(EmailCorrection)
        .where(
            or_(
                EmailCorrection.from_application_id == application_id,
                EmailCorrection.to_application_id == application_id,
            )
        )
        .order_by(EmailCorrection.created_at, EmailCorrection.id)
    )
    found: dict[int, list[CorrectionView]] = {}
    for row in session.scalars(query):
        found.setdefault(row.email_record_id, []).append(correction_view(row))
    return {email_id: tuple(views) for email_id, views in found.items()}


def correction_view(row: EmailCorrection) -> CorrectionView:
    """The view of a correction row."""
    return CorrectionView(
        id=row.id,
        email_id=row.email_record_id,
        kind=row.kind,
        previous_label=row.previous_label,
        label=row.label,
        from_application_id=row.from_application_id,
        to_application_id=row.to_application_id,
        created_at=row.created_at,
    )


def _application_names(
    session: Session,
    cipher: FieldCipher,
    rows: Sequence[tuple[StatusEvent, EmailRecord | None]],
    corrections: dict[int, tuple[CorrectionView, ...]],
) -> dict[int, str]:
    """The company of every other application the log mentions (merges, moves)."""
    ids = {event.other_application_id for event, _ in rows if event.other_application_id}
    for views in corrections.values():
        for view in views:
            ids.update(i for i in (view.from_application_id, view.to_application_id) if i)
    if not ids:
        return {}
    query = select(Application.id, Application.company_enc).where(Application.id.in_(ids))
    return {
        row_id: cipher.decrypt_optional(company) or str(texts()["unknown_application"])
        for row_id, company in session.execute(query)
    }


def _event_view(
    cipher: FieldCipher,
    event: StatusEvent,
    record: EmailRecord | None,
    corrections: tuple[CorrectionView, ...],
    names: dict[int, str],
    *,
    manual: bool,
) -> EventView:
    email = None
    reasons: tuple[str, ...] = ()
    explanation = ""
    counted = True
    if record is not None:
        email = EmailRef(
            id=record.id,
            thread_id=record.thread_id,
            sender=cipher.decrypt_optional(record.sender_enc) or "",
            subject=cipher.decrypt_optional(record.subject_enc) or "",
            date=record.email_date,
            label=record.label,
        )
        reasons = (
            ()
            if record.reasons_enc is None
            else tuple(json.loads(cipher.decrypt(record.reasons_enc)))
        )
        explanation = cipher.decrypt_optional(record.explanation_enc) or ""
        counted = record.application_id == event.application_id and record.label is not Label.NONE
    view = EventView(
        from_status=event.from_status,
        to_status=event.to_status,
        cause=event.cause,
        applied=event.applied,
        email=email,
        reasons=reasons,
        created_at=event.created_at,
        explanation=explanation,
        id=event.id,
        counted=counted,
        corrections=corrections,
    )
    return replace(view, why=_why(view, event, names, manual=manual))


def _why(view: EventView, event: StatusEvent, names: dict[int, str], *, manual: bool) -> str:
    """Why the entry is in the log and what it did, in a sentence."""
    why: dict[str, str] = texts()["why"]
    unknown = str(texts()["unknown_application"])
    if view.cause is EventCause.MERGE:
        return why["merge"].format(other=names.get(event.other_application_id or 0, unknown))
    if view.cause is not EventCause.EMAIL:
        return why[view.cause.value]
    if view.corrections:
        return _why_corrected(view.corrections[-1], event.application_id, names)
    return _why_email(view, manual=manual)


def _why_corrected(correction: CorrectionView, application_id: int, names: dict[int, str]) -> str:
    why: dict[str, str] = texts()["why"]
    unknown = str(texts()["unknown_application"])
    if correction.kind is CorrectionKind.NOT_JOB:
        return why["corrected_not_job"]
    if correction.kind is CorrectionKind.STATUS:
        return why["corrected_status"].format(
            previous=label_name(correction.previous_label), label=label_name(correction.label)
        )
    if correction.from_application_id == application_id:
        return why["moved_out"].format(other=names.get(correction.to_application_id or 0, unknown))
    return why["moved_in"].format(other=names.get(correction.from_application_id or 0, unknown))


def _why_email(view: EventView, *, manual: bool) -> str:
    why: dict[str, str] = texts()["why"]
    source, target = view.from_status, view.to_status
    values = {"to": label_name(target), "from": label_name(source) if source else ""}
    if view.applied and source != target:
        return view.explanation or why["email_without_explanation"].format(**values)
    if manual:
        return why["set_by_you"]
    if source is None or source == target:
        return why["no_change"].format(**values)
    if source in FINAL:
        return why["final"].format(**values)
    if RANK[target] < RANK[source]:
        return why["backwards"].format(**values)
    return why["set_by_you"]
