"""Test helpers: a running sandbox on a fake clock, reached through Google's own clients."""

from __future__ import annotations

from dataclasses import dataclass, field

import requests
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build

from sandbox import SandboxServer
from tests.sync_testkit import FakeClock

READONLY = "https://www.googleapis.com/auth/gmail.readonly"
CLIENT_ID = "applytrack-local-client"
MAILBOX = "jordan@example.com"


@dataclass
class Sandbox:
    """A running sandbox plus helpers that speak its admin API over HTTP."""

    server: SandboxServer
    clock: FakeClock
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def url(self) -> str:
        return self.server.url

    def admin(self, method: str, path: str, **kwargs: object) -> requests.Response:
        return self.session.request(method, self.url + path, timeout=10, **kwargs)

    def deliver(self, email: str = MAILBOX, **fields: object) -> dict:
        fields.setdefault("from", "Recruiter <jobs@example.org>")
        fields.setdefault("subject", "Hello")
        fields.setdefault("body", "Hello there")
        response = self.admin("POST", f"/sandbox/users/{email}/messages", json=fields)
        assert response.status_code == 201, response.text
        return response.json()

    def grant(self, email: str = MAILBOX, scopes: list[str] | None = None) -> dict:
        response = self.admin(
            "POST", f"/sandbox/users/{email}/grant", json={"scopes": scopes or [READONLY]}
        )
        assert response.status_code == 200, response.text
        return response.json()

    def credentials(self, email: str = MAILBOX, scopes: list[str] | None = None) -> Credentials:
        tokens = self.grant(email, scopes)
        return Credentials(
            token=None,
            refresh_token=tokens["refresh_token"],
            token_uri=self.url + "/token",
            client_id=CLIENT_ID,
            client_secret="sandbox-secret",
        )

    def gmail(self, credentials: Credentials | None = None, email: str = MAILBOX):
        return build(
            "gmail",
            "v1",
            credentials=credentials or self.credentials(email),
            client_options={"api_endpoint": self.url},
            static_discovery=True,
            cache_discovery=False,
        )
