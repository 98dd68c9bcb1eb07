"""A rule as a read-only Gmail search: the translation of each field, operator and match, and the
search of ordinary mail through the real Gmail client against the sandbox."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from gmail import GmailClient, GmailConfig, OAuthClientConfig
from receiver.rule_search import gmail_query, literal_words, search_ordinary_mail
from sandbox import SandboxServer
from storage import IncomingEmail, Label, MailboxState, RuleSpec, Store, Tier, parse_rule
from tests.sync_testkit import new_address

pytestmark = pytest.mark.unit

CLIENT_ID = "applytrack-test"
WINDOW = "newer_than:90d in:inbox"


def rule(*conditions: tuple[str, str, str], match: str = "all") -> RuleSpec:
    return parse_rule(
        {
            "name": "A rule",
            "match": match,
            "conditions": [{"field": f, "op": o, "value": v} for f, o, v in conditions],
            "action": {"type": "ignore"},
        }
    )


@pytest.mark.parametrize(
    ("condition", "term"),
    [
        (("sender", "equals", "roundup@substack.com"), "from:roundup@substack.com"),
        (("sender", "contains", "substack"), "from:substack"),
        (("sender_domain", "equals", "@substack.com"), "from:substack.com"),
        (("subject", "contains", "Weekly digest"), 'subject:"Weekly digest"'),
        (("subject", "equals", 'Say "hi"'), 'subject:"Say hi"'),
        (("label", "equals", "IMPORTANT"), "label:IMPORTANT"),
        (("label", "equals", "Job search"), 'label:"Job search"'),
        (("sender", "equals", "OR"), 'from:"OR"'),
    ],
)
def test_each_exact_field_becomes_its_gmail_operator(condition, term):
    translated = gmail_query(rule(condition))

    assert translated.query == f"{WINDOW} {term}"
    assert not translated.approximate


def test_body_text_is_searched_as_plain_words_and_is_approximate():
    translated = gmail_query(rule(("body", "contains", "unsubscribe here")))

    assert translated.query == f'{WINDOW} "unsubscribe here"'
    assert translated.approximate
    assert translated.body_searched


def test_all_joins_terms_and_any_groups_them_in_braces():
    conditions = (("sender_domain", "equals", "substack.com"), ("subject", "contains", "Issue"))

    assert gmail_query(rule(*conditions)).query == f"{WINDOW} from:substack.com subject:Issue"
    assert (
        gmail_query(rule(*conditions, match="any")).query
        == f"{WINDOW} {{from:substack.com subject:Issue}}"
    )


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        (r"^Your application to .+ was received$", "Your application to"),
        (r"weekly\s+digest #\d+", "weekly"),
        (r"acme\.example", "acme.example"),
        (r"colou?r of money", "of money"),
        (r"(?i)offer letter", "offer letter"),
        (r"[a-z]+@lever\.co", "@lever.co"),
        (r"interview|offer", None),
        (r"\d+", None),
        (r"(foo)+", None),
    ],
)
def test_a_regex_is_searched_by_its_longest_literal_words(pattern, words):
    found = literal_words(pattern)
    assert found == (words.strip() if words else None)


def test_a_regex_condition_is_approximate_and_one_without_words_widens_any():
    with_words = gmail_query(rule(("subject", "matches", r"^Issue #\d+: .*")))
    assert with_words.query == f'{WINDOW} subject:"Issue #"'
    assert with_words.approximate

    alone = gmail_query(rule(("subject", "matches", r"\d{3}")))
    assert (alone.query, alone.approximate) == (WINDOW, True)

    either = gmail_query(
        rule(("sender", "equals", "a@b.example"), ("subject", "matches", r"\d+"), match="any")
    )
    assert either.query == WINDOW  # any mail may match the regex: Gmail cannot narrow it
    assert not either.body_searched


# -- the search through the sandbox ------------------------------------------------------------


def gmail_config(sandbox: SandboxServer) -> GmailConfig:
    oauth = OAuthClientConfig(
        client_id=CLIENT_ID, client_secret="secret", token_uri=f"{sandbox.url}/token"
    )
    return GmailConfig(api_endpoint=sandbox.url, oauth=oauth, max_attempts=2)


def connected_user(store: Store, sandbox: SandboxServer) -> tuple[int, int, str]:
    address = new_address("rules")
    token = sandbox.state.grant(address, client_id=CLIENT_ID)["refresh_token"]
    user_id = store.create_user(f"owner.{address}")
    mailbox_id = store.connect_mailbox(user_id, address, tier=Tier.PREMIUM, refresh_token=token)
    return user_id, mailbox_id, address


def deliver(sandbox: SandboxServer, address: str, **message: Any) -> str:
    labels = message.pop("labelIds", ["INBOX"])
    return sandbox.state.deliver(address, {"to": address, "labelIds": labels, **message})["id"]


def factory(sandbox: SandboxServer):
    config = gmail_config(sandbox)
    return lambda token: GmailClient(config, token)


def test_ordinary_mail_is_found_checked_by_the_rule_and_recorded_job_mail_left_out(
    store: Store, sandbox: SandboxServer
) -> None:
    user_id, mailbox_id, address = connected_user(store, sandbox)
    newsletter = deliver(
        sandbox, address, **{"from": "Roundup <roundup@substack.com>", "subject": "Issue #144"}
    )
    deliver(
        sandbox,
        address,
        **{"from": "Roundup <roundup@substack.com>", "subject": "Draft"},
        labelIds=["DRAFT"],
    )
    deliver(sandbox, address, **{"from": "Other <news@substack.com>", "subject": "Issue #9"})
    recorded = deliver(
        sandbox, address, **{"from": "Roundup <roundup@substack.com>", "subject": "Issue #1"}
    )
    record_job_mail(store, mailbox_id, recorded)

    search = search_ordinary_mail(
        store, user_id, rule(("sender", "equals", "roundup@substack.com")), factory(sandbox)
    )

    assert search.available and not search.approximate
    assert [m.message_id for m in search.matches] == [newsletter]
    assert search.matches[0].sender == "Roundup <roundup@substack.com>"
    assert search.matches[0].subject == "Issue #144"


def test_a_regex_is_checked_on_the_metadata_gmail_returns(store: Store, sandbox: SandboxServer):
    user_id, _, address = connected_user(store, sandbox)
    wanted = deliver(sandbox, address, **{"from": "a@digest.example", "subject": "Weekly digest 7"})
    deliver(sandbox, address, **{"from": "a@digest.example", "subject": "Weekly digest special"})

    search = search_ordinary_mail(
        store, user_id, rule(("subject", "matches", r"^weekly digest \d+$")), factory(sandbox)
    )

    assert search.query == f'{WINDOW} subject:"weekly digest"'
    assert search.approximate
    assert [m.message_id for m in search.matches] == [wanted]


def test_a_body_condition_is_taken_as_gmail_found_it(store: Store, sandbox: SandboxServer):
    user_id, _, address = connected_user(store, sandbox)
    found = deliver(
        sandbox, address, **{"from": "x@promo.example", "subject": "Sale", "body": "Big clearance"}
    )

    search = search_ordinary_mail(
        store, user_id, rule(("body", "contains", "clearance")), factory(sandbox)
    )

    assert [m.message_id for m in search.matches] == [found]


def test_no_mailbox_a_disconnected_one_or_a_failing_gmail_is_unavailable_not_an_error(
    store: Store, sandbox: SandboxServer
) -> None:
    lonely = store.create_user("lonely@example.com")
    a_rule = rule(("sender", "equals", "x@y.example"))

    nothing = search_ordinary_mail(store, lonely, a_rule, factory(sandbox))
    assert (nothing.available, nothing.matches) == (False, ())
    assert "not connected" in nothing.reason

    user_id, mailbox_id, address = connected_user(store, sandbox)
    sandbox.state.revoke_all(address)
    revoked = search_ordinary_mail(store, user_id, a_rule, factory(sandbox))
    assert not revoked.available
    assert "could not be searched" in revoked.reason

    store.set_mailbox_state(mailbox_id, MailboxState.DISCONNECTED)
    assert not search_ordinary_mail(store, user_id, a_rule, factory(sandbox)).available


def test_a_client_that_cannot_search_is_unavailable(store: Store, sandbox: SandboxServer):
    user_id, _, _ = connected_user(store, sandbox)

    class ProfileOnly:
        def profile(self) -> dict:
            return {}

        def stop(self) -> None: ...

        def close(self) -> None: ...

    search = search_ordinary_mail(
        store, user_id, rule(("sender", "equals", "x@y.example")), lambda token: ProfileOnly()
    )
    assert not search.available


def record_job_mail(store: Store, mailbox_id: int, message_id: str) -> None:
    """The message recorded as job mail through the storage's sync path."""
    email = IncomingEmail(
        gmail_message_id=message_id,
        thread_id=message_id,
        rfc822_message_id=None,
        sender="Roundup <roundup@substack.com>",
        subject="Issue #1",
        date=datetime.now(UTC),
        label=Label.APPLIED,
        confidence=0.9,
        company="Substack",
        role=None,
    )
    assert store.acquire_lease(mailbox_id, "test", ttl_seconds=60)
    store.apply_sync_batch(mailbox_id, "test", [email], new_cursor=None)
    store.release_lease(mailbox_id, "test")
