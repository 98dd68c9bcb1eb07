"""The status rules as a pure fold, including order independence (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage import Status
from storage.status_rules import EmailEvent, automatic_status

pytestmark = pytest.mark.unit

START = datetime(2025, 1, 1, tzinfo=UTC)


def _events(*pairs: tuple[Status, int]) -> list[EmailEvent]:
    return [EmailEvent(status, START + timedelta(days=day)) for status, day in pairs]


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        ([], None),
        ([(Status.APPLIED, 1)], Status.APPLIED),
        ([(Status.INTERVIEWING, 2), (Status.APPLIED, 1)], Status.INTERVIEWING),
        ([(Status.APPLIED, 1), (Status.INTERVIEWING, 2), (Status.APPLIED, 3)], Status.INTERVIEWING),
        ([(Status.REJECTED, 1), (Status.APPLIED, 2)], Status.REJECTED),
        ([(Status.REJECTED, 1), (Status.INTERVIEWING, 2)], Status.INTERVIEWING),
        ([(Status.REJECTED, 2), (Status.INTERVIEWING, 1)], Status.REJECTED),
        ([(Status.REJECTED, 1), (Status.OFFER, 2)], Status.OFFER),
        ([(Status.OFFER, 1), (Status.REJECTED, 2)], Status.OFFER),
        ([(Status.REJECTED, 1), (Status.INTERVIEWING, 1)], Status.REJECTED),
    ],
)
def test_fold_in_date_order(pairs, expected):
    assert automatic_status(_events(*pairs)) is expected


event_lists = st.lists(
    st.tuples(st.sampled_from(list(Status)), st.integers(min_value=0, max_value=6)),
    max_size=8,
)


@given(pairs=event_lists, data=st.data())
def test_the_final_status_does_not_depend_on_processing_order(pairs, data):
    events = _events(*pairs)
    shuffled = data.draw(st.permutations(events))
    assert automatic_status(shuffled) == automatic_status(events)


@given(pairs=event_lists)
def test_without_a_final_status_the_highest_rank_wins(pairs):
    events = _events(*[(s, d) for s, d in pairs if s in (Status.APPLIED, Status.INTERVIEWING)])
    expected = max(
        (e.to_status for e in events), key=lambda s: s == Status.INTERVIEWING, default=None
    )
    assert automatic_status(events) == expected
