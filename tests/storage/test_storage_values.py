"""Value rules that need no database: history ids, IncomingEmail validation, normalisation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from storage import IncomingEmail, Label
from storage.column_types import format_history_id
from storage.identity import normalise_sender, normalise_subject

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("value", [0, 1, 2**63 - 1, 2**63, 2**64 - 1])
def test_history_ids_are_20_digit_text_that_sorts_like_numbers(value):
    text = format_history_id(value)
    assert len(text) == 20 and int(text) == value
    assert (format_history_id(value) < format_history_id(2**64 - 1)) == (value < 2**64 - 1)


@pytest.mark.parametrize("value", [-1, 2**64, True, "123"])
def test_history_ids_outside_unsigned_64_bits_are_refused(value):
    with pytest.raises(ValueError, match="history id"):
        format_history_id(value)


def _email(**overrides):
    values = {
        "gmail_message_id": "m1",
        "thread_id": "t1",
        "rfc822_message_id": None,
        "sender": "a@b.example",
        "subject": "Hello",
        "date": datetime(2025, 1, 1, tzinfo=UTC),
        "label": "interviewing",
        "confidence": 0.9,
    }
    values.update(overrides)
    return IncomingEmail(**values)


def test_incoming_email_accepts_a_label_word_and_stores_the_enum():
    assert _email().label is Label.INTERVIEWING


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"label": "maybe"}, "label 'maybe' is not one of"),
        ({"confidence": 1.5}, "between 0 and 1"),
        ({"date": datetime(2025, 1, 1)}, "has no timezone"),
        ({"original_date": datetime(2025, 1, 1)}, "original_date .* has no timezone"),
        ({"gmail_message_id": ""}, "non-empty gmail_message_id"),
        ({"date": None}, "date must be an aware datetime"),
        ({"subject": None}, "sender and subject must be text"),
    ],
)
def test_incoming_email_refuses_bad_values_with_a_clear_message(overrides, message):
    with pytest.raises(ValueError, match=message):
        _email(**overrides)


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Re: Fwd: RE:  Interview   Invitation", "interview invitation"),
        ("FW: fwd:Offer", "offer"),
        ("Regarding your application", "regarding your application"),
    ],
)
def test_subjects_lose_reply_and_forward_prefixes(subject, expected):
    assert normalise_subject(subject) == expected


def test_senders_compare_by_address():
    assert normalise_sender("Acme Jobs <Jobs@Acme.example>") == "jobs@acme.example"
    assert normalise_sender("jobs@acme.example") == "jobs@acme.example"
