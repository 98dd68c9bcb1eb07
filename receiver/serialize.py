"""JSON shapes of the public API: the views of `storage`, with ISO 8601 UTC datetimes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from storage import ApplicationDetail, ApplicationView, EmailRef, EventView, IntegrationView


def iso_utc(moment: datetime | None) -> str | None:
    """``2024-05-01T12:00:00Z``; a naive datetime is taken to be UTC already."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def application_json(application: ApplicationView | ApplicationDetail) -> dict[str, Any]:
    """One row of `GET /api/applications`."""
    return {
        "id": application.id,
        "company": application.company,
        "role": application.role,
        "status": application.status.value,
        "updated_at": iso_utc(application.updated_at),
    }


def application_detail_json(application: ApplicationDetail) -> dict[str, Any]:
    """`GET /api/applications/<id>`: the row plus its activity log, oldest first."""
    return application_json(application) | {
        "events": [event_json(event) for event in application.events]
    }


def event_json(event: EventView) -> dict[str, Any]:
    """One activity-log entry."""
    return {
        "from_status": event.from_status.value if event.from_status is not None else None,
        "to_status": event.to_status.value,
        "cause": event.cause.value,
        "applied": event.applied,
        "explanation": event.explanation,
        "reasons": list(event.reasons),
        "email": email_json(event.email),
        "created_at": iso_utc(event.created_at),
    }


def email_json(email: EmailRef | None) -> dict[str, Any] | None:
    """The metadata of the email behind an event (None for a manual change)."""
    if email is None:
        return None
    return {"sender": email.sender, "subject": email.subject, "date": iso_utc(email.date)}


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
