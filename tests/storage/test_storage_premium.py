"""Premium in storage: plans, Advanced Filters rules (engine, CRUD, order, export and import,
preview, retroactive application that is idempotent) and Email Templates (drafts in the email's
language, follow-ups due)."""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from storage import (
    EmailFacts,
    IncomingEmail,
    InvalidChange,
    Label,
    NotFound,
    Plan,
    RuleSpec,
    Status,
    Store,
    decided_by_rule,
    first_match,
    parse_rule,
    rules_read_the_body,
)
from storage.filters import condition_holds
from tests.storage.storage_testkit import raw_dump

pytestmark = pytest.mark.unit


def sync(store: Store, mailbox_id: int, *emails: IncomingEmail) -> None:
    store.apply_sync_batch(mailbox_id, "worker-a", list(emails), new_cursor=None)


def rule(name: str = "Acme says no", *, action=None, match: str = "all", **condition) -> dict:
    condition = {"field": "sender_domain", "op": "equals", "value": "acme-careers.example"} | (
        condition
    )
    return {
        "name": name,
        "match": match,
        "conditions": [condition],
        "action": action or {"type": "set_status", "status": "rejected"},
    }


def facts(**values) -> EmailFacts:
    defaults = {"sender": "Ana Ruiz <ana@jobs.acme.example>", "subject": "Interview at Acme"}
    return EmailFacts(**(defaults | values))


# Plans ---------------------------------------------------------------------------------------


def test_an_account_is_free_until_the_operator_makes_it_premium(store, user_id):
    assert store.plan_of(user_id) is Plan.FREE
    store.set_plan(user_id, Plan.PREMIUM)
    assert store.plan_of(user_id) is Plan.PREMIUM
    store.set_plan(user_id, Plan.FREE)
    assert store.plan_of(user_id) is Plan.FREE
    with pytest.raises(NotFound):
        store.set_plan(user_id + 1000, Plan.PREMIUM)


# The engine ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "op", "value", "expected"),
    [
        ("sender", "equals", "ANA@jobs.acme.example", True),
        ("sender", "equals", "Ana Ruiz", False),
        ("sender", "contains", "@jobs.", True),
        ("sender", "matches", r"^ana@.*\.example$", True),
        ("sender_domain", "equals", "@jobs.acme.example", True),
        ("sender_domain", "equals", "acme.example", False),
        ("sender_domain", "contains", "acme", True),
        ("subject", "equals", "interview at acme", True),
        ("subject", "contains", "INTERVIEW", True),
        ("subject", "matches", r"interview\s+at", True),
        ("subject", "matches", r"^offer", False),
    ],
)
def test_each_field_and_operator(field, op, value, expected):
    spec = parse_rule(rule(field=field, op=op, value=value))
    assert condition_holds(spec.conditions[0], facts()) is expected


def test_body_and_label_conditions_match_only_when_the_caller_has_them():
    body = parse_rule(rule(field="body", op="contains", value="unsubscribe")).conditions[0]
    label = parse_rule(rule(field="label", op="equals", value="CATEGORY_PROMOTIONS")).conditions[0]
    assert not condition_holds(body, facts())
    assert condition_holds(body, facts(body="Click to UNSUBSCRIBE"))
    assert not condition_holds(label, facts())
    assert condition_holds(label, facts(labels=("INBOX", "CATEGORY_PROMOTIONS")))


def test_all_needs_every_condition_and_any_one():
    both = rule(field="subject", op="contains", value="interview")
    both["conditions"].append({"field": "sender_domain", "op": "equals", "value": "other.example"})
    assert first_match([parse_rule(both)], facts()) is None
    assert first_match([parse_rule(both | {"match": "any"})], facts()) is not None


def test_the_first_matching_rule_wins():
    first = parse_rule(rule("first", field="subject", op="contains", value="acme"))
    second = parse_rule(rule("second", field="subject", op="contains", value="interview"))
    assert first_match([first, second], facts()) is first
    assert first_match([second, first], facts()) is second


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (rule(field="subject", op="contains", value="  "), "conditions[0].value"),
        (rule(field="from", op="contains", value="x"), "conditions[0].field"),
        (rule(field="subject", op="like", value="x"), "conditions[0].op"),
        (rule(field="subject", op="matches", value="(unclosed"), "conditions[0].value"),
        (rule(action={"type": "set_status", "status": "hired"}), "action.status"),
        (rule(action={"type": "explode"}), "action.type"),
        (rule(action={"type": "assign"}), "action.application_id"),
        (rule() | {"name": ""}, "name"),
        (rule() | {"conditions": []}, "conditions"),
        (rule() | {"colour": "red"}, "colour"),
    ],
)
def test_a_bad_rule_is_refused_naming_the_field(body, field):
    with pytest.raises(InvalidChange) as refused:
        parse_rule(body)
    assert refused.value.field == field


