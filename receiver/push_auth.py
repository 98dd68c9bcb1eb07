"""Who may push to the webhook: Google's OIDC token, or the emulator's shared `?token=`."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from google.auth import exceptions as google_auth_errors
from google.oauth2 import id_token

from receiver.certs import CachingCertsRequest
from receiver.config import PushAuthConfig

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


class PushAuthenticator:
    """Checks a push request's credentials against the configured push identity."""

    def __init__(
        self,
        config: PushAuthConfig,
        *,
        demo: bool = False,
        certs_request: CachingCertsRequest | None = None,
    ) -> None:
        if not config.configured and not demo:
            raise PushAuthNotConfigured(
                "The Gmail push webhook has no way to authenticate Pub/Sub: set "
                "GMAIL_PUSH_AUDIENCE and GMAIL_PUSH_SERVICE_ACCOUNT (Google's OIDC push token), "
                "or GMAIL_PUSH_TOKEN (the shared ?token= used with the Pub/Sub emulator)."
            )
        self._audience = config.audience
        self._service_account = config.service_account
        self._certs_url = config.certs_url
        self._issuers = tuple(config.issuers)
        self._shared_token = config.shared_token
        self._oidc = config.oidc
        self._open = not config.configured  # demo mode only, checked above
        self._certs_request = certs_request or CachingCertsRequest()
        if self._open:
            log.warning("push webhook accepts unauthenticated pushes (demo mode)")

    def authenticate(self, authorization: str | None, query_token: str | None) -> PushCaller:
        """Return the caller, or raise `PushAuthError` / `PushAuthUnavailable`."""
        if self._oidc and authorization:
            return self._verify_bearer(authorization)
        if self._shared_token and query_token is not None:
            return self._verify_shared_token(query_token)
        if self._open:
            return PushCaller(method="demo")
        expected = "an Authorization: Bearer token" if self._oidc else "a ?token= parameter"
        raise PushAuthError(401, f"The push carries no credentials; expected {expected}.")

    def _verify_shared_token(self, query_token: str) -> PushCaller:
        assert self._shared_token is not None
        if not hmac.compare_digest(query_token.encode(), self._shared_token.encode()):
            raise PushAuthError(401, "The push's ?token= does not match the configured token.")
        return PushCaller(method="shared_token")

    def _verify_bearer(self, authorization: str) -> PushCaller:
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise PushAuthError(401, "The Authorization header is not a Bearer token.")
        claims = self._verified_claims(token)
        return self._check_identity(claims)

    def _verified_claims(self, token: str) -> Mapping[str, Any]:
        try:
            return self._decode(token)
        except _VERIFY_ERRORS as error:
            reason = _failure_reason(error)
            # A key we do not know may be a freshly rotated one: fetch the certificates once more,
            # but not more than once a minute, whatever tokens are sent to us.
            rotated = reason in _SIGNATURE_REASONS and self._certs_request.forget_if_older_than(
                self._certs_url, REFETCH_AFTER_SECONDS
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
                token, self._certs_request, audience=self._audience, certs_url=self._certs_url
            )
        except google_auth_errors.TransportError as exc:
            raise PushAuthUnavailable(
                f"Google's signing certificates could not be fetched from {self._certs_url}; "
                "Pub/Sub will deliver the push again."
            ) from exc

    def _check_identity(self, claims: Mapping[str, Any]) -> PushCaller:
        issuer = claims.get("iss")
        if issuer not in self._issuers:
            raise PushAuthError(401, f"The push token was issued by {issuer!r}, not by Google.")
        email = claims.get("email")
        if email != self._service_account:
            raise PushAuthError(
                403, "The push token belongs to another service account than the configured one."
            )
        if claims.get("email_verified") is not True:
            raise PushAuthError(403, "The push token's email address is not verified.")
        return PushCaller(method="oidc", identity=email)


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
    return "it is not a well-formed JWT"
