"""Google OAuth 2.0 for Gmail: the authorization-code flow with PKCE, refresh and revoke."""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

import google.oauth2.credentials
import requests

from gmail.errors import OAuthFailure

log = logging.getLogger(__name__)

GMAIL_READONLY_SCOPE = "https://www.googleapis.com/auth/gmail.readonly"
TOKEN_TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True)
class OAuthClientConfig:
    """The OAuth client ApplyTrack is registered as, and where Google's endpoints are."""

    client_id: str
    client_secret: str
    auth_uri: str = "https://accounts.google.com/o/oauth2/auth"
    token_uri: str = "https://oauth2.googleapis.com/token"
    revoke_uri: str = "https://oauth2.googleapis.com/revoke"


@dataclass(frozen=True)
class PkcePair:
    """The secret verifier kept in the session and the S256 challenge sent to Google."""

    verifier: str
    challenge: str


@dataclass(frozen=True)
class TokenGrant:
    """What the token endpoint answered for an authorization code."""

    refresh_token: str
    access_token: str | None
    scopes: frozenset[str]


def user_credentials(
    config: OAuthClientConfig, refresh_token: str
) -> google.oauth2.credentials.Credentials:
    """OAuth credentials that refresh their access token from ``refresh_token`` when needed."""
    return google.oauth2.credentials.Credentials(  # type: ignore[no-untyped-call]
        token=None,
        refresh_token=refresh_token,
        token_uri=config.token_uri,
        client_id=config.client_id,
        client_secret=config.client_secret,
        scopes=[GMAIL_READONLY_SCOPE],
    )


def new_pkce_pair() -> PkcePair:
    """A fresh code verifier (43+ characters) and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return PkcePair(verifier, challenge)


def new_state() -> str:
    """An unguessable value that ties the callback to this browser's session."""
    return secrets.token_urlsafe(32)


def authorization_url(
    config: OAuthClientConfig,
    *,
    redirect_uri: str,
    state: str,
    code_challenge: str,
    login_hint: str = "",
) -> str:
    """Where to send the browser to ask for read-only Gmail access with offline access."""
    params = {
        "client_id": config.client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": GMAIL_READONLY_SCOPE,
        "state": state,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
        "access_type": "offline",
        "prompt": "consent",
        "include_granted_scopes": "false",
    }
    if login_hint:
        params["login_hint"] = login_hint
    return f"{config.auth_uri}?{urlencode(params)}"


def exchange_code(
    config: OAuthClientConfig, *, code: str, redirect_uri: str, code_verifier: str
) -> TokenGrant:
    """Trade the authorization code for tokens; raise `OAuthFailure` with a sentence on failure."""
    try:
        response = requests.post(
            config.token_uri,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
                "client_id": config.client_id,
                "client_secret": config.client_secret,
            },
            timeout=TOKEN_TIMEOUT_SECONDS,
        )
    except requests.RequestException as error:
        log.warning("token endpoint unreachable: %s", type(error).__name__)
        raise OAuthFailure(
            "Google could not be reached to finish connecting Gmail; try Connect Gmail again "
            "in a minute."
        ) from None
    body = _json_object(response)
    if response.status_code != 200:
        log.warning("code exchange refused: %s", body.get("error", response.status_code))
        raise OAuthFailure(
            "Google did not accept the sign-in (the code may have expired or been used already); "
            "start again with Connect Gmail."
        )
    refresh_token = body.get("refresh_token")
    if not isinstance(refresh_token, str) or not refresh_token:
        raise OAuthFailure(
            "Google did not grant offline access, so ApplyTrack could not keep syncing; "
            "start again with Connect Gmail and allow access."
        )
    access_token = body.get("access_token")
    return TokenGrant(
        refresh_token=refresh_token,
        access_token=access_token if isinstance(access_token, str) else None,
        scopes=frozenset(str(body.get("scope", "")).split()),
    )


def require_gmail_readonly(grant: TokenGrant) -> None:
    """Raise `OAuthFailure` unless the grant includes read access to Gmail."""
    if GMAIL_READONLY_SCOPE not in grant.scopes:
        raise OAuthFailure(
            "Insufficient permissions: reconnect and grant all permissions (ApplyTrack needs "
            "to read your Gmail messages to find job emails)."
        )


def revoke_token(config: OAuthClientConfig, token: str) -> bool:
    """Revoke a token at Google; True if Google confirmed (or already forgot it)."""
    try:
        response = requests.post(
            config.revoke_uri,
            params={"token": token},
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=TOKEN_TIMEOUT_SECONDS,
        )
    except requests.RequestException as error:
        log.warning("token revocation failed: %s", type(error).__name__)
        return False
    # 400 invalid_token means Google no longer knows the token: it is revoked either way.
    return response.status_code in (200, 400)


def _json_object(response: requests.Response) -> dict[str, object]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
