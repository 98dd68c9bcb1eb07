"""`PushAuthenticator` and its certificate cache, driven by a clock the test moves by hand."""

from __future__ import annotations

import pytest
from receiver_fakes import SERVICE_ACCOUNT, CertsServer, Pushes, SigningKey

from receiver.certs import CachingCertsRequest
from receiver.config import ReceiverConfig
from receiver.push_auth import PushAuthenticator, PushAuthError
from tests.sync_testkit import FakeClock

pytestmark = pytest.mark.unit


@pytest.fixture
def authenticator(config: ReceiverConfig, clock: FakeClock) -> PushAuthenticator:
    return PushAuthenticator(config.push_auth, certs_request=CachingCertsRequest(clock=clock))


def test_a_valid_token_names_the_service_account(
    authenticator: PushAuthenticator, pushes: Pushes
) -> None:
    caller = authenticator.authenticate(f"Bearer {pushes.token()}", None)

    assert (caller.method, caller.identity) == ("oidc", SERVICE_ACCOUNT)


def test_certificates_are_fetched_again_when_their_max_age_has_passed(
    authenticator: PushAuthenticator,
    pushes: Pushes,
    certs_server: CertsServer,
    clock: FakeClock,
) -> None:
    # A new token each time: a token verified once is not checked against the certificates again.
    authenticator.authenticate(f"Bearer {pushes.token(sub='1')}", None)
    clock.advance(3599)
    authenticator.authenticate(f"Bearer {pushes.token(sub='2')}", None)
    assert certs_server.fetches == 1

    clock.advance(2)
    authenticator.authenticate(f"Bearer {pushes.token(sub='3')}", None)
    assert certs_server.fetches == 2


def test_a_rotated_key_is_picked_up_without_waiting_for_the_cache_to_expire(
    authenticator: PushAuthenticator,
    pushes: Pushes,
    certs_server: CertsServer,
    clock: FakeClock,
    foreign_key: SigningKey,
) -> None:
    authenticator.authenticate(f"Bearer {pushes.token()}", None)
    certs_server.keys[foreign_key.kid] = foreign_key.certificate_pem  # Google rotates keys
    new_key_token = pushes.token(key=foreign_key)

    # Right after a fetch an unknown key is refused without fetching again...
    with pytest.raises(PushAuthError):
        authenticator.authenticate(f"Bearer {new_key_token}", None)
    assert certs_server.fetches == 1

    # ...but a minute later one unknown key id triggers a single fresh fetch.
    clock.advance(61)
    caller = authenticator.authenticate(f"Bearer {new_key_token}", None)
    assert caller.identity == SERVICE_ACCOUNT
    assert certs_server.fetches == 2


def test_bad_tokens_do_not_make_us_fetch_certificates_again_and_again(
    authenticator: PushAuthenticator,
    pushes: Pushes,
    certs_server: CertsServer,
    clock: FakeClock,
    foreign_key: SigningKey,
) -> None:
    authenticator.authenticate(f"Bearer {pushes.token()}", None)
    for _ in range(5):
        clock.advance(10)
        with pytest.raises(PushAuthError) as error:
            authenticator.authenticate(f"Bearer {pushes.token(key=foreign_key)}", None)
        assert error.value.status == 401

    assert certs_server.fetches == 1


def test_an_expired_token_never_triggers_a_fetch(
    authenticator: PushAuthenticator,
    pushes: Pushes,
    certs_server: CertsServer,
    clock: FakeClock,
) -> None:
    authenticator.authenticate(f"Bearer {pushes.token()}", None)
    clock.advance(120)
    now = pushes.claims()["iat"]

    with pytest.raises(PushAuthError, match="expired"):
        authenticator.authenticate(f"Bearer {pushes.token(iat=now - 7200, exp=now - 3600)}", None)
    assert certs_server.fetches == 1


def test_tokens_that_can_never_pass_are_refused_before_any_fetch(
    authenticator: PushAuthenticator, pushes: Pushes, certs_server: CertsServer
) -> None:
    now = pushes.claims()["iat"]
    hopeless = [
        "not-a-jwt",
        "a.b.c",
        "e30.e30.",  # {} . {} . no signature
        "W1tbW1tbW1tbW1tbW1tbW1tbW1td.e30.c2ln",  # a header nested too deep
        pushes.token(iat=now - 7200, exp=now - 3600),
        pushes.token(iat=now + 3600, exp=now + 7200),
        pushes.token(aud="https://someone-else.example/push"),
        pushes.token(iss="https://issuer.example"),
        pushes.token(email="intruder@evil.example"),
        pushes.token(email_verified=False),
        pushes.token(iat=None),
    ]

    for token in hopeless:
        with pytest.raises(PushAuthError):
            authenticator.inspect(f"Bearer {token}", None)
        with pytest.raises(PushAuthError):
            authenticator.authenticate(f"Bearer {token}", None)

    assert certs_server.fetches == 0
    authenticator.authenticate(f"Bearer {pushes.token()}", None)
    assert certs_server.fetches == 1