@pytest.mark.parametrize("pattern", [r"(a|aa)+\1", r"(?=admin)\w+", r"((a{100}){100}){100}"])
def test_a_pattern_that_could_run_away_is_refused(pattern):
    with pytest.raises(InvalidChange, match="linear time") as refused:
        parse_rule(rule(field="subject", op="matches", value=pattern))
    assert refused.value.field == "conditions[0].value"


def test_a_catastrophic_pattern_for_backtracking_engines_runs_in_linear_time():
    spec = parse_rule(rule(field="body", op="matches", value=r"^(a+)+$"))
    started = time.perf_counter()
    assert first_match([spec], facts(body="a" * 200_000 + "!")) is None
    assert time.perf_counter() - started < 1.0


# Rules in storage ----------------------------------------------------------------------------


def test_rules_are_kept_in_order_moved_reordered_deleted(store, user_id):
    ids = [
        store.add_filter_rule(user_id, parse_rule(rule(name, value=f"{name}.example"))).id
        for name in ("a", "b", "c")
    ]
    assert [(v.id, v.position) for v in store.filter_rules(user_id)] == list(
        zip(ids, [1, 2, 3], strict=True)
    )
    store.edit_filter_rule(user_id, ids[2], parse_rule(rule("c2")), position=1)
    assert [v.rule.name for v in store.filter_rules(user_id)] == ["c2", "a", "b"]
    store.reorder_filter_rules(user_id, [ids[1], ids[0], ids[2]])
    assert [v.rule.name for v in store.filter_rules(user_id)] == ["b", "a", "c2"]
    with pytest.raises(InvalidChange):
        store.reorder_filter_rules(user_id, [ids[0]])
    store.delete_filter_rule(user_id, ids[1])
    assert [(v.rule.name, v.position) for v in store.filter_rules(user_id)] == [("a", 1), ("c2", 2)]
    with pytest.raises(NotFound):
        store.filter_rule(user_id, ids[1])


def test_another_users_rule_is_not_found(store, user_id):
    other = store.create_user("other@example.com")
    saved = store.add_filter_rule(user_id, parse_rule(rule()))
    with pytest.raises(NotFound):
        store.filter_rule(other, saved.id)
    with pytest.raises(NotFound):
        store.delete_filter_rule(other, saved.id)


def test_rules_export_and_import_as_json(store, user_id):
    store.add_filter_rule(user_id, parse_rule(rule("one")))
    store.add_filter_rule(
        user_id, parse_rule(rule("two", field="subject", op="matches", value="x+"))
    )
    exported = store.export_filter_rules(user_id)
    other = store.create_user("other@example.com")
    store.import_filter_rules(other, exported)
    assert store.export_filter_rules(other) == exported
    with pytest.raises(InvalidChange) as refused:
        store.import_filter_rules(
            other, [exported[0], rule(field="subject", op="matches", value="(")]
        )
    assert refused.value.field == "rules[1].conditions[0].value"
    assert len(store.filter_rules(other)) == 2  # all or none


def test_rule_names_and_conditions_are_encrypted_at_rest(store, database, user_id):
    store.add_filter_rule(
        user_id,
        parse_rule(
            rule(
                "Newsletters from roundup",
                field="sender",
                op="equals",
                value="roundup@substack.example",
            )
        ),
    )
    dump = raw_dump(database)
    assert "roundup" not in dump


# Applying rules to past mail -----------------------------------------------------------------


def test_saving_a_rule_applies_it_to_past_mail_once(
    store, database, mailbox_id, user_id, make_email
):
    sync(
        store,
        mailbox_id,
        make_email(thread_id="t-1"),
        make_email(thread_id="t-1", label=Label.INTERVIEWING),
    )
    (application,) = store.applications(user_id)
    assert application.status is Status.INTERVIEWING

    store.add_filter_rule(
        user_id, parse_rule(rule("Acme says no", field="subject", op="contains", value="#2"))
    )

    assert store.applications(user_id)[0].status is Status.REJECTED
    detail = store.application(user_id, application.id)
    assert "Rule 'Acme says no'" in detail.events[-1].why
    dump = raw_dump(database)
    again = store.apply_filter_rules_to_past(user_id)
    assert again.matches == () and again.applications_changed == 0
    assert raw_dump(database) == dump


