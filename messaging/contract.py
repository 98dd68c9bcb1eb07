"""The internal queue's contract: the `mailbox-changed` message, and who publishes and consumes it.

Two implementations live beside it: `InProcessQueue` (the demo's embedded default,
`messaging.inprocess`) and the Pub/Sub pair (`messaging.pubsub`). Both are tested against the same
behaviour.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Protocol


class PublishError(RuntimeError):
    """The queue did not accept a message; the caller must not acknowledge its own input."""


class MalformedMessage(ValueError):
    """A queue message that is not a valid `MailboxChanged`."""


REASONS = frozenset(
    {"push", "poll", "sync_now", "initial", "resync", "renewal", "sweep", "deep_scan"}
)


@dataclass(frozen=True)
class MailboxChanged:
    """A hint that a mailbox needs a sync: its handler records the wanted history id in the
    database (the truth) and acks. Nothing rests on the order or the number of deliveries."""

    mailbox_id: int
    history_id: int | None = None  # None: sync to the mailbox's current state (poll, Sync Now)
    reason: str = "push"

    def to_bytes(self) -> bytes:
        """Serialise for the wire (history ids travel as strings: they are unsigned 64-bit)."""
        body = asdict(self)
        body["history_id"] = None if self.history_id is None else str(self.history_id)
        return json.dumps(body, separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> MailboxChanged:
        """Parse a wire message, raising `MalformedMessage` with the reason."""
        try:
            body = json.loads(data)
            mailbox_id = body["mailbox_id"]
            history_id = body.get("history_id")
            reason = body.get("reason", "push")
        except (ValueError, KeyError, TypeError) as exc:
            raise MalformedMessage(f"not a mailbox-changed message: {exc}") from None
        if not isinstance(mailbox_id, int) or isinstance(mailbox_id, bool) or mailbox_id < 1:
            raise MalformedMessage("mailbox_id must be a positive integer")
        if history_id is not None:
            try:
                history_id = int(history_id)
            except (TypeError, ValueError):
                raise MalformedMessage("history_id must be a decimal number") from None
            if not 0 < history_id < 2**64:
                raise MalformedMessage("history_id must be an unsigned 64-bit number")
        if reason not in REASONS:
            raise MalformedMessage(f"unknown reason {reason!r}")
        return cls(mailbox_id=mailbox_id, history_id=history_id, reason=reason)


class Publisher(Protocol):
    """Publishes `mailbox-changed`; returns only once the queue has accepted the message."""

    def publish(self, message: MailboxChanged) -> None:
        """Publish or raise `PublishError`."""
        ...

    def check(self) -> None:
        """Raise `PublishError` with the reason when the queue cannot be reached (for /readyz)."""
        ...


Handler = Callable[[MailboxChanged], None]


class Subscriber(Protocol):
    """Delivers `mailbox-changed` to a handler; acks when it returns, redelivers when it raises."""

    def consume(
        self, handler: Handler, *, max_messages: int | None = None, timeout: float | None = None
    ) -> int:
        """Run the handler on messages until ``max_messages`` were handled or ``timeout`` passed
        with nothing to do; return how many were acknowledged. ``None`` for both runs until stopped.
        """
        ...

    def stop(self) -> None:
        """Stop consuming: in-flight messages finish or go back to the queue."""
        ...
