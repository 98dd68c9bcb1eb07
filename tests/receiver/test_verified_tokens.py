"""The memory of verified push tokens: exact tokens only, never past their expiry, bounded."""

from __future__ import annotations

import time

import pytest
from receiver_fakes import SERVICE_ACCOUNT, CertsServer, Pushes, SigningKey

from receiver.certs import CachingCertsRequest
from receiver.config import ReceiverConfig
from receiver.push_auth import PushAuthenticator, PushAuthError
from receiver.verified_tokens import VerifiedTokens
from tests.sync_testkit import FakeClock

pytestmark = pytest.mark.unit


@pytest.fixture
def now_clock() -> FakeClock:
    """A hand-moved clock that starts at the real time, when the test tokens were issued."""
    clock = FakeClock()
    clock.now = time.time()
    return clock


@pytest.fixture
def tokens(now_clock: FakeClock) -> VerifiedTokens:
    return VerifiedTokens(max_tokens=4, clock=now_clock)


@pytest.fixture
def authenticator(
    config: ReceiverConfig, now_clock: FakeClock, tokens: VerifiedTokens
) -> PushAuthenticator:
    return PushAuthenticator(
        config.push_auth,
        certs_request=CachingCertsRequest(clock=now_clock),
        verified_tokens=tokens,
        clock=now_clock,
    )


def test_a_verified_token_needs_no_certificate_the_next_time(
    authenticator: PushAuthenticator,
    pushes: Pushes,
    certs_server: CertsServer,
    now_clock: FakeClock,
) -> None:
    token = pushes.token()
    authenticator.authenticate(f"Bearer {token}", None)
    now_clock.advance(3000)  # the certificates' max-age (3,600 s in the stand-in) has not passed
    certs_server.keys = {}  # and Google no longer publishes the key

    caller = authenticator.authenticate(f"Bearer {token}", None)

    assert caller.identity == SERVICE_ACCOUNT
    assert certs_server.fetches == 1


def test_only_the_exact_token_is_remembered(
    authenticator: PushAuthenticator,
    pushes: Pushes,
    google_key: SigningKey,
    foreign_key: SigningKey,
) -> None:
    claims = pushes.claims()
    authenticator.authenticate(f"Bearer {google_key.sign(claims)}", None)
    forged = foreign_key.sign(claims, kid=google_key.kid)  # same header and claims

    with pytest.raises(PushAuthError) as error:
        authenticator.authenticate(f"Bearer {forged}", None)
    assert error.value.status == 401


def test_a_remembered_token_is_refused_and_forgotten_once_it_expires(
    authenticator: PushAuthenticator,
    pushes: Pushes,
    tokens: VerifiedTokens,
    now_clock: FakeClock,
) -> None:
    token = pushes.token()
    authenticator.authenticate(f"Bearer {token}", None)
    assert len(tokens) == 1

    now_clock.advance(3601)

    with pytest.raises(PushAuthError, match="expired"):
        authenticator.authenticate(f"Bearer {token}", None)
    assert tokens.claims(token) is None
    assert len(tokens) == 0


def test_a_refused_token_is_not_remembered(
    authenticator: PushAuthenticator,
    pushes: Pushes,
    tokens: VerifiedTokens,
    foreign_key: SigningKey,
) -> None:
    with pytest.raises(PushAuthError):
        authenticator.authenticate(f"Bearer {pushes.token(key=foreign_key)}", None)

    assert len(tokens) == 0


def test_the_memory_is_bounded_and_forgets_the_least_recently_used(
    tokens: VerifiedTokens, now_clock: FakeClock
) -> None:
    expires_at = now_clock() + 60
    for name in "abcd":
        tokens.remember(name, {"sub": name}, expires_at=expires_at)
    assert tokens.claims("a") == {"sub": "a"}  # "a" is now the most recently used

    tokens.remember("e", {"sub": "e"}, expires_at=expires_at)

    assert len(tokens) == 4
    assert tokens.claims("b") is None
    assert [tokens.claims(name) for name in "acde"] == [{"sub": name} for name in "acde"]


def test_nothing_is_kept_past_its_expiry(tokens: VerifiedTokens, now_clock: FakeClock) -> None:
    tokens.remember("late", {"sub": "late"}, expires_at=now_clock() - 1)
    tokens.remember("soon", {"sub": "soon"}, expires_at=now_clock() + 10)
    assert tokens.claims("late") is None
    assert tokens.claims("soon") == {"sub": "soon"}

    now_clock.advance(10)

    assert tokens.claims("soon") is None
    assert len(tokens) == 0


def test_a_memory_without_room_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        VerifiedTokens(max_tokens=0)
