"""`POST /pubsub/gmail`: authentication, body parsing, mailbox lookup and publishing."""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from receiver_fakes import (
    METRICS_TOKEN,
    SHARED_TOKEN,
    CertsServer,
    Pushes,
    RecordingPublisher,
    SigningKey,
)

from messaging import MailboxChanged, PublishError
from receiver import create_app
from receiver.config import PushAuthConfig, ReceiverConfig
from receiver.push_auth import PushAuthNotConfigured
from storage import MailboxState, Store, Tier

pytestmark = pytest.mark.unit

ADDRESS = "seeker@gmail.com"
BIG_HISTORY_ID = 2**63 + 12345  # above the signed 64-bit range: must survive as it is


@pytest.fixture
def mailbox_id(store: Store) -> int:
    user_id = store.create_user("sam@example.com")
    return store.connect_mailbox(user_id, ADDRESS, tier=Tier.PREMIUM, refresh_token="1//r")


def post(client: FlaskClient, body: bytes, *, token: str | None = None, query: str = ""):
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.post(f"/pubsub/gmail{query}", data=body, headers=headers)


def scrape(client: FlaskClient, token: str = METRICS_TOKEN):
    """GET /metrics as the configured Prometheus scrape does."""
    return client.get("/metrics", headers={"Authorization": f"Bearer {token}"})


def counter(client: FlaskClient, name: str) -> int:
    """Read one counter back from /metrics, as Prometheus would."""
    text = scrape(client).get_data(as_text=True)
    for line in text.splitlines():
        if line.startswith(f"applytrack_push_{name}_total "):
            return int(float(line.split()[1]))
    raise AssertionError(f"counter {name} is not exposed:\n{text}")


# --- OIDC ---------------------------------------------------------------------------------------


def test_valid_token_publishes_the_change_with_the_full_history_id(
    client: FlaskClient,
    pushes: Pushes,
    publisher: RecordingPublisher,
    store: Store,
    mailbox_id: int,
) -> None:
    response = post(client, pushes.body(ADDRESS, str(BIG_HISTORY_ID)), token=pushes.token())

    assert response.status_code == 204
    assert publisher.messages == [MailboxChanged(mailbox_id, BIG_HISTORY_ID, "push")]
    assert store.mailbox(mailbox_id).last_push_at is not None
    assert counter(client, "verified") == 1
    assert counter(client, "published") == 1


@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("wrong audience", 401),
        ("wrong issuer", 401),
        ("expired", 401),
        ("unsigned", 401),
        ("signed by another key under Google's key id", 401),
        ("signed by an unknown key", 401),
        ("garbage", 401),
        ("no iat or exp", 401),
        ("wrong email", 403),
        ("email not verified", 403),
        ("email_verified missing", 403),
    ],
)
def test_bad_tokens_are_refused_and_nothing_is_published(
    case: str,
    status: int,
    client: FlaskClient,
    pushes: Pushes,
    foreign_key: SigningKey,
    google_key: SigningKey,
    publisher: RecordingPublisher,
    mailbox_id: int,
) -> None:
    token = bad_token(case, pushes, foreign_key, google_key)

    response = post(client, pushes.body(ADDRESS, "99"), token=token)

    assert response.status_code == status
    assert response.get_json()["error"]
    assert token not in response.get_data(as_text=True)
    assert publisher.messages == []
    assert counter(client, "rejected") == 1
    assert counter(client, "verified") == 0


def bad_token(case: str, pushes: Pushes, foreign_key: SigningKey, google_key: SigningKey) -> str:
    now = pushes.claims()["iat"]
    if case == "wrong audience":
        return pushes.token(aud="https://someone-else.example/push")
    if case == "wrong issuer":
        return pushes.token(iss="https://issuer.example")
    if case == "expired":
        return pushes.token(iat=now - 7200, exp=now - 3600)
    if case == "unsigned":
        return unsigned_token(pushes.claims(), kid=google_key.kid)
    if case == "signed by another key under Google's key id":
        return pushes.token(key=foreign_key, kid=google_key.kid)
    if case == "signed by an unknown key":
        return pushes.token(key=foreign_key)
    if case == "garbage":
        return "not-a-jwt-at-all"
    if case == "no iat or exp":
        claims = pushes.claims()
        del claims["iat"], claims["exp"]
        return google_key.sign(claims)
    if case == "wrong email":
        return pushes.token(email="intruder@evil.example")
    if case == "email not verified":
        return pushes.token(email_verified=False)
    if case == "email_verified missing":
        claims = pushes.claims()
        del claims["email_verified"]
        return google_key.sign(claims)
    raise AssertionError(case)


