"""JSON shapes of the public API: the views of `storage`, with ISO 8601 UTC datetimes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from storage import (
    ActivityEntry,
    ApiTokenView,
    ApplicationDetail,
    ApplicationView,
    CorrectionOutcome,
    CorrectionView,
    EmailRef,
    EventView,
    FilterRuleView,
    FollowUpDraft,
    FollowUpDue,
    IntegrationView,
    RulePreview,
    rule_json,
)


def iso_utc(moment: datetime | None) -> str | None:
    """``2024-05-01T12:00:00Z``; a naive datetime is taken to be UTC already."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def iso_day(day: date | None) -> str | None:
    """``2024-05-01`` (None stays None)."""
    return None if day is None else day.isoformat()


def application_json(application: ApplicationView | ApplicationDetail) -> dict[str, Any]:
    """One row of `GET /api/applications`."""
    return {
        "id": application.id,
        "company": application.company,
        "role": application.role,
        "status": application.status.value,
        "updated_at": iso_utc(application.updated_at),
        "tracking": application.tracking.value,
        "applied_on": iso_day(application.applied_on),
        "last_email_at": iso_utc(application.last_email_at),
        "next_interview_at": iso_utc(application.next_interview_at),
        "job_url": application.job_url,
        "location": application.location,
        "salary": application.salary,
        "notes": application.notes,
        "created_at": iso_utc(application.created_at),
    }


def application_detail_json(application: ApplicationDetail) -> dict[str, Any]:
    """`GET /api/applications/<id>`: the row plus its activity log, oldest first, and the log
    as the page shows it (events that change nothing folded, by event id)."""
    return application_json(application) | {
        "events": [event_json(event) for event in application.events],
        "activity": [activity_json(entry) for entry in application.activity],
    }


def activity_json(entry: ActivityEntry) -> dict[str, Any]:
    """One line of the Activity Log as shown: an event id and the ids folded under it."""
    return {
        "event_id": entry.event.id,
        "folded_event_ids": [event.id for event in entry.folded],
        "note": entry.note,
    }


def event_json(event: EventView) -> dict[str, Any]:
    """One activity-log entry."""
    return {
        "id": event.id,
        "from_status": event.from_status.value if event.from_status is not None else None,
        "to_status": event.to_status.value,
        "cause": event.cause.value,
        "applied": event.applied,
        "explanation": event.explanation,
        "reasons": list(event.reasons),
        "email": email_json(event.email),
        "created_at": iso_utc(event.created_at),
        "counted": event.counted,
        "why": event.why,
        "corrections": [correction_json(correction) for correction in event.corrections],
    }


def correction_json(correction: CorrectionView) -> dict[str, Any]:
    """A correction of an email: what it replaced, and when."""
    return {
        "id": correction.id,
        "kind": correction.kind.value,
        "previous_label": correction.previous_label.value,
        "label": correction.label.value,
        "from_application_id": correction.from_application_id,
        "to_application_id": correction.to_application_id,
        "created_at": iso_utc(correction.created_at),
    }


def correction_outcome_json(outcome: CorrectionOutcome) -> dict[str, Any]:
    """What `POST /api/emails/<id>/correction` did."""
    return {
        "email_id": outcome.email_id,
        "label": outcome.label.value,
        "application_id": outcome.application_id,
        "previous_application_id": outcome.previous_application_id,
        "corrected": outcome.corrected,
    }


def api_token_json(token: ApiTokenView) -> dict[str, Any]:
    """A personal API token as listed (never its secret)."""
    return {
        "id": token.id,
        "name": token.name,
        "hint": token.hint,
        "created_at": iso_utc(token.created_at),
        "last_used_at": iso_utc(token.last_used_at),
    }


def email_json(email: EmailRef | None) -> dict[str, Any] | None:
    """The metadata of the email behind an event (None for a manual change)."""
    if email is None:
        return None
    return {
        "id": email.id,
        "thread_id": email.thread_id,
        "sender": email.sender,
        "subject": email.subject,
        "date": iso_utc(email.date),
        "label": email.label.value,
    }


def integration_json(integration: IntegrationView) -> dict[str, Any]:
    """`GET /api/integrations/gmail`; the cursor is a string because it may exceed 2^63."""
    cursor = integration.history_cursor
    return {
        "email": integration.email,
        "state": integration.state.value,
        "tier": integration.tier.value,
        "last_sync_at": iso_utc(integration.last_sync_at),
        "threads_monitored": integration.threads_monitored,
        "history_cursor": str(cursor) if cursor is not None else None,
        "watch_expiration": iso_utc(integration.watch_expiration),
    }


def filter_rule_json(view: FilterRuleView) -> dict[str, Any]:
    """A saved Advanced Filters rule, with its place in the order."""
    return {
        "id": view.id,
        "position": view.position,
        **rule_json(view.rule),
        "created_at": iso_utc(view.created_at),
        "updated_at": iso_utc(view.updated_at),
    }


def rule_preview_json(preview: RulePreview) -> dict[str, Any]:
    """What `POST /api/rules/preview` found: the matching emails and the applications changed."""
    return {
        "matches": [
            {
                "email_id": match.email_id,
                "sender": match.sender,
                "subject": match.subject,
                "date": iso_utc(match.date),
                "application_id": match.application_id,
                "status_before": None if match.status_before is None else match.status_before.value,
                "status_after": None if match.status_after is None else match.status_after.value,
            }
            for match in preview.matches
        ],
        "applications_changed": preview.applications_changed,
    }


def follow_up_draft_json(draft: FollowUpDraft) -> dict[str, Any]:
    """A follow-up draft (nothing is sent: `compose_url` opens Gmail's compose window)."""
    return {
        "kind": draft.kind,
        "subject": draft.subject,
        "body": draft.body,
        "compose_url": draft.compose_url,
        "language": draft.language,
    }


def follow_up_due_json(item: FollowUpDue) -> dict[str, Any]:
    """An application waiting for an answer long enough for a follow-up."""
    return {
        "application_id": item.application_id,
        "company": item.company,
        "role": item.role,
        "status": item.status.value,
        "waiting_since": iso_utc(item.waiting_since),
        "days_waiting": item.days_waiting,
    }
