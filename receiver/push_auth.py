"""Who may push to the webhook: Google's OIDC token, or the emulator's shared `?token=`.

Checking is split in two so that the webhook can decide everything local first: `inspect` needs
no network (the token's shape and claims, or the shared token) and `verify` checks an OIDC
token's signature against Google's certificates, which may mean fetching them. A push that
`inspect` refuses can never succeed and gets 401/403 even while the certificates are out of reach.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from google.auth import exceptions as google_auth_errors
from google.oauth2 import id_token

from receiver.certs import CachingCertsRequest
from receiver.config import PushAuthConfig
from receiver.push_token import NOT_A_JWT, MalformedToken, read_unverified_token
from receiver.verified_tokens import VerifiedTokens

log = logging.getLogger(__name__)

# After a token names a key we do not have, fetch the certificates again at most this often:
# Google rotates keys, but an attacker must not be able to make us fetch on every request.
REFETCH_AFTER_SECONDS = 60.0


class PushAuthError(Exception):
    """A push was refused; ``status`` is 401 (no or bad credentials) or 403 (wrong identity)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class PushAuthUnavailable(Exception):
    """The token could not be checked right now (Google's certificates are out of reach)."""


class PushAuthNotConfigured(ValueError):
    """Neither OIDC nor a shared token is configured, outside demo mode."""


@dataclass(frozen=True)
class PushCaller:
    """Who a verified push came from, for the log."""

    method: str  # "oidc", "shared_token" or "demo"
    identity: str | None = None


@dataclass(frozen=True)
class PushCredentials:
    """Credentials that passed every local check; an OIDC ``token`` still awaits its signature."""

    method: str  # "oidc", "shared_token" or "demo"
    token: str | None = field(default=None, repr=False)


