"""The internal queue: the `mailbox-changed` contract, its in-process and Pub/Sub implementations,
Pub/Sub bootstrap and dead-letter replay."""

from messaging.contract import (
    REASONS,
    Handler,
    MailboxChanged,
    MalformedMessage,
    Publisher,
    PublishError,
    Subscriber,
)

__all__ = [
    "REASONS",
    "Handler",
    "MailboxChanged",
    "MalformedMessage",
    "PublishError",
    "Publisher",
    "Subscriber",
]
