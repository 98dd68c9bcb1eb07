"""Advanced Filters on new mail, through the real sync path: the sandbox over HTTP, the real
classifier and a real database. A rule decides before the email is written (first match wins);
a body condition is checked while the body is read, and the body is never stored."""

from __future__ import annotations

from applytrack.settings import Settings
from applytrack.worker_wiring import mailbox_connector, sync_policy
from messaging import MailboxChanged
from processors import MailboxSyncer
from sandbox import SandboxServer
from storage import Label, Plan, RuleSpec, Status, Store, Tier, parse_rule
from tests.storage.storage_testkit import raw_dump
from tests.sync_testkit import new_address

CONFIRMATION = {
    "from": "Lumen Health <no-reply@lumenhealth.lever.co>",
    "subject": "Thanks for applying to Lumen Health",
    "body": (
        "Hi Alex,\n\nThanks for applying for the Data Analyst position at Lumen Health. We have "
        "received your application and our team is reviewing it.\n\nLumen Health Talent Team"
    ),
}
SECRET_WORDS = "pineapple-clause-7731"
PORTAL_NOTICE = {
    "from": "Lumen Health <no-reply@lumenhealth.lever.co>",
    "subject": "An update on your application to Lumen Health",
    "body": (
        "Hi Alex,\n\nThank you for your interest in the Data Analyst role at Lumen Health. "
        f"Reference {SECRET_WORDS}: the position has been filled.\n\nLumen Health Talent Team"
    ),
}


def premium_mailbox(sandbox: SandboxServer, store: Store) -> tuple[int, int, str]:
    address = new_address("rules")
    sandbox.state.deliver(address, {**CONFIRMATION, "to": address})
    grant = sandbox.state.grant(address)
    user_id = store.create_user(f"owner.{address}")
    store.set_plan(user_id, Plan.PREMIUM)
    mailbox_id = store.connect_mailbox(
        user_id, address, tier=Tier.PREMIUM, refresh_token=grant["refresh_token"]
    )
    return user_id, mailbox_id, address


def syncer(settings: Settings, store: Store, classifier) -> MailboxSyncer:
    return MailboxSyncer(
        store, classifier, mailbox_connector(settings), sync_policy(settings, worker="rules")
    )


def rule(name: str, field: str, value: str, action: dict) -> dict:
    return {
        "name": name,
        "conditions": [{"field": field, "op": "contains", "value": value}],
        "action": action,
    }


def filled_means_rejected() -> RuleSpec:
    """A body rule: an email saying the position has been filled means Rejected."""
    action = {"type": "set_status", "status": "rejected"}
    return parse_rule(rule("Filled means rejected", "body", "position has been filled", action))


def test_a_body_rule_decides_new_mail_and_the_body_is_not_kept(
    sandbox, store, settings, classifier
) -> None:
    user_id, mailbox_id, address = premium_mailbox(sandbox, store)
    sync = syncer(settings, store, classifier)
    sync.handle(MailboxChanged(mailbox_id, None, "initial"))
    (application,) = store.applications(user_id)
    assert application.status is Status.APPLIED
    store.add_filter_rule(user_id, filled_means_rejected())
    store.add_filter_rule(
        user_id,
        parse_rule(rule("Never wins", "subject", "update", {"type": "ignore"})),
    )

    sandbox.state.deliver(address, {**PORTAL_NOTICE, "to": address})
    sync.handle(MailboxChanged(mailbox_id, None, "push"))

    (application,) = store.applications(user_id)
    assert application.status is Status.REJECTED
    last = store.application(user_id, application.id).events[-1]
    assert last.email is not None and last.email.label is Label.REJECTED
    assert last.why == "Rule 'Filled means rejected' decided: this email means Rejected."
    assert SECRET_WORDS not in raw_dump(store.database)


def test_an_ignore_rule_keeps_new_mail_off_the_board(sandbox, store, settings, classifier) -> None:
    user_id, mailbox_id, _ = premium_mailbox(sandbox, store)
    store.add_filter_rule(
        user_id,
        parse_rule(rule("Lumen is noise", "sender", "lumenhealth.lever.co", {"type": "ignore"})),
    )
    syncer(settings, store, classifier).handle(MailboxChanged(mailbox_id, None, "initial"))
    assert store.applications(user_id) == []


def test_a_free_account_s_rules_do_not_run(sandbox, store, settings, classifier) -> None:
    user_id, mailbox_id, _ = premium_mailbox(sandbox, store)
    store.add_filter_rule(
        user_id,
        parse_rule(rule("Lumen is noise", "sender", "lumenhealth.lever.co", {"type": "ignore"})),
    )
    store.set_plan(user_id, Plan.FREE)
    syncer(settings, store, classifier).handle(MailboxChanged(mailbox_id, None, "initial"))
    assert [a.status for a in store.applications(user_id)] == [Status.APPLIED]


def test_a_body_rule_reads_an_html_only_email_as_a_person_reads_it(
    sandbox, store, settings, classifier
) -> None:
    user_id, mailbox_id, address = premium_mailbox(sandbox, store)
    sync = syncer(settings, store, classifier)
    sync.handle(MailboxChanged(mailbox_id, None, "initial"))
    store.add_filter_rule(user_id, filled_means_rejected())
    page = (
        '<html><body><div style="display:none !important">A quick update &zwnj;&nbsp;</div>'
        "<p>Hi Alex,</p><p>Thank you for your interest in the Data Analyst role. The position "
        "has <b>been</b> filled.</p></body></html>"
    )

    html_only = {**PORTAL_NOTICE, "body": "", "html": page, "to": address}
    sandbox.state.deliver(address, html_only)
    sync.handle(MailboxChanged(mailbox_id, None, "push"))

    (application,) = store.applications(user_id)
    assert application.status is Status.REJECTED
    last = store.application(user_id, application.id).events[-1]
    assert last.why == "Rule 'Filled means rejected' decided: this email means Rejected."
