"""Google OAuth stand-in: consent page, PKCE code exchange, refresh, revoke, scopes."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import google.auth.transport.requests
import pytest
from google.auth.exceptions import RefreshError
from google.oauth2.credentials import Credentials
from googleapiclient.errors import HttpError
from sandbox_testkit import CLIENT_ID, MAILBOX, READONLY, Sandbox

pytestmark = pytest.mark.unit

REDIRECT_URI = "http://127.0.0.1:9/oauth/callback"


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _consent(sandbox: Sandbox, verifier: str, *, decision: str = "allow") -> dict[str, list[str]]:
    params = {
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "scope": READONLY,
        "state": "state-123",
        "code_challenge": _challenge(verifier),
        "code_challenge_method": "S256",
        "access_type": "offline",
        "prompt": "consent",
        "login_hint": MAILBOX,
    }
    page = sandbox.admin("GET", "/o/oauth2/auth", params=params)
    assert page.status_code == 200 and READONLY in page.text
    form = {**params, "email": MAILBOX, "granted_scope": READONLY, "decision": decision}
    answer = sandbox.admin("POST", "/o/oauth2/auth", data=form, allow_redirects=False)
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    return parse_qs(location.query)


def _exchange(sandbox: Sandbox, code: str, verifier: str):
    return sandbox.admin(
        "POST",
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": CLIENT_ID,
            "client_secret": "sandbox-secret",
            "code_verifier": verifier,
        },
    )


def test_pkce_code_exchange_gives_tokens_that_work(sandbox: Sandbox) -> None:
    verifier = "v" * 64
    answer = _consent(sandbox, verifier)
    assert answer["state"] == ["state-123"]

    tokens = _exchange(sandbox, answer["code"][0], verifier)
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    assert body["scope"] == READONLY and body["token_type"] == "Bearer"
    credentials = Credentials(
        token=None,
        refresh_token=body["refresh_token"],
        token_uri=sandbox.url + "/token",
        client_id=CLIENT_ID,
        client_secret="sandbox-secret",
    )
    profile = sandbox.gmail(credentials).users().getProfile(userId="me").execute()
    assert profile["emailAddress"] == MAILBOX
    reused = _exchange(sandbox, answer["code"][0], verifier)
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"


def test_wrong_code_verifier_is_invalid_grant(sandbox: Sandbox) -> None:
    answer = _consent(sandbox, "right-verifier-" + "x" * 40)

    tokens = _exchange(sandbox, answer["code"][0], "wrong-verifier-" + "x" * 40)

    assert tokens.status_code == 400
    assert tokens.json()["error"] == "invalid_grant"


def test_deny_redirects_with_access_denied(sandbox: Sandbox) -> None:
    answer = _consent(sandbox, "v" * 50, decision="deny")
    assert answer == {"error": ["access_denied"], "state": ["state-123"]}


def test_consent_page_rejects_a_request_without_redirect_uri(sandbox: Sandbox) -> None:
    page = sandbox.admin(
        "GET", "/o/oauth2/auth", params={"client_id": CLIENT_ID, "scope": READONLY}
    )
    assert page.status_code == 400 and "redirect_uri" in page.text


def test_refresh_then_invalid_grant_after_revoke_all(sandbox: Sandbox) -> None:
    credentials = sandbox.credentials()
    gmail = sandbox.gmail(credentials)
    assert gmail.users().getProfile(userId="me").execute()["emailAddress"] == MAILBOX

    revoked = sandbox.admin("POST", f"/sandbox/users/{MAILBOX}/revoke-all")
    assert revoked.json() == {"revoked": 1}

    with pytest.raises(RefreshError) as caught:
        gmail.users().getProfile(userId="me").execute()
    assert "invalid_grant" in str(caught.value)


def test_revoke_endpoint_revokes_a_refresh_token(sandbox: Sandbox) -> None:
    credentials = sandbox.credentials()
    assert sandbox.admin("POST", "/revoke", params={"token": credentials.refresh_token}).ok

    with pytest.raises(RefreshError):
        credentials.refresh(google.auth.transport.requests.Request())
    unknown = sandbox.admin("POST", "/revoke", params={"token": "nope"})
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_token"


def test_expired_access_token_is_refreshed_by_the_client(sandbox: Sandbox) -> None:
    credentials = sandbox.credentials()
    gmail = sandbox.gmail(credentials)
    gmail.users().getProfile(userId="me").execute()
    first_token = credentials.token

    sandbox.clock.advance(3601)

    assert gmail.users().getProfile(userId="me").execute()["emailAddress"] == MAILBOX
    assert credentials.token != first_token


def test_missing_gmail_scope_is_403_insufficient_permissions(sandbox: Sandbox) -> None:
    credentials = sandbox.credentials(scopes=["https://www.googleapis.com/auth/gmail.send"])

    with pytest.raises(HttpError) as caught:
        sandbox.gmail(credentials).users().getProfile(userId="me").execute()

    assert caught.value.resp.status == 403
    assert caught.value.error_details[0]["reason"] == "insufficientPermissions"


def test_other_users_mailbox_is_forbidden_and_no_token_is_401(sandbox: Sandbox) -> None:
    gmail = sandbox.gmail()
    with pytest.raises(HttpError) as forbidden:
        gmail.users().getProfile(userId="someone.else@example.com").execute()
    assert forbidden.value.resp.status == 403
    assert gmail.users().getProfile(userId=MAILBOX).execute()["emailAddress"] == MAILBOX

    anonymous = sandbox.admin("GET", "/gmail/v1/users/me/profile")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["status"] == "UNAUTHENTICATED"
