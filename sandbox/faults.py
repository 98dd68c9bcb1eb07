"""Failures injected through the admin API for the next N matching Gmail calls."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass

from sandbox.errors import SandboxInputError

FAULT_KINDS = ("status", "rate_limit", "delay", "delete_before_get", "expire_watch")
_METHOD_ALIASES = {
    "getProfile": "users.getProfile",
    "watch": "users.watch",
    "stop": "users.stop",
    "messages.list": "users.messages.list",
    "messages.get": "users.messages.get",
    "history.list": "users.history.list",
}


@dataclass
class Fault:
    """One injected fault; ``remaining`` counts down as matching calls consume it."""

    kind: str
    remaining: int
    method: str | None = None
    email: str | None = None
    status: int = 500
    seconds: float = 0.0

    def applies_to(self, method: str, email: str) -> bool:
        """True when this fault targets the call (None matches any method or mailbox)."""
        method_ok = self.method is None or self.method == method
        return method_ok and (self.email is None or self.email == email)

    def describe(self) -> dict:
        """Return the fault as JSON for the admin API."""
        return {
            "kind": self.kind,
            "remaining": self.remaining,
            "method": self.method,
            "email": self.email,
            "status": self.status,
            "seconds": self.seconds,
        }


def parse_fault(spec: Mapping[str, object]) -> Fault:
    """Validate an admin API fault body and return the `Fault` it describes."""
    kind = spec.get("kind")
    if kind not in FAULT_KINDS:
        raise SandboxInputError(f"Fault 'kind' must be one of: {', '.join(FAULT_KINDS)}.")
    count = spec.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise SandboxInputError("Fault 'count' must be a whole number of calls, at least 1.")
    method = spec.get("method")
    if method is not None and not isinstance(method, str):
        raise SandboxInputError("Fault 'method' must be a string such as 'messages.get'.")
    if isinstance(method, str):
        method = _METHOD_ALIASES.get(method, method)
        if method not in _METHOD_ALIASES.values():
            names = ", ".join(_METHOD_ALIASES)
            raise SandboxInputError(f"Fault 'method' {spec['method']!r} is not one of: {names}.")
    email = spec.get("email")
    if email is not None and not isinstance(email, str):
        raise SandboxInputError("Fault 'email' must be a mailbox address.")
    status = spec.get("status", 500)
    if not isinstance(status, int) or not 400 <= status <= 599:
        raise SandboxInputError("Fault 'status' must be an HTTP error status between 400 and 599.")
    seconds = spec.get("seconds", 0.0)
    if not isinstance(seconds, int | float) or not 0 <= seconds <= 60:
        raise SandboxInputError("Fault 'seconds' must be a number between 0 and 60.")
    if kind == "delete_before_get" and method not in (None, "users.messages.get"):
        raise SandboxInputError("A delete_before_get fault only applies to messages.get.")
    return Fault(kind, count, method, email, status, float(seconds))


class FaultInjector:
    """Holds pending faults and hands each matching call the first one that applies."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        """Queue a fault for the next matching calls."""
        with self._lock:
            self._faults.append(fault)

    def take(self, method: str, email: str) -> Fault | None:
        """Consume one use of the first pending fault that applies to this call."""
        with self._lock:
            for fault in self._faults:
                if fault.kind == "delete_before_get" and method != "users.messages.get":
                    continue
                if fault.applies_to(method, email):
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def pending(self) -> list[dict]:
        """Return the faults not yet used up."""
        with self._lock:
            return [fault.describe() for fault in self._faults]

    def clear(self) -> None:
        """Drop every pending fault."""
        with self._lock:
            self._faults.clear()
