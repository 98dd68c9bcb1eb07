"""`POST /pubsub/gmail` under hostile input: a 4xx for every push that can never succeed, a 503
only for what a retry can fix, and nothing published for a refused push (with hypothesis)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from receiver_fakes import (
    ISSUER,
    SHARED_TOKEN,
    CertsServer,
    Pushes,
    RecordingPublisher,
    SigningKey,
)

from applytrack.settings import Settings
from applytrack.wiring import field_cipher
from messaging import MailboxChanged
from receiver import create_app
from receiver.config import ReceiverConfig
from storage import Database, Store, Tier

pytestmark = pytest.mark.unit

ADDRESS = "seeker@gmail.com"
UNREACHABLE_CERTS_URL = "http://127.0.0.1:9/oauth2/v1/certs"
MAX_HISTORY_ID = 2**64 - 1
ISSUERS = (ISSUER, "accounts.google.com")  # both accepted by the test config
HYPOTHESIS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def mailbox_id(store: Store) -> int:
    user_id = store.create_user("sam@example.com")
    return store.connect_mailbox(user_id, ADDRESS, tier=Tier.PREMIUM, refresh_token="1//r")


@pytest.fixture
def offline_client(
    config: ReceiverConfig, store: Store, publisher: RecordingPublisher, mailbox_id: int
) -> FlaskClient:
    """The receiver while Google's certificates are out of reach."""
    offline = replace(config, push_auth=replace(config.push_auth, certs_url=UNREACHABLE_CERTS_URL))
    return create_app(offline, store=store, publisher=publisher).test_client()


def post(
    client: FlaskClient,
    body: bytes,
    *,
    token: str | None = None,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
):
    sent = {"Content-Type": "application/json", **(headers or {})}
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    return client.post("/pubsub/gmail", data=body, headers=sent, query_string=query or {})