class PushAuthenticator:
    """Checks a push request's credentials against the configured push identity."""

    def __init__(
        self,
        config: PushAuthConfig,
        *,
        demo: bool = False,
        certs_request: CachingCertsRequest | None = None,
        verified_tokens: VerifiedTokens | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not config.configured and not demo:
            raise PushAuthNotConfigured(
                "The Gmail push webhook has no way to authenticate Pub/Sub: set "
                "GMAIL_PUSH_AUDIENCE and GMAIL_PUSH_SERVICE_ACCOUNT (Google's OIDC push token), "
                "or GMAIL_PUSH_TOKEN (the shared ?token= used with the Pub/Sub emulator)."
            )
        self._config = config
        self._open = not config.configured  # demo mode only, checked above
        self._certs_request = certs_request or CachingCertsRequest()
        self._clock = clock
        self._verified_tokens = (
            VerifiedTokens(clock=clock) if verified_tokens is None else verified_tokens
        )
        if self._open:
            log.warning("push webhook accepts unauthenticated pushes (demo mode)")

    def authenticate(self, authorization: str | None, query_token: str | None) -> PushCaller:
        """Return the caller, or raise `PushAuthError` / `PushAuthUnavailable`."""
        return self.verify(self.inspect(authorization, query_token))

    def inspect(self, authorization: str | None, query_token: str | None) -> PushCredentials:
        """Check what needs no network; raise `PushAuthError` for credentials that never pass."""
        if self._config.oidc and authorization:
            token = _bearer_token(authorization)
            claims = self._verified_tokens.claims(token) or self._unverified_claims(token)
            self._check_claims(claims)
            return PushCredentials(method="oidc", token=token)
        if self._config.shared_token and query_token is not None:
            self._check_shared_token(query_token, self._config.shared_token)
            return PushCredentials(method="shared_token")
        if self._open:
            return PushCredentials(method="demo")
        expected = "an Authorization: Bearer token" if self._config.oidc else "a ?token= parameter"
        raise PushAuthError(401, f"The push carries no credentials; expected {expected}.")

    def verify(self, credentials: PushCredentials) -> PushCaller:
        """Finish the check: an OIDC token's signature (may fetch Google's certificates)."""
        if credentials.method != "oidc":
            return PushCaller(method=credentials.method)
        token = credentials.token or ""
        claims = self._verified_tokens.claims(token)
        if claims is None:
            claims = self._verified_claims(token)
            self._check_claims(claims)  # again, now that the claims are known to be Google's
            self._verified_tokens.remember(token, claims, expires_at=claims["exp"])
        else:
            self._check_claims(claims)  # the clock moved on since it was verified
        return PushCaller(method="oidc", identity=claims.get("email"))

    @staticmethod
    def _unverified_claims(token: str) -> Mapping[str, Any]:
        try:
            return read_unverified_token(token).claims
        except MalformedToken as error:
            raise PushAuthError(401, f"The push token is not valid: {error.reason}.") from None

    @staticmethod
    def _check_shared_token(query_token: str, shared_token: str) -> None:
        if not hmac.compare_digest(query_token.encode(errors="replace"), shared_token.encode()):
            raise PushAuthError(401, "The push's ?token= does not match the configured token.")

    def _verified_claims(self, token: str) -> Mapping[str, Any]:
        try:
            return self._decode(token)
        except _VERIFY_ERRORS as error:
            reason = _failure_reason(error)
            # A key we do not know may be a freshly rotated one: fetch the certificates once more,
            # but not more than once a minute, whatever tokens are sent to us.
            rotated = reason in _SIGNATURE_REASONS and self._certs_request.forget_if_older_than(
                self._config.certs_url, REFETCH_AFTER_SECONDS
            )
            if not rotated:
                raise PushAuthError(401, f"The push token is not valid: {reason}.") from None
        try:
            return self._decode(token)
        except _VERIFY_ERRORS as error:
            reason = _failure_reason(error)
            raise PushAuthError(401, f"The push token is not valid: {reason}.") from None

    def _decode(self, token: str) -> Mapping[str, Any]:
        try:
            return id_token.verify_token(
                token,
                self._certs_request,
                audience=self._config.audience,
                certs_url=self._config.certs_url,
            )
        except google_auth_errors.TransportError as exc:
            raise PushAuthUnavailable(
                f"Google's signing certificates could not be fetched from "
                f"{self._config.certs_url}; Pub/Sub will deliver the push again."
            ) from exc

    def _check_claims(self, claims: Mapping[str, Any]) -> None:
        """The claims a push token of ours must carry; raises `PushAuthError` naming the first."""
        self._check_lifetime(claims)
        if claims.get("aud") != self._config.audience:
            raise PushAuthError(
                401, "The push token is not valid: it was issued for another audience."
            )
        if claims.get("iss") not in self._config.issuers:
            raise PushAuthError(401, "The push token was not issued by Google.")
        if claims.get("email") != self._config.service_account:
            raise PushAuthError(
                403, "The push token belongs to another service account than the configured one."
            )
        if claims.get("email_verified") is not True:
            raise PushAuthError(403, "The push token's email address is not verified.")

    def _check_lifetime(self, claims: Mapping[str, Any]) -> None:
        issued, expires = _seconds(claims.get("iat")), _seconds(claims.get("exp"))
        if issued is None or expires is None:
            raise PushAuthError(401, "The push token is not valid: it lacks the iat or exp claim.")
        now = self._clock()
        if now < issued:
            raise PushAuthError(401, "The push token is not valid: it is not valid yet.")
        if expires < now:
            raise PushAuthError(401, "The push token is not valid: it has expired.")


def _bearer_token(authorization: str) -> str:
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise PushAuthError(401, "The Authorization header is not a Bearer token.")
    return token


def _seconds(value: object) -> int | None:
    """A timestamp claim: whole seconds since the epoch, as Google writes them."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


_VERIFY_ERRORS = (google_auth_errors.GoogleAuthError, ValueError, TypeError)

# google-auth's messages can quote the token itself, so only these fixed phrases are reported.
_REASONS = (
    ("Token expired", "it has expired"),
    ("Token used too early", "it is not valid yet"),
    ("wrong audience", "it was issued for another audience"),
    ("Unsupported signature algorithm", "it is unsigned or uses an unsupported algorithm"),
    ("Certificate key type does not match", "it uses an unexpected signature algorithm"),
    ("Certificate for key id", "it is signed by a key Google does not publish"),
    ("Could not verify token signature", "its signature does not verify"),
    ("does not contain required claim", "it lacks the iat or exp claim"),
)
_SIGNATURE_REASONS = frozenset(
    {"it is signed by a key Google does not publish", "its signature does not verify"}
)


def _failure_reason(error: Exception) -> str:
    message = str(error)
    for needle, reason in _REASONS:
        if needle in message:
            return reason
    return NOT_A_JWT
