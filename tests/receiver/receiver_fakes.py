"""Stand-ins the receiver tests share: Google's signing key and certs endpoint, push builders,
and a publisher that records.

Google's certificates endpoint is stood in for by a tiny local HTTP server that serves our own
public certificate in Google's v1 format (``{kid: x509 PEM}``).
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from google.auth import crypt, jwt
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from messaging import MailboxChanged

AUDIENCE = "https://applytrack.test/pubsub/gmail"
SERVICE_ACCOUNT = "gmail-push@applytrack-test.iam.gserviceaccount.com"
ISSUER = "https://accounts.google.com"
SHARED_TOKEN = "emulator-shared-secret"
METRICS_TOKEN = "prometheus-scrape-secret"


@dataclass(frozen=True)
class SigningKey:
    """An RSA key pair with a key id, able to sign JWTs and show its x509 certificate."""

    kid: str
    private_pem: bytes
    certificate_pem: str

    @classmethod
    def generate(cls, kid: str) -> SigningKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"test signer {kid}")])
        now = datetime.now(UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=2))
            .sign(key, hashes.SHA256())
        )
        private_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        certificate_pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
        return cls(kid=kid, private_pem=private_pem, certificate_pem=certificate_pem)

    def sign(self, claims: dict[str, Any], *, kid: str | None = None) -> str:
        """A JWT over ``claims`` signed with this key (``kid`` overrides the header's key id)."""
        signer = crypt.RSASigner.from_string(self.private_pem, key_id=self.kid)
        return jwt.encode(signer, claims, key_id=kid).decode()


@dataclass
class CertsServer:
    """Serves ``{kid: certificate}`` like Google's v1 certs endpoint, and counts the fetches.

    Set ``raw_body`` to serve those bytes instead (a broken answer from Google's side).
    """

    keys: dict[str, str] = field(default_factory=dict)
    fetches: int = 0
    raw_body: bytes | None = None

    def __post_init__(self) -> None:
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}/oauth2/v1/certs"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        if request.path != "/oauth2/v1/certs":
            return Response("not found", status=404)(environ, start_response)
        self.fetches += 1
        response = Response(
            json.dumps(self.keys) if self.raw_body is None else self.raw_body,
            mimetype="application/json",
            headers={"Cache-Control": "public, max-age=3600"},
        )
        return response(environ, start_response)

    def start(self) -> CertsServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)


class RecordingPublisher:
    """A publisher that keeps what it was given, or raises `PublishError` when told to."""

    def __init__(self) -> None:
        self.messages: list[MailboxChanged] = []
        self.fail_with: Exception | None = None

    def publish(self, message: MailboxChanged) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.messages.append(message)

    def check(self) -> None:
        if self.fail_with is not None:
            raise self.fail_with


class Pushes:
    """Builds push tokens and bodies as Google's Pub/Sub would send them."""

    def __init__(self, google_key: SigningKey) -> None:
        self.google_key = google_key

    def claims(self, **overrides: Any) -> dict[str, Any]:
        """Claims of a push token for our subscription, valid for an hour; None drops a claim."""
        now = int(time.time())
        values: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "email": SERVICE_ACCOUNT,
            "email_verified": True,
            "sub": "112233445566778899000",
            "iat": now,
            "exp": now + 3600,
        }
        values.update(overrides)
        return {name: value for name, value in values.items() if value is not None}

    def token(self, *, key: SigningKey | None = None, kid: str | None = None, **claims: Any) -> str:
        """A signed push token (by Google's key unless ``key`` says otherwise)."""
        return (key or self.google_key).sign(self.claims(**claims), kid=kid)

    def body(
        self,
        email_address: object = "seeker@gmail.com",
        history_id: object = "12345",
        *,
        urlsafe: bool = True,
        padded: bool = True,
    ) -> bytes:
        """A Pub/Sub push body carrying a Gmail notification."""
        data = json.dumps({"emailAddress": email_address, "historyId": history_id}).encode()
        encoded = (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(data).decode()
        if not padded:
            encoded = encoded.rstrip("=")
        return self.envelope(encoded)

    @staticmethod
    def envelope(data: object) -> bytes:
        """The Pub/Sub envelope around an already-encoded ``data`` field."""
        return json.dumps(
            {
                "message": {
                    "data": data,
                    "messageId": "2070443601311540",
                    "publishTime": "2025-03-01T12:00:00.000Z",
                    "attributes": {},
                },
                "subscription": "projects/applytrack-test/subscriptions/gmail-notifications-push",
            }
        ).encode()