def test_an_ignore_rule_removes_what_the_email_alone_made(store, mailbox_id, user_id, make_email):
    newsletter = make_email(
        sender="Roundup <roundup@substack.example>", company="Substack", role=None
    )
    sync(store, mailbox_id, newsletter, make_email())
    assert len(store.applications(user_id)) == 2
    store.add_filter_rule(
        user_id,
        parse_rule(
            rule(
                "Newsletters",
                field="sender",
                op="equals",
                value="roundup@substack.example",
                action={"type": "ignore"},
            )
        ),
    )
    assert [a.company for a in store.applications(user_id)] == ["Acme Rocketry"]


def test_an_assign_rule_moves_the_email_and_recomputes_both(store, mailbox_id, user_id, make_email):
    sync(
        store,
        mailbox_id,
        make_email(thread_id="t-1", company="Acme Rocketry"),
        make_email(thread_id="t-2", company="Orbital", role="Pilot", label=Label.APPLIED),
        make_email(
            thread_id="t-2",
            company="Orbital",
            role="Pilot",
            label=Label.OFFER,
            sender="HR <hr@orbital-hr.example>",
        ),
    )
    acme = next(a for a in store.applications(user_id) if a.company == "Acme Rocketry")
    orbital = next(a for a in store.applications(user_id) if a.company == "Orbital")
    assert orbital.status is Status.OFFER
    store.add_filter_rule(
        user_id,
        parse_rule(
            rule(
                "Orbital HR is Acme",
                field="sender_domain",
                op="equals",
                value="orbital-hr.example",
                action={"type": "assign", "application_id": acme.id},
            )
        ),
    )
    statuses = {a.company: a.status for a in store.applications(user_id)}
    assert statuses == {"Acme Rocketry": Status.OFFER, "Orbital": Status.APPLIED}


def test_an_assign_rule_must_name_one_of_your_applications(store, user_id):
    with pytest.raises(InvalidChange) as refused:
        store.add_filter_rule(
            user_id, parse_rule(rule(action={"type": "assign", "application_id": 999}))
        )
    assert refused.value.field == "action.application_id"


def test_preview_reports_without_writing(store, database, mailbox_id, user_id, make_email):
    sync(
        store,
        mailbox_id,
        make_email(thread_id="t-1"),
        make_email(thread_id="t-1", label=Label.INTERVIEWING),
    )
    (application,) = store.applications(user_id)
    dump = raw_dump(database)

    preview = store.preview_filter_rule(
        user_id, parse_rule(rule(field="subject", op="contains", value="#2"))
    )

    (match,) = preview.matches
    assert (match.application_id, match.status_before, match.status_after) == (
        application.id,
        Status.INTERVIEWING,
        Status.REJECTED,
    )
    assert match.sender == "Acme Careers <jobs@acme-careers.example>"
    assert preview.applications_changed == 1
    assert raw_dump(database) == dump


def test_mail_older_than_the_window_is_left_alone(store, mailbox_id, user_id, make_email, clock):
    sync(store, mailbox_id, make_email())
    clock.advance(timedelta(days=120).total_seconds())
    preview = store.preview_filter_rule(user_id, parse_rule(rule()))
    assert preview.matches == ()


# Email Templates -----------------------------------------------------------------------------


def test_drafts_fit_the_state_and_name_the_facts(store, mailbox_id, user_id, make_email):
    sync(
        store,
        mailbox_id,
        make_email(sender="Dana Fox <dana@acme-careers.example>", label=Label.INTERVIEWING),
    )
    (application,) = store.applications(user_id)
    drafts = {d.kind: d for d in store.follow_up_drafts(user_id, application.id)}
    assert set(drafts) == {"thank_you", "scheduling_reply", "check_in", "withdrawal"}
    thanks = drafts["thank_you"]
    assert thanks.language == "en"
    assert thanks.subject == "Thank you — Propulsion Engineer at Acme Rocketry"
    assert thanks.body.startswith("Dear Dana Fox,")
    assert thanks.body.endswith("Sam Seeker")
    url = urlsplit(thanks.compose_url)
    assert (url.scheme, url.netloc, url.path) == ("https", "mail.google.com", "/mail/")
    query = parse_qs(url.query)
    assert query["view"] == ["cm"]
    assert query["to"] == ["dana@acme-careers.example"]
    assert query["su"] == [thanks.subject] and query["body"] == [thanks.body]
    assert "2025-03-03" in drafts["scheduling_reply"].body  # the next working day