def encoded(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


def notification(email_address: object = ADDRESS, history_id: object = "99") -> bytes:
    return Pushes.envelope(encoded({"emailAddress": email_address, "historyId": history_id}))


def segment(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


SHARED = {"token": SHARED_TOKEN}


# --- regressions: each of these answered 500 or 503 before -------------------------------------


DEEP = 1000


@pytest.mark.parametrize(
    "body",
    [
        b"[" * DEEP + b"]" * DEEP,
        b'{"message": ' * DEEP + b"{}" + b"}" * DEEP,
        json.dumps({"message": {"data": "e30", "attributes": {}}})
        .replace('{"data"', '{"x": ' + "[" * DEEP + "]" * DEEP + ', "data"')
        .encode(),
        Pushes.envelope(
            base64.b64encode(
                b'{"emailAddress": "seeker@gmail.com", "historyId": "9", "x": '
                + b"[" * DEEP
                + b"]" * DEEP
                + b"}"
            ).decode()
        ),
    ],
    ids=["array", "objects", "envelope field", "gmail data"],
)
def test_deeply_nested_json_is_malformed_not_a_crash(
    body: bytes, client: FlaskClient, publisher: RecordingPublisher, mailbox_id: int
) -> None:
    response = post(client, body, query=SHARED)

    assert response.status_code == 400
    assert "nested" in response.get_json()["error"]
    assert publisher.messages == []


@pytest.mark.parametrize(
    "history_id",
    ["9" * 5000, "1" * 21, str(2**64), " " + "9" * 4301 + " "],
    ids=["5000 digits", "21 digits", "2^64", "4301 digits, spaced"],
)
def test_a_history_id_beyond_20_digits_or_2_64_is_malformed(
    history_id: str, client: FlaskClient, publisher: RecordingPublisher, mailbox_id: int
) -> None:
    response = post(client, notification(ADDRESS, history_id), query=SHARED)

    assert response.status_code == 400
    assert "historyId" in response.get_json()["error"]
    assert publisher.messages == []


def test_a_json_number_of_thousands_of_digits_is_malformed(
    client: FlaskClient, publisher: RecordingPublisher, mailbox_id: int
) -> None:
    payload = b'{"emailAddress": "seeker@gmail.com", "historyId": ' + b"7" * 5000 + b"}"
    body = Pushes.envelope(base64.b64encode(payload).decode())

    response = post(client, body, query=SHARED)

    assert response.status_code == 400
    assert "longer than 20 digits" in response.get_json()["error"]
    assert publisher.messages == []


@pytest.fixture
def store_on_any_database(any_database_url: str, settings: Settings) -> Iterator[Store]:
    """A store on SQLite and then on PostgreSQL, which refuses NUL in text."""
    store = Store(Database(any_database_url), field_cipher(settings))
    store.database.upgrade()
    yield store
    store.database.dispose()


@pytest.mark.parametrize(
    "address",
    [
        "seeker\x00@gmail.com",
        "seeker@gmail.com\x00",
        "seeker@gmail.com\x1b[2J",
        "see ker@gmail.com",
        "seeker@gmail.com\u200b",
        "seeker\ud800@gmail.com",
        "s" * 320 + "@gmail.com",
    ],
    ids=["NUL", "trailing NUL", "escape", "space", "zero-width space", "lone surrogate", "long"],
)
def test_an_address_with_control_characters_is_malformed(
    address: str,
    config: ReceiverConfig,
    store_on_any_database: Store,
    publisher: RecordingPublisher,
) -> None:
    store = store_on_any_database
    store.connect_mailbox(
        store.create_user("sam@example.com"), ADDRESS, tier=Tier.PREMIUM, refresh_token="1//r"
    )
    client = create_app(config, store=store, publisher=publisher).test_client()

    response = post(client, notification(address, "99"), query=SHARED)

    assert response.status_code == 400
    assert "emailAddress" in response.get_json()["error"]
    assert publisher.messages == []


@pytest.mark.parametrize(
    "case",
    ["garbage", "three dots", "unsigned", "expired", "another audience", "another signer"],
)
def test_a_token_that_can_never_pass_is_refused_while_certificates_are_unreachable(
    case: str, offline_client: FlaskClient, pushes: Pushes, publisher: RecordingPublisher
) -> None:
    now = pushes.claims()["iat"]
    token = {
        "garbage": "not-a-jwt-at-all",
        "three dots": "a.b.c",
        "unsigned": f"{segment({'alg': 'none'})}.{segment(pushes.claims())}.",
        "expired": pushes.token(iat=now - 7200, exp=now - 3600),
        "another audience": pushes.token(aud="https://someone-else.example/push"),
        "another signer": pushes.token(email="intruder@evil.example"),
    }[case]

    response = post(offline_client, notification(), token=token)

    assert response.status_code in (401, 403)
    assert publisher.messages == []


def test_a_malformed_body_is_400_even_while_certificates_are_unreachable(
    offline_client: FlaskClient, pushes: Pushes, publisher: RecordingPublisher
) -> None:
    response = post(offline_client, b"this is not json", token=pushes.token())

    assert response.status_code == 400
    assert publisher.messages == []


def test_a_good_push_waits_for_the_certificates_with_503(
    offline_client: FlaskClient, pushes: Pushes, publisher: RecordingPublisher
) -> None:
    response = post(offline_client, notification(), token=pushes.token())

    assert response.status_code == 503
    assert publisher.messages == []


def test_a_broken_certificates_answer_is_503_not_a_bad_token(
    client: FlaskClient,
    certs_server: CertsServer,
    pushes: Pushes,
    publisher: RecordingPublisher,
    mailbox_id: int,
) -> None:
    certs_server.raw_body = b"<html>Service Unavailable</html>"

    response = post(client, notification(), token=pushes.token())

    assert response.status_code == 503
    assert publisher.messages == []
    certs_server.raw_body = None  # Google answers again: the next delivery goes through
    assert post(client, notification(), token=pushes.token()).status_code == 204


# --- properties ---------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
history_ids = st.one_of(
    st.integers(),
    st.integers(min_value=0, max_value=2**70).map(str),
    st.text(alphabet="0123456789 ", max_size=40),
    st.integers(min_value=4000, max_value=6000).map(lambda n: "9" * n),  # past int()'s limit
    st.text(max_size=30),
    json_values,
)
addresses = st.one_of(
    st.just(ADDRESS), st.just("SEEKER@gmail.com"), st.text(max_size=40), st.emails(), json_values
)
payloads = st.fixed_dictionaries(
    {}, optional={"emailAddress": addresses, "historyId": history_ids, "extra": json_values}
)


def envelope_around(data: object, extra: Any) -> bytes:
    return json.dumps({"message": {"data": data, "messageId": extra}, "subscription": "s"}).encode()


bodies = st.one_of(
    st.binary(max_size=600),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.integers(min_value=1, max_value=3000).map(lambda n: b"[" * n + b"]" * n),
    st.builds(envelope_around, json_values, json_values),
    st.builds(envelope_around, st.text(max_size=200), json_values),
    st.builds(
        envelope_around,
        st.binary(max_size=200).map(lambda b: base64.b64encode(b).decode()),
        json_values,
    ),
    st.builds(envelope_around, payloads.map(encoded), json_values),
    st.builds(notification, addresses, history_ids),
)


def assert_refused_or_published(response: Any, published_before: int, publisher: Any) -> None:
    """400 publishes nothing; 204 published at most one valid `mailbox-changed`."""
    assert response.status_code in (204, 400), response.get_data(as_text=True)
    new = publisher.messages[published_before:]
    if response.status_code == 400:
        assert response.get_json()["error"]
        assert new == []
    else:
        assert len(new) <= 1
        assert all(0 < message.history_id <= MAX_HISTORY_ID for message in new)


@pytest.fixture
def google_token(pushes: Pushes) -> str:
    """One genuine push token, valid for the hour the test takes at most."""
    return pushes.token()


@pytest.mark.parametrize("credentials", ["shared token", "OIDC token"])
@HYPOTHESIS
@given(body=bodies)
def test_no_body_gets_a_server_error(
    credentials: str,
    body: bytes,
    client: FlaskClient,
    google_token: str,
    publisher: RecordingPublisher,
    mailbox_id: int,
) -> None:
    before = len(publisher.messages)
    if credentials == "shared token":
        response = post(client, body, query=SHARED)
    else:
        response = post(client, body, token=google_token)

    assert_refused_or_published(response, before, publisher)


def test_a_valid_body_among_them_is_published(
    client: FlaskClient, publisher: RecordingPublisher, mailbox_id: int
) -> None:
    assert post(client, notification(ADDRESS, str(MAX_HISTORY_ID)), query=SHARED).status_code == 204
    assert publisher.messages == [MailboxChanged(mailbox_id, MAX_HISTORY_ID, "push")]


# Header values as a WSGI server hands them over: latin-1 text without line breaks.
header_text = st.text(
    alphabet=st.characters(min_codepoint=0, max_codepoint=255, blacklist_characters="\r\n"),
    max_size=120,
)
header_names = st.sampled_from(
    ["Content-Type", "Content-Encoding", "X-Forwarded-For", "X-Goog-Token", "Accept", "Origin"]
)
REQUIRED_CLAIMS = ("iat", "exp", "aud", "iss", "email", "email_verified")


def jwt_text(header: object, claims: object, signature: bytes) -> str:
    return f"{segment(header)}.{segment(claims)}.{base64.urlsafe_b64encode(signature).decode()}"


@dataclass(frozen=True)
class TokenParts:
    """What tokens are made of, fixed for one test so that hypothesis can replay its examples."""

    claims: dict[str, Any]  # right in every claim
    google_key: SigningKey
    foreign_key: SigningKey


@pytest.fixture
def parts(pushes: Pushes, foreign_key: SigningKey) -> TokenParts:
    return TokenParts(pushes.claims(), pushes.google_key, foreign_key)


@st.composite
def defective_tokens(draw: st.DrawFn, parts: TokenParts) -> str:
    """A push token with at least one defect that needs no certificate to see."""
    claims = dict(parts.claims)
    defect = draw(st.sampled_from(["text", "segments", "header", "missing claim", "wrong claim"]))
    if defect == "text":
        return draw(header_text)
    if defect == "segments":
        pieces = draw(st.lists(st.text(alphabet="AZaz09-_=.+/ ", max_size=40), max_size=5))
        return ".".join(pieces)
    if defect == "header":
        header = draw(json_values.filter(lambda value: not _is_rs256_header(value)))
        return jwt_text(header, claims, draw(st.binary(min_size=1, max_size=64)))
    name = draw(st.sampled_from(REQUIRED_CLAIMS))
    if defect == "missing claim":
        claims.pop(name)
    else:
        claims[name] = draw(wrong_values(name, claims))
    if draw(st.booleans()):  # signed by a key, or not signed at all
        return draw(st.sampled_from([parts.google_key, parts.foreign_key])).sign(claims)
    return jwt_text({"alg": "RS256", "kid": parts.google_key.kid}, claims, draw(st.binary()))


def wrong_values(name: str, claims: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values that make the claim ``name`` wrong: another value, a time out of range."""
    now = claims["iat"]
    if name == "iat":
        return st.one_of(json_values.filter(_not_seconds), st.integers(min_value=now + 3600))
    if name == "exp":
        return st.one_of(json_values.filter(_not_seconds), st.integers(max_value=now - 1))
    right = (claims[name], *ISSUERS) if name == "iss" else (claims[name],)
    return json_values.filter(lambda value: all(value != good for good in right))


def _not_seconds(value: object) -> bool:
    return not isinstance(value, int) or isinstance(value, bool)


def _is_rs256_header(value: object) -> bool:
    return isinstance(value, dict) and value.get("alg") == "RS256"


@st.composite
def any_tokens(draw: st.DrawFn, parts: TokenParts) -> str:
    """Any token but a genuine one: defective, or right in every claim but forged."""
    if draw(st.booleans()):
        return draw(defective_tokens(parts))
    if draw(st.booleans()):
        return parts.foreign_key.sign(dict(parts.claims), kid=parts.google_key.kid)
    header = {"alg": "RS256", "kid": parts.google_key.kid}
    return jwt_text(header, parts.claims, draw(st.binary(max_size=300)))


@pytest.mark.parametrize("certificates", ["reachable", "unreachable"])
@HYPOTHESIS
@given(data=st.data())
def test_no_credentials_get_a_server_error(
    certificates: str,
    data: st.DataObject,
    client: FlaskClient,
    offline_client: FlaskClient,
    parts: TokenParts,
    publisher: RecordingPublisher,
) -> None:
    """Only a token right in every claim is worth the certificates: nothing else may get 503."""
    online = certificates == "reachable"
    tokens = any_tokens(parts) if online else defective_tokens(parts)
    authorization = data.draw(
        st.one_of(tokens.map(lambda token: f"Bearer {token}"), header_text), label="authorization"
    )
    headers = data.draw(st.dictionaries(header_names, header_text, max_size=3), label="headers")
    query = data.draw(
        st.dictionaries(st.sampled_from(["token", "x"]), st.text(max_size=40), max_size=2)
    )
    if query.get("token") == SHARED_TOKEN:
        query.pop("token")
    body = data.draw(st.one_of(st.just(notification()), bodies), label="body")

    response = post(
        client if online else offline_client,
        body,
        query=query,
        headers={**headers, "Authorization": authorization},
    )

    assert response.status_code in (400, 401, 403), response.get_data(as_text=True)
    assert response.get_json()["error"]
    assert publisher.messages == []
