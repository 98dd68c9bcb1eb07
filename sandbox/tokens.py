"""Google OAuth 2.0 grants: authorization codes (with PKCE), refresh tokens and access tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

GMAIL_SCOPE_PREFIX = "https://www.googleapis.com/auth/gmail."
FULL_MAIL_SCOPE = "https://mail.google.com/"
READONLY_SCOPE = GMAIL_SCOPE_PREFIX + "readonly"
METADATA_SCOPE = GMAIL_SCOPE_PREFIX + "metadata"
# Scopes that include everything gmail.readonly allows.
READ_SCOPES = frozenset({FULL_MAIL_SCOPE, READONLY_SCOPE, GMAIL_SCOPE_PREFIX + "modify"})
CODE_LIFETIME_SECONDS = 600


class OAuthError(Exception):
    """An OAuth failure answered as Google's {"error", "error_description"} JSON."""

    def __init__(self, error: str, description: str, *, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

    def body(self) -> dict:
        """Return Google's token-endpoint error JSON."""
        return {"error": self.error, "error_description": self.description}


@dataclass(frozen=True)
class AccessGrant:
    """What an access token allows: whose mailbox, which scopes, until when."""

    email: str
    scopes: frozenset[str]
    expires_at: float
    refresh_token: str | None

    def can_read(self) -> bool:
        """True when the scopes allow reading whole messages (gmail.readonly or broader)."""
        return bool(self.scopes & READ_SCOPES)

    def can_read_metadata(self) -> bool:
        """True when the scopes allow at least labels and headers."""
        return self.can_read() or METADATA_SCOPE in self.scopes


@dataclass(frozen=True)
class _PendingCode:
    email: str
    client_id: str
    redirect_uri: str
    scopes: frozenset[str]
    code_challenge: str | None
    challenge_method: str
    offline: bool
    expires_at: float


@dataclass
class _RefreshGrant:
    email: str
    client_id: str
    scopes: frozenset[str]
    revoked: bool = False


class TokenStore:
    """Issues and checks tokens; thread-safe; ``clock`` returns seconds since the epoch."""

    def __init__(self, *, clock: Callable[[], float], token_lifetime_seconds: int = 3600) -> None:
        self._clock = clock
        self.token_lifetime_seconds = token_lifetime_seconds
        self._codes: dict[str, _PendingCode] = {}
        self._refresh: dict[str, _RefreshGrant] = {}
        self._access: dict[str, AccessGrant] = {}
        self._lock = threading.Lock()

    def issue_code(
        self,
        email: str,
        *,
        client_id: str,
        redirect_uri: str,
        scopes: Iterable[str],
        code_challenge: str | None,
        challenge_method: str = "S256",
        offline: bool = False,
    ) -> str:
        """Record a consent and return the single-use authorization code."""
        code = "4/" + secrets.token_urlsafe(32)
        pending = _PendingCode(
            email,
            client_id,
            redirect_uri,
            frozenset(scopes),
            code_challenge,
            challenge_method,
            offline,
            self._clock() + CODE_LIFETIME_SECONDS,
        )
        with self._lock:
            self._codes[code] = pending
        return code

    def exchange_code(
        self, code: str, *, client_id: str, redirect_uri: str, code_verifier: str | None
    ) -> dict:
        """Redeem an authorization code for tokens (the authorization_code grant)."""
        with self._lock:
            pending = self._codes.pop(code, None)
        if pending is None or pending.expires_at < self._clock():
            raise OAuthError("invalid_grant", "Malformed auth code.")
        if pending.client_id != client_id:
            raise OAuthError("invalid_grant", "The auth code was issued to another client.")
        if pending.redirect_uri != redirect_uri:
            raise OAuthError("redirect_uri_mismatch", "Bad Request")
        if pending.code_challenge is not None:
            _check_verifier(pending, code_verifier)
        refresh_token = None
        if pending.offline:
            refresh_token = self._new_refresh(pending.email, client_id, pending.scopes)
        return self._token_response(pending.email, pending.scopes, refresh_token, include=True)

    def refresh(self, refresh_token: str, *, client_id: str, scope: str | None) -> dict:
        """Issue a new access token for a refresh token (the refresh_token grant)."""
        with self._lock:
            grant = self._refresh.get(refresh_token)
        if grant is None or grant.revoked:
            raise OAuthError("invalid_grant", "Token has been expired or revoked.")
        if grant.client_id != client_id:
            raise OAuthError("unauthorized_client", "Unauthorized", status=401)
        scopes = grant.scopes
        if scope:
            wanted = frozenset(scope.split())
            if not wanted <= grant.scopes:
                raise OAuthError("invalid_scope", "Some requested scopes were not granted.")
            scopes = wanted
        return self._token_response(grant.email, scopes, refresh_token, include=False)

    def grant(self, email: str, scopes: Iterable[str], *, client_id: str) -> dict:
        """Skip the consent page: create a refresh token and an access token for ``email``."""
        scope_set = frozenset(scopes)
        refresh_token = self._new_refresh(email, client_id, scope_set)
        return self._token_response(email, scope_set, refresh_token, include=True)

    def revoke(self, token: str) -> bool:
        """Revoke a refresh token (and its access tokens) or one access token; False if unknown."""
        with self._lock:
            grant = self._refresh.get(token)
            if grant is not None:
                grant.revoked = True
                self._drop_access(lambda access: access.refresh_token == token)
                return True
            return self._access.pop(token, None) is not None

    def revoke_all(self, email: str) -> int:
        """Revoke every token of a mailbox; return how many refresh tokens were revoked."""
        with self._lock:
            count = 0
            for grant in self._refresh.values():
                if grant.email == email and not grant.revoked:
                    grant.revoked = True
                    count += 1
            self._drop_access(lambda access: access.email == email)
            return count

    def authenticate(self, access_token: str) -> AccessGrant | None:
        """Return the grant behind a live access token, or None if unknown, expired or revoked."""
        with self._lock:
            grant = self._access.get(access_token)
        if grant is None or grant.expires_at <= self._clock():
            return None
        return grant

    def _drop_access(self, doomed: Callable[[AccessGrant], bool]) -> None:
        for token in [t for t, access in self._access.items() if doomed(access)]:
            del self._access[token]

    def _new_refresh(self, email: str, client_id: str, scopes: frozenset[str]) -> str:
        token = "1//" + secrets.token_urlsafe(40)
        with self._lock:
            self._refresh[token] = _RefreshGrant(email, client_id, scopes)
        return token

    def _token_response(
        self, email: str, scopes: frozenset[str], refresh_token: str | None, *, include: bool
    ) -> dict:
        access_token = "ya29." + secrets.token_urlsafe(48)
        expires_at = self._clock() + self.token_lifetime_seconds
        with self._lock:
            self._access[access_token] = AccessGrant(email, scopes, expires_at, refresh_token)
        body = {
            "access_token": access_token,
            "expires_in": self.token_lifetime_seconds,
            "scope": " ".join(sorted(scopes)),
            "token_type": "Bearer",
        }
        if include and refresh_token is not None:
            body["refresh_token"] = refresh_token
        return body


def _check_verifier(pending: _PendingCode, verifier: str | None) -> None:
    if not verifier:
        raise OAuthError("invalid_request", "Missing code verifier.")
    if pending.challenge_method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        expected = base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")
    else:
        expected = verifier
    if not hmac.compare_digest(expected, pending.code_challenge or ""):
        raise OAuthError("invalid_grant", "Invalid code verifier.")
