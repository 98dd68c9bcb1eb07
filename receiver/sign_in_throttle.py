"""Failed sign-ins are counted per email address; past the limit, that address must wait.

Per address, not per client IP: behind Cloud Run's proxy every client shares a few addresses, and
guessing one account's password is the attack to stop. The counts live in the `limits` library's
storage: in memory by default (each gunicorn worker counts for itself), or shared through
`RATE_LIMIT_STORAGE_URI` (e.g. redis://) when several processes serve sign-ins.

Attempts are counted under the address's blind index (`Store.sign_in_key`: a keyed hash of its
canonical form, the very value storage finds the account by), so no spelling of one address
("SAM@…", U+017F LONG S for "s") gets fresh attempts at the same account, and the counter's
storage never holds an address.
"""

from __future__ import annotations

from collections.abc import Callable

from limits import RateLimitItem, parse_many, storage, strategies

_NAMESPACE = "sign-in-failures"


class SignInThrottle:
    """Says whether an address may try to sign in, and records its failed attempts."""

    def __init__(self, limits: str, storage_uri: str, *, key: Callable[[str], str]) -> None:
        self._limits: list[RateLimitItem] = parse_many(limits)
        self._key = key
        self._window = strategies.MovingWindowRateLimiter(storage.storage_from_string(storage_uri))

    def allowed(self, email: str) -> bool:
        """True unless ``email`` has used up one of its failure allowances."""
        key = self._key(email)
        return all(self._window.test(limit, _NAMESPACE, key) for limit in self._limits)

    def record_failure(self, email: str) -> None:
        """Count one failed sign-in for ``email``."""
        key = self._key(email)
        for limit in self._limits:
            self._window.hit(limit, _NAMESPACE, key)
