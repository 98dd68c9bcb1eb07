"""The status rules: how a set of automatic (email) events decides an application's status.

The status is a fold over the events in email-date order, so the result does not depend on the
order in which the emails were processed (backfills, retries and late deliveries agree).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from storage.enums import Status

RANK = {Status.APPLIED: 1, Status.INTERVIEWING: 2, Status.OFFER: 3, Status.REJECTED: 3}
FINAL = frozenset({Status.OFFER, Status.REJECTED})
REOPENING = frozenset({Status.INTERVIEWING, Status.OFFER})


@dataclass(frozen=True)
class EmailEvent:
    """An automatic event as the rules see it: the status an email points to, and its date."""

    to_status: Status
    email_date: datetime


@dataclass(frozen=True)
class FoldState:
    """The status so far and, when it is final, the date of the email that made it final."""

    status: Status | None = None
    final_since: datetime | None = None


def step(state: FoldState, event: EmailEvent) -> FoldState:
    """Apply one email event (taken in date order) to the state; unchanged when not allowed."""
    current, target = state.status, event.to_status
    if current is None:
        return _moved_to(target, event.email_date)
    if current in FINAL:
        reopens = (
            target in REOPENING
            and state.final_since is not None
            and event.email_date > state.final_since
        )
        return _moved_to(target, event.email_date) if reopens and target != current else state
    if RANK[target] > RANK[current]:
        return _moved_to(target, event.email_date)
    return state


def automatic_status(events: Iterable[EmailEvent]) -> Status | None:
    """The status the email events give, folding them oldest first (ties: lower rank first)."""
    state = FoldState()
    for event in sorted(events, key=_order):
        state = step(state, event)
    return state.status


def _moved_to(status: Status, when: datetime) -> FoldState:
    return FoldState(status=status, final_since=when if status in FINAL else None)


def _order(event: EmailEvent) -> tuple[datetime, int, str]:
    return (event.email_date, RANK[event.to_status], event.to_status.value)