def test_drafts_follow_the_emails_language(store, mailbox_id, user_id, make_email):
    sync(
        store,
        mailbox_id,
        make_email(
            subject="Hemos recibido su solicitud para el puesto",
            label=Label.OFFER,
            company="Acme",
            role="Analista",
        ),
    )
    (application,) = store.applications(user_id)
    drafts = {d.kind: d for d in store.follow_up_drafts(user_id, application.id)}
    assert set(drafts) == {"offer_accept", "offer_more_time", "offer_negotiate", "withdrawal"}
    assert drafts["offer_accept"].language == "es"
    assert drafts["offer_accept"].subject == "Acepto la oferta — Analista en Acme"
    german = store.follow_up_drafts(user_id, application.id, language="de")
    assert german[0].subject == "Annahme des Angebots — Analista bei Acme"


def test_a_rejection_asks_for_feedback(store, mailbox_id, user_id, make_email):
    sync(store, mailbox_id, make_email(label=Label.REJECTED))
    (application,) = store.applications(user_id)
    assert [d.kind for d in store.follow_up_drafts(user_id, application.id)] == ["feedback_request"]


def test_follow_ups_due_newest_first(store, mailbox_id, user_id, make_email, clock):
    now = clock.wall()
    sync(
        store,
        mailbox_id,
        make_email(thread_id="t-1", company="Old", date=now - timedelta(days=20)),
        make_email(thread_id="t-2", company="Recent", date=now - timedelta(days=8)),
        make_email(thread_id="t-3", company="Fresh", date=now - timedelta(days=2)),
        make_email(
            thread_id="t-4", company="Talks", label=Label.INTERVIEWING, date=now - timedelta(days=6)
        ),
        make_email(
            thread_id="t-5", company="Done", label=Label.REJECTED, date=now - timedelta(days=30)
        ),
    )
    due = store.follow_ups_due(user_id)
    assert [(d.company, d.days_waiting) for d in due] == [("Talks", 6), ("Recent", 8), ("Old", 20)]
    (application,) = [a for a in store.applications(user_id) if a.company == "Fresh"]
    kinds = [d.kind for d in store.follow_up_drafts(user_id, application.id)]
    assert kinds == ["withdrawal"]  # not due yet: no check-in


def test_a_rule_decides_a_new_email_before_it_is_written(make_email):
    newsletter = make_email(label=Label.INTERVIEWING, needs_review=True)
    ignore = parse_rule(rule("Newsletters", action={"type": "ignore"}))
    ignored = decided_by_rule(ignore, newsletter)
    assert (ignored.label, ignored.needs_review) == (Label.NONE, False)
    assert ignored.explanation == "Rule 'Newsletters' decided: this email is never job mail."
    offer = decided_by_rule(
        parse_rule(rule(action={"type": "set_status", "status": "offer"})), newsletter
    )
    assert offer.label is Label.OFFER
    job = decided_by_rule(
        parse_rule(rule(action={"type": "treat_as_job"})), make_email(label=Label.NONE)
    )
    assert job.label is Label.APPLIED
    assert rules_read_the_body([parse_rule(rule(field="body", op="contains", value="x"))])
    assert not rules_read_the_body([ignore])


def test_the_sync_runs_rules_only_for_premium_accounts(store, mailbox_id, user_id):
    def rules_the_sync_reads() -> tuple[RuleSpec, ...]:
        return store.recorded(mailbox_id, ["m1"], ["t1"], rules_of=user_id).rules

    store.add_filter_rule(user_id, parse_rule(rule("kept")))
    assert rules_the_sync_reads() == ()
    store.set_plan(user_id, Plan.PREMIUM)
    assert [spec.name for spec in rules_the_sync_reads()] == ["kept"]


def test_treat_as_job_accepts_mail_waiting_for_review_once(
    store, database, mailbox_id, user_id, make_email
):
    sync(store, mailbox_id, make_email(label=Label.INTERVIEWING, needs_review=True))
    assert store.applications(user_id) == [] and len(store.emails_for_review(user_id)) == 1

    store.add_filter_rule(
        user_id, parse_rule(rule("Acme is job mail", action={"type": "treat_as_job"}))
    )

    (application,) = store.applications(user_id)
    assert application.status is Status.INTERVIEWING
    assert store.emails_for_review(user_id) == []
    detail = store.application(user_id, application.id)
    assert detail.events[-1].why == (
        "Rule 'Acme is job mail' decided: this is job mail; the classifier chose the stage."
    )
    dump = raw_dump(database)
    assert store.apply_filter_rules_to_past(user_id).matches == ()
    assert raw_dump(database) == dump