def unsigned_token(claims: dict, *, kid: str) -> str:
    """A JWT with ``alg: none`` and no signature."""

    def segment(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{segment({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{segment(claims)}."


def test_missing_credentials_are_refused(
    client: FlaskClient, pushes: Pushes, publisher: RecordingPublisher, mailbox_id: int
) -> None:
    response = post(client, pushes.body(ADDRESS, "99"))

    assert response.status_code == 401
    assert "credentials" in response.get_json()["error"]
    assert publisher.messages == []


def test_a_non_bearer_authorization_header_is_refused(
    client: FlaskClient, pushes: Pushes, publisher: RecordingPublisher, mailbox_id: int
) -> None:
    response = client.post(
        "/pubsub/gmail", data=pushes.body(ADDRESS, "99"), headers={"Authorization": "Basic Zm9v"}
    )

    assert response.status_code == 401
    assert publisher.messages == []


def test_the_reason_is_logged_but_never_the_token(
    client: FlaskClient, pushes: Pushes, caplog: pytest.LogCaptureFixture, mailbox_id: int
) -> None:
    token = pushes.token(aud="https://someone-else.example/push")
    garbage = "garbage.token.with-secret-looking-parts"

    with caplog.at_level(logging.INFO):
        post(client, pushes.body(ADDRESS, "99"), token=token)
        post(client, pushes.body(ADDRESS, "99"), token=garbage)

    assert "another audience" in caplog.text
    assert "well-formed" in caplog.text
    assert token not in caplog.text
    assert "secret-looking" not in caplog.text


def test_certificates_are_fetched_once_for_many_pushes(
    client: FlaskClient,
    pushes: Pushes,
    certs_server: CertsServer,
    publisher: RecordingPublisher,
    mailbox_id: int,
) -> None:
    for history_id in (100, 101, 102):
        assert (
            post(client, pushes.body(ADDRESS, history_id), token=pushes.token()).status_code == 204
        )

    assert [message.history_id for message in publisher.messages] == [100, 101, 102]
    assert certs_server.fetches == 1


def test_unreachable_certificates_answer_503_so_pubsub_retries(
    config: ReceiverConfig,
    store: Store,
    publisher: RecordingPublisher,
    pushes: Pushes,
    mailbox_id: int,
) -> None:
    unreachable = replace(
        config, push_auth=replace(config.push_auth, certs_url="http://127.0.0.1:9/oauth2/v1/certs")
    )
    client = create_app(unreachable, store=store, publisher=publisher).test_client()

    response = post(client, pushes.body(ADDRESS, "99"), token=pushes.token())

    assert response.status_code == 503
    assert "certificates" in response.get_json()["error"]
    assert publisher.messages == []


# --- shared token (Pub/Sub emulator) ------------------------------------------------------------


def test_shared_token_mode_accepts_the_right_token(
    client: FlaskClient, pushes: Pushes, publisher: RecordingPublisher, mailbox_id: int
) -> None:
    response = post(client, pushes.body(ADDRESS, "77"), query=f"?token={SHARED_TOKEN}")

    assert response.status_code == 204
    assert publisher.messages == [MailboxChanged(mailbox_id, 77, "push")]


@pytest.mark.parametrize("query", ["?token=wrong", "?token=", f"?token={SHARED_TOKEN}x"])
def test_shared_token_mode_refuses_a_wrong_token(
    query: str,
    client: FlaskClient,
    pushes: Pushes,
    publisher: RecordingPublisher,
    mailbox_id: int,
) -> None:
    response = post(client, pushes.body(ADDRESS, "77"), query=query)

    assert response.status_code == 401
    assert publisher.messages == []


def test_shared_token_only_refuses_a_push_without_it(
    config: ReceiverConfig,
    store: Store,
    publisher: RecordingPublisher,
    pushes: Pushes,
    mailbox_id: int,
) -> None:
    token_only = replace(
        config, push_auth=replace(config.push_auth, audience=None, service_account=None)
    )
    client = create_app(token_only, store=store, publisher=publisher).test_client()

    assert post(client, pushes.body(ADDRESS, "5"), token=pushes.token()).status_code == 401
    assert (
        post(client, pushes.body(ADDRESS, "5"), query=f"?token={SHARED_TOKEN}").status_code == 204
    )
    assert publisher.messages == [MailboxChanged(mailbox_id, 5, "push")]


# --- configuration ------------------------------------------------------------------------------


def test_create_app_refuses_to_start_without_push_authentication(
    config: ReceiverConfig, store: Store, publisher: RecordingPublisher
) -> None:
    unconfigured = replace(config, push_auth=PushAuthConfig())

    with pytest.raises(PushAuthNotConfigured) as error:
        create_app(unconfigured, store=store, publisher=publisher)

    for variable in ("GMAIL_PUSH_AUDIENCE", "GMAIL_PUSH_SERVICE_ACCOUNT", "GMAIL_PUSH_TOKEN"):
        assert variable in str(error.value)


def test_demo_mode_without_push_authentication_accepts_pushes(
    config: ReceiverConfig,
    store: Store,
    publisher: RecordingPublisher,
    pushes: Pushes,
    mailbox_id: int,
) -> None:
    demo = replace(config, push_auth=PushAuthConfig(), demo=True)
    client = create_app(demo, store=store, publisher=publisher).test_client()

    assert post(client, pushes.body(ADDRESS, "8")).status_code == 204
    assert publisher.messages == [MailboxChanged(mailbox_id, 8, "push")]


def test_without_a_publisher_the_webhook_answers_503_and_pages_still_work(
    config: ReceiverConfig, store: Store, pushes: Pushes, mailbox_id: int
) -> None:
    client = create_app(config, store=store, publisher=None).test_client()

    response = post(client, pushes.body(ADDRESS, "8"), token=pushes.token())

    assert response.status_code == 503
    assert "publisher" in response.get_json()["error"]
    assert client.get("/healthz").status_code == 200


# --- bodies -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("urlsafe", "padded"), [(True, True), (True, False), (False, True), (False, False)]
)
def test_both_base64_alphabets_with_or_without_padding_are_accepted(
    urlsafe: bool,
    padded: bool,
    client: FlaskClient,
    publisher: RecordingPublisher,
    mailbox_id: int,
) -> None:
    # '?', '>' and '~' make the encoding use the characters where the two alphabets differ.
    data = json.dumps({"emailAddress": ADDRESS, "historyId": "4242", "x": "???>>>~"}).encode()
    encoded = (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(data).decode()
    assert set(encoded) & (set("-_") if urlsafe else set("+/"))
    if not padded:
        assert encoded.endswith("=")
        encoded = encoded.rstrip("=")

    response = post(client, Pushes.envelope(encoded), query=f"?token={SHARED_TOKEN}")

    assert response.status_code == 204
    assert publisher.messages == [MailboxChanged(mailbox_id, 4242, "push")]


def encoded_json(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"this is not json", "not JSON"),
        (b"[1, 2]", "not an object"),
        (json.dumps({"subscription": "s"}).encode(), '"message"'),
        (Pushes.envelope(None), '"data"'),
        (Pushes.envelope("%%%not base64%%%"), "not base64"),
        (Pushes.envelope("a"), "not base64"),
        (Pushes.envelope(base64.b64encode(b"plain text").decode()), "not JSON"),
        (Pushes.envelope(encoded_json({"historyId": "1"})), "emailAddress"),
        (Pushes.envelope(encoded_json({"emailAddress": "", "historyId": "1"})), "emailAddress"),
        (Pushes.envelope(encoded_json({"emailAddress": ADDRESS})), "historyId"),
        (Pushes.envelope(encoded_json({"emailAddress": ADDRESS, "historyId": "abc"})), "historyId"),
        (Pushes.envelope(encoded_json({"emailAddress": ADDRESS, "historyId": -3})), "historyId"),
        (Pushes.envelope(encoded_json({"emailAddress": ADDRESS, "historyId": 0})), "historyId"),
        (Pushes.envelope(encoded_json({"emailAddress": ADDRESS, "historyId": 2**64})), "historyId"),
        (Pushes.envelope(encoded_json({"emailAddress": ADDRESS, "historyId": 1.5})), "historyId"),
        (Pushes.envelope(encoded_json({"emailAddress": ADDRESS, "historyId": True})), "historyId"),
        (
            Pushes.envelope(encoded_json({"emailAddress": ADDRESS, "historyId": "\uff11\uff12"})),
            "historyId",
        ),
    ],
)
def test_malformed_bodies_get_400_with_the_reason(
    body: bytes, reason: str, client: FlaskClient, publisher: RecordingPublisher, mailbox_id: int
) -> None:
    response = post(client, body, query=f"?token={SHARED_TOKEN}")

    assert response.status_code == 400
    assert reason in response.get_json()["error"]
    assert publisher.messages == []
    assert counter(client, "malformed") == 1


def test_the_largest_history_id_is_accepted(
    client: FlaskClient, pushes: Pushes, publisher: RecordingPublisher, mailbox_id: int
) -> None:
    response = post(client, pushes.body(ADDRESS, 2**64 - 1), query=f"?token={SHARED_TOKEN}")

    assert response.status_code == 204
    assert publisher.messages[0].history_id == 2**64 - 1


# --- mailboxes and publishing -------------------------------------------------------------------


def test_an_unknown_mailbox_is_acknowledged_and_nothing_published(
    client: FlaskClient, pushes: Pushes, publisher: RecordingPublisher, mailbox_id: int
) -> None:
    response = post(client, pushes.body("stranger@gmail.com", "9"), token=pushes.token())

    assert response.status_code == 204
    assert publisher.messages == []
    assert counter(client, "unknown_mailbox") == 1


def test_a_disconnected_mailbox_is_acknowledged_and_nothing_published(
    client: FlaskClient,
    pushes: Pushes,
    publisher: RecordingPublisher,
    store: Store,
    mailbox_id: int,
) -> None:
    store.set_mailbox_state(mailbox_id, MailboxState.DISCONNECTED)

    response = post(client, pushes.body(ADDRESS, "9"), token=pushes.token())

    assert response.status_code == 204
    assert publisher.messages == []


def test_the_address_is_matched_without_regard_to_case(
    client: FlaskClient, pushes: Pushes, publisher: RecordingPublisher, mailbox_id: int
) -> None:
    response = post(client, pushes.body("Seeker@Gmail.com", "9"), token=pushes.token())

    assert response.status_code == 204
    assert publisher.messages == [MailboxChanged(mailbox_id, 9, "push")]


@pytest.mark.parametrize("failure", [PublishError("queue down"), ConnectionError("reset")])
def test_a_publish_failure_answers_503_so_pubsub_redelivers(
    failure: Exception,
    client: FlaskClient,
    pushes: Pushes,
    publisher: RecordingPublisher,
    mailbox_id: int,
) -> None:
    publisher.fail_with = failure

    response = post(client, pushes.body(ADDRESS, "9"), token=pushes.token())

    assert response.status_code == 503
    assert response.get_json()["error"]
    assert counter(client, "publish_failed") == 1
    assert counter(client, "published") == 0

    publisher.fail_with = None
    assert post(client, pushes.body(ADDRESS, "9"), token=pushes.token()).status_code == 204
    assert publisher.messages == [MailboxChanged(mailbox_id, 9, "push")]


def test_metrics_are_in_prometheus_text_format(app: Flask) -> None:
    response = scrape(app.test_client())

    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    for name in ("received", "verified", "rejected", "malformed", "published", "publish_failed"):
        assert f"# TYPE applytrack_push_{name}_total counter" in text
        assert f"applytrack_push_{name}_total 0" in text


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"


def test_readyz_reports_ready_when_database_and_queue_answer(client: FlaskClient) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.get_json() == {"ready": True}


def test_readyz_names_an_unreachable_queue(
    client: FlaskClient, publisher: RecordingPublisher
) -> None:
    publisher.fail_with = PublishError("Pub/Sub topic is not reachable: connection refused")

    response = client.get("/readyz")

    assert response.status_code == 503
    assert "not reachable" in response.get_json()["problems"]["queue"]


def test_an_oversized_body_is_malformed(
    client: FlaskClient, publisher: RecordingPublisher, mailbox_id: int
) -> None:
    body = Pushes.envelope("A" * 200_000)

    response = post(client, body, query=f"?token={SHARED_TOKEN}")

    assert response.status_code == 400
    assert "larger" in response.get_json()["error"]
    assert counter(client, "malformed") == 1
    assert publisher.messages == []
