"""apply_sync_batch: idempotent replays, copies, joins and the status rules, on both databases."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage import EventCause, FieldCipher, Label, LeaseLost, Status, Store

DAY = timedelta(days=1)


def _write(store: Store, mailbox_id: int, *emails, cursor: int | None = None):
    return store.apply_sync_batch(mailbox_id, "worker-a", list(emails), new_cursor=cursor)


def _only_application(store: Store, user_id: int):
    applications = store.applications(user_id)
    assert len(applications) == 1, applications
    return store.application(user_id, applications[0].id)


def test_replaying_the_same_batch_three_times_writes_it_once(
    store, mailbox_id, user_id, make_email
):
    first = make_email(label=Label.APPLIED)
    second = make_email(label=Label.INTERVIEWING, thread_id=first.thread_id)
    outcomes = [_write(store, mailbox_id, first, second, cursor=500) for _ in range(3)]

    assert (outcomes[0].emails_new, outcomes[0].events_written) == (2, 2)
    for replay in outcomes[1:]:
        assert (replay.emails_new, replay.emails_skipped, replay.events_written) == (0, 2, 0)
    detail = _only_application(store, user_id)
    assert [event.to_status for event in detail.events] == [Status.APPLIED, Status.INTERVIEWING]
    assert detail.status is Status.INTERVIEWING
    assert store.mailbox(mailbox_id).history_cursor == 500


def test_a_forward_of_a_counted_email_adds_no_event(store, mailbox_id, user_id, make_email):
    original = make_email(label=Label.INTERVIEWING)
    forward = make_email(
        label=Label.INTERVIEWING,
        rfc822_message_id="<fwd-1@gmail.example>",
        sender="Sam Seeker <seeker@gmail.com>",
        subject=f"Fwd: {original.subject}",
        date=original.date + timedelta(hours=2),
        original_sender="jobs@ACME-careers.example",
        original_subject=f"RE: {original.subject}",
        original_date=original.date.replace(second=37),
    )
    assert _write(store, mailbox_id, original).events_written == 1
    outcome = _write(store, mailbox_id, forward)

    assert (outcome.emails_new, outcome.copies, outcome.events_written) == (1, 1, 0)
    assert len(_only_application(store, user_id).events) == 1


def test_a_cc_copy_with_the_same_message_id_adds_no_event(store, mailbox_id, user_id, make_email):
    original = make_email(label=Label.OFFER)
    cc_copy = make_email(
        label=Label.OFFER,
        rfc822_message_id=f"  {original.rfc822_message_id}  ",
        subject="A different subject line",
    )
    outcome = _write(store, mailbox_id, original, cc_copy)

    assert (outcome.emails_new, outcome.copies, outcome.events_written) == (2, 1, 1)
    assert [e.to_status for e in _only_application(store, user_id).events] == [Status.OFFER]


def test_a_late_confirmation_is_logged_but_not_applied(store, mailbox_id, user_id, make_email):
    interview = make_email(label=Label.INTERVIEWING, date=datetime(2025, 2, 10, tzinfo=UTC))
    late = make_email(label=Label.APPLIED, date=datetime(2025, 2, 1, tzinfo=UTC))
    _write(store, mailbox_id, interview)
    _write(store, mailbox_id, late)

    detail = _only_application(store, user_id)
    assert detail.status is Status.INTERVIEWING
    late_event = detail.events[-1]
    assert (late_event.to_status, late_event.applied) == (Status.APPLIED, False)
    assert late_event.from_status is Status.INTERVIEWING


def test_rejected_is_final_until_a_newer_email_reopens_it(store, mailbox_id, user_id, make_email):
    thread = "thread-final"
    rejected_on = datetime(2025, 2, 10, tzinfo=UTC)
    rejection = make_email(label=Label.REJECTED, thread_id=thread, date=rejected_on)
    older_invite = make_email(label=Label.INTERVIEWING, thread_id=thread, date=rejected_on - DAY)
    newer_invite = make_email(label=Label.INTERVIEWING, thread_id=thread, date=rejected_on + DAY)

    _write(store, mailbox_id, rejection)
    _write(store, mailbox_id, older_invite)
    assert _only_application(store, user_id).status is Status.REJECTED

    _write(store, mailbox_id, newer_invite)
    detail = _only_application(store, user_id)
    assert detail.status is Status.INTERVIEWING
    assert [event.applied for event in detail.events] == [True, False, True]


def test_offer_is_not_undone_by_a_later_automatic_rejection(store, mailbox_id, user_id, make_email):
    offer = make_email(label=Label.OFFER, date=datetime(2025, 2, 10, tzinfo=UTC))
    rejection = make_email(label=Label.REJECTED, date=datetime(2025, 2, 12, tzinfo=UTC))
    _write(store, mailbox_id, offer, rejection)

    detail = _only_application(store, user_id)
    assert detail.status is Status.OFFER
    assert [(e.to_status, e.applied) for e in detail.events] == [
        (Status.OFFER, True),
        (Status.REJECTED, False),
    ]


def test_a_manual_change_wins_over_later_emails(store, mailbox_id, user_id, make_email):
    _write(store, mailbox_id, make_email(label=Label.APPLIED))
    application_id = store.applications(user_id)[0].id
    store.set_status_manually(user_id, application_id, Status.REJECTED)
    _write(store, mailbox_id, make_email(label=Label.OFFER, date=datetime(2026, 1, 1, tzinfo=UTC)))

    detail = store.application(user_id, application_id)
    assert detail.status is Status.REJECTED
    assert detail.manual_override
    manual, automatic = detail.events[1], detail.events[2]
    assert (manual.cause, manual.applied, manual.email) == (EventCause.MANUAL, True, None)
    assert (manual.from_status, manual.to_status) == (Status.APPLIED, Status.REJECTED)
    assert (automatic.cause, automatic.applied) == (EventCause.EMAIL, False)


def test_low_confidence_email_is_recorded_for_review_without_an_event(
    store, mailbox_id, user_id, make_email
):
    doubtful = make_email(label=Label.OFFER, confidence=0.41, needs_review=True)
    outcome = _write(store, mailbox_id, doubtful)

    assert (outcome.emails_new, outcome.needs_review, outcome.events_written) == (1, 1, 0)
    assert store.applications(user_id) == []
    [pending] = store.emails_for_review(user_id)
    assert (pending.gmail_message_id, pending.subject) == (
        doubtful.gmail_message_id,
        doubtful.subject,
    )
    assert pending.label is Label.OFFER


def test_a_copy_of_an_email_waiting_for_review_is_not_listed_twice(
    store, mailbox_id, user_id, make_email
):
    doubtful = make_email(label=Label.OFFER, confidence=0.4, needs_review=True)
    copy = make_email(
        label=Label.OFFER,
        confidence=0.4,
        needs_review=True,
        rfc822_message_id=doubtful.rfc822_message_id,
    )
    outcome = _write(store, mailbox_id, doubtful, copy)

    assert (outcome.emails_new, outcome.copies, outcome.needs_review) == (2, 1, 1)
    assert [e.gmail_message_id for e in store.emails_for_review(user_id)] == [
        doubtful.gmail_message_id
    ]


def test_only_job_labels_start_an_application(store, mailbox_id, user_id, make_email):
    outcome = _write(store, mailbox_id, make_email(label=Label.NONE, company=None, role=None))

    assert (outcome.emails_new, outcome.events_written) == (1, 0)
    assert store.applications(user_id) == []


def test_emails_join_by_thread_then_by_company_and_role(store, mailbox_id, user_id, make_email):
    applied = make_email(label=Label.APPLIED, company="Acme Rocketry", role="Propulsion Engineer")
    same_thread = make_email(
        label=Label.INTERVIEWING, thread_id=applied.thread_id, company=None, role=None
    )
    same_company = make_email(
        label=Label.OFFER, company="  ACME rocketry ", role="propulsion   engineer"
    )
    other_role = make_email(label=Label.APPLIED, company="Acme Rocketry", role="Test Pilot")
    _write(store, mailbox_id, applied, same_thread, same_company, other_role)

    by_role = {view.role: view for view in store.applications(user_id)}
    assert set(by_role) == {"Propulsion Engineer", "Test Pilot"}
    assert by_role["Propulsion Engineer"].status is Status.OFFER
    assert by_role["Test Pilot"].status is Status.APPLIED


def test_company_spellings_and_a_missing_role_join_the_same_application(
    store, mailbox_id, user_id, make_email
):
    applied = make_email(label=Label.APPLIED, company="Halvorsen Logistics", role="BI Developer")
    no_role = make_email(label=Label.INTERVIEWING, company="HalvorsenLogistics, Inc.", role=None)
    written = make_email(label=Label.APPLIED, company="Condé Nast", role="Editor")
    from_domain = make_email(label=Label.REJECTED, company="Condenast", role=None)
    umlaut = make_email(label=Label.APPLIED, company="Tischlerei Kühn", role=None)
    spelled = make_email(label=Label.INTERVIEWING, company="Tischlereikuehn", role=None)
    swiss = make_email(label=Label.APPLIED, company="Zürich Insurance", role="Actuary")
    plain = make_email(label=Label.OFFER, company="Zurich Insurance", role=None)
    _write(store, mailbox_id, applied, no_role, written, from_domain, umlaut, spelled, swiss, plain)
    assert sorted((a.company, a.status) for a in store.applications(user_id)) == [
        ("Condé Nast", Status.REJECTED),
        ("Halvorsen Logistics", Status.INTERVIEWING),
        ("Tischlerei Kühn", Status.INTERVIEWING),
        ("Zürich Insurance", Status.OFFER),
    ]


def test_a_title_named_more_or_less_fully_joins_the_same_application(
    store, mailbox_id, user_id, make_email
):
    applied = make_email(label=Label.APPLIED, company="Northwind Traders", role="Data Analyst")
    fuller = make_email(
        label=Label.INTERVIEWING, company="Northwind Traders", role="Senior Data Analyst (Remote)"
    )
    other_post = make_email(label=Label.APPLIED, company="Northwind Traders", role="Data Engineer")
    _write(store, mailbox_id, applied, fuller, other_post)

    by_role = {view.role: view.status for view in store.applications(user_id)}
    assert by_role == {"Data Analyst": Status.INTERVIEWING, "Data Engineer": Status.APPLIED}


def test_a_company_named_more_or_less_fully_joins_the_same_application(
    store, mailbox_id, user_id, make_email
):
    recruiter = make_email(label=Label.INTERVIEWING, company="Quillmark", role=None)
    confirmation = make_email(
        label=Label.APPLIED, company="Quillmark Publishing Ltd", role="Data Visualization Lead"
    )
    lookalike = make_email(label=Label.APPLIED, company="Quillmarkets", role=None)
    other_post = make_email(label=Label.REJECTED, company="Quillmark", role="Copy Editor")
    _write(store, mailbox_id, recruiter, confirmation, lookalike, other_post)

    found = {(view.company, view.role): view.status for view in store.applications(user_id)}
    assert found == {
        ("Quillmark", "Data Visualization Lead"): Status.INTERVIEWING,
        ("Quillmarkets", None): Status.APPLIED,
        ("Quillmark", "Copy Editor"): Status.REJECTED,
    }


def test_a_role_joins_the_company_application_that_had_none(store, mailbox_id, user_id, make_email):
    vague = make_email(label=Label.APPLIED, company="Globex Corporation", role=None)
    specific = make_email(label=Label.REJECTED, company="Globex", role="Data Analyst")
    _write(store, mailbox_id, vague, specific)
    detail = _only_application(store, user_id)
    assert (detail.role, detail.status) == ("Data Analyst", Status.REJECTED)


def test_company_and_role_fill_in_from_a_later_email(store, mailbox_id, user_id, make_email):
    vague = make_email(label=Label.APPLIED, company=None, role=None)
    specific = make_email(
        label=Label.INTERVIEWING, thread_id=vague.thread_id, company="Globex", role="Data Analyst"
    )
    _write(store, mailbox_id, vague)
    assert _only_application(store, user_id).company is None
    _write(store, mailbox_id, specific)
    later_by_company = make_email(label=Label.OFFER, company="globex", role="data analyst")
    _write(store, mailbox_id, later_by_company)

    detail = _only_application(store, user_id)
    assert (detail.company, detail.role, detail.status) == ("Globex", "Data Analyst", Status.OFFER)


def test_activity_log_shows_the_email_metadata(store, mailbox_id, user_id, make_email):
    email = make_email(label=Label.APPLIED, reasons=("ats:greenhouse", "phrase:received"))
    _write(store, mailbox_id, email)

    [event] = _only_application(store, user_id).events
    assert event.email.sender == email.sender
    assert event.email.subject == email.subject
    assert event.email.date == email.date
    assert event.reasons == ("ats:greenhouse", "phrase:received")
    assert event.from_status is None


def test_a_batch_after_losing_the_lease_is_refused_and_writes_nothing(
    store, mailbox_id, user_id, make_email, clock
):
    clock.advance(61)
    assert store.acquire_lease(mailbox_id, "worker-b", ttl_seconds=60)
    with pytest.raises(LeaseLost, match="worker-a no longer holds the lease"):
        _write(store, mailbox_id, make_email(), cursor=900)

    assert store.applications(user_id) == []
    assert store.mailbox(mailbox_id).history_cursor is None


def test_an_expired_lease_is_lost_even_if_nobody_took_it(store, mailbox_id, make_email, clock):
    clock.advance(60)
    with pytest.raises(LeaseLost):
        _write(store, mailbox_id, make_email())


def test_the_cursor_only_moves_forward_and_keeps_values_above_2_63(store, mailbox_id):
    huge = 2**63 + 12_345
    _write(store, mailbox_id, cursor=huge)
    assert store.mailbox(mailbox_id).history_cursor == huge

    _write(store, mailbox_id, cursor=99)
    _write(store, mailbox_id, cursor=None)
    assert store.mailbox(mailbox_id).history_cursor == huge

    _write(store, mailbox_id, cursor=2**64 - 1)
    assert store.mailbox(mailbox_id).history_cursor == 2**64 - 1


def test_a_cursor_outside_unsigned_64_bits_is_refused(store, mailbox_id):
    with pytest.raises(ValueError, match="unsigned 64-bit"):
        _write(store, mailbox_id, cursor=2**64)


class FailingCipher(FieldCipher):
    """A real cipher that fails on one chosen plaintext, to break a batch half-way through."""

    def __init__(self, keys: dict[str, bytes], fingerprint_key: bytes, *, poison: str) -> None:
        super().__init__(keys, "k1", fingerprint_key)
        self.poison = poison

    def encrypt(self, text: str) -> str:
        if text == self.poison:
            raise RuntimeError("injected failure")
        return super().encrypt(text)


def test_a_failure_mid_batch_rolls_back_the_whole_batch(
    database, keys, fingerprint_key, clock, store, mailbox_id, user_id, make_email
):
    good = make_email()
    bad = make_email(subject="poison subject")
    failing_cipher = FailingCipher(keys, fingerprint_key, poison="poison subject")
    failing_store = Store(database, failing_cipher, clock=clock.wall)
    with pytest.raises(RuntimeError, match="injected failure"):
        failing_store.apply_sync_batch(mailbox_id, "worker-a", [good, bad], new_cursor=10)

    assert store.applications(user_id) == []
    assert store.mailbox(mailbox_id).history_cursor is None
    assert _write(store, mailbox_id, good, cursor=10).events_written == 1


def test_sync_sets_last_sync_time(store, mailbox_id, clock):
    _write(store, mailbox_id)
    assert store.mailbox(mailbox_id).last_sync_at == clock.wall()


JOB_LABELS = [Label.APPLIED, Label.INTERVIEWING, Label.OFFER, Label.REJECTED]


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    emails=st.lists(
        st.tuples(st.sampled_from(JOB_LABELS), st.integers(min_value=0, max_value=5)),
        min_size=1,
        max_size=6,
    ),
    data=st.data(),
)
def test_final_status_is_the_same_whatever_order_the_emails_arrive_in(
    store, make_email, emails, data
):
    """Each example gets its own user and mailbox, written one email per batch."""
    start = datetime(2025, 1, 1, tzinfo=UTC)
    built = [
        make_email(label=label, date=start + day * DAY, thread_id="one-thread")
        for label, day in emails
    ]
    statuses = []
    for order in (built, data.draw(st.permutations(built))):
        user_id = store.create_user(f"{uuid.uuid4().hex}@example.com")
        mailbox_id = store.connect_mailbox(
            user_id, f"{uuid.uuid4().hex}@gmail.com", tier="free", refresh_token=None
        )
        assert store.acquire_lease(mailbox_id, "worker-a", ttl_seconds=60)
        for email in order:
            _write(store, mailbox_id, email)
        [application] = store.applications(user_id)
        statuses.append(application.status)
    assert statuses[0] == statuses[1]
