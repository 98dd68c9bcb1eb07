"""`gmail.GmailClient` and `gmail.MailboxConnector` against the Gmail stand-in, through the real
google-api-python-client: what an observer is told, the errors the rest of ApplyTrack acts on, and
the connections and credentials a long-running worker keeps."""

from __future__ import annotations

from collections import Counter

import pytest
import requests

from gmail import (
    GmailClient,
    GmailConfig,
    HistoryExpired,
    MailboxConnector,
    MessageGone,
    OAuthClientConfig,
    TokenRevoked,
)
from sandbox import SandboxServer
from tests.sync_testkit import new_address

pytestmark = pytest.mark.unit


class RecordingObserver:
    """Writes down what a client reports, as metrics would count it."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.rate_limited = 0

    def gmail_called(self, method: str, count: int) -> None:
        self.calls[method] += count

    def gmail_rate_limited(self) -> None:
        self.rate_limited += 1


class NoQuota:
    """A quota gate that never waits."""

    def spend(self, units: int) -> None:
        pass


@pytest.fixture
def config(sandbox: SandboxServer) -> GmailConfig:
    """The client's config, pointed at the sandbox, with short backoffs."""
    oauth = OAuthClientConfig(
        client_id="applytrack-local-client",
        client_secret="unused",
        token_uri=f"{sandbox.url}/token",
    )
    return GmailConfig(
        api_endpoint=sandbox.url, oauth=oauth, max_attempts=4, max_backoff_seconds=0.05
    )


@pytest.fixture
def mailbox(sandbox: SandboxServer) -> tuple[str, str]:
    """A fresh mailbox with three inbox messages: (address, refresh token)."""
    address = new_address("gmail.client")
    sandbox.state.ensure_mailbox(address)
    for number in range(3):
        sandbox.state.deliver(
            address, {"from": "a@example.com", "to": address, "subject": f"note {number}"}
        )
    return address, sandbox.state.grant(address)["refresh_token"]


def fault(sandbox: SandboxServer, **spec: object) -> None:
    requests.post(f"{sandbox.url}/sandbox/faults", json=spec, timeout=5).raise_for_status()


def test_the_observer_hears_every_attempt_and_every_rate_limit(
    sandbox: SandboxServer, config: GmailConfig, mailbox: tuple[str, str]
) -> None:
    address, token = mailbox
    observer = RecordingObserver()
    client = GmailClient(config, token, observer=observer)
    try:
        ids = [ref.id for ref in client.list_messages("in:inbox")]
        fault(sandbox, kind="rate_limit", method="messages.get", email=address, count=2)
        client.get_message(ids[0])
        fetched = client.get_metadata_batch(ids)
    finally:
        client.close()

    assert len(fetched) == 3
    # one list page; one get tried three times (two 429s); a batch of three counts three
    assert observer.calls == Counter({"messages.list": 1, "messages.get": 6})
    assert observer.rate_limited == client.rate_limited == 2


def test_gmails_errors_arrive_in_our_words(
    sandbox: SandboxServer, config: GmailConfig, mailbox: tuple[str, str]
) -> None:
    address, token = mailbox
    client = GmailClient(config, token)
    try:
        with pytest.raises(MessageGone):
            client.get_message("does-not-exist")
        with pytest.raises(HistoryExpired):
            client.history_since(1)  # older than the stand-in keeps
        sandbox.state.revoke_all(address)
        fresh = GmailClient(config, token)  # no access token yet: it must refresh, and cannot
        with pytest.raises(TokenRevoked):
            fresh.profile()
    finally:
        client.close()


def test_a_connector_keeps_one_connection_per_thread_and_credentials_per_mailbox(
    config: GmailConfig, mailbox: tuple[str, str]
) -> None:
    _, token = mailbox
    connector = MailboxConnector(config)

    first = connector.open(7, token, NoQuota())
    second = connector.open(7, token, NoQuota())
    other = connector.open(7, token + "-changed", NoQuota())

    assert first._http.http is second._http.http  # the kept-alive connection is shared
    assert first._credentials is second._credentials  # refreshed once, not once a sync
    assert other._credentials is not first._credentials  # a new token is new credentials
    first.profile()
    second.profile()
