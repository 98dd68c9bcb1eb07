"""The `mailbox-changed` message on the wire: what round-trips and what is refused."""

from __future__ import annotations

import pytest

from messaging import MailboxChanged, MalformedMessage

pytestmark = pytest.mark.unit


def test_mailbox_changed_round_trips_unsigned_history_ids() -> None:
    message = MailboxChanged(5, 2**64 - 1, "push")
    assert MailboxChanged.from_bytes(message.to_bytes()) == message


@pytest.mark.parametrize(
    "wire",
    [
        b"not json",
        b"{}",
        b'{"mailbox_id": "5"}',
        b'{"mailbox_id": 5, "history_id": "abc"}',
        b'{"mailbox_id": 5, "history_id": "18446744073709551616"}',
        b'{"mailbox_id": 5, "reason": "because"}',
    ],
)
def test_malformed_queue_messages_are_refused(wire: bytes) -> None:
    with pytest.raises(MalformedMessage):
        MailboxChanged.from_bytes(wire)


@pytest.mark.unit
def test_the_sweep_is_a_reason_and_no_ordering_key_is_offered() -> None:
    message = MailboxChanged(4, 2**64 - 1, "sweep")
    assert MailboxChanged.from_bytes(message.to_bytes()) == message
    assert not hasattr(message, "ordering_key")
