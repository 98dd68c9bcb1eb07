"""Corrections of emails: the status is derived again from what remains, the correction is in
the log, it is a labelled example; and personal API tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage import (
    ChangeConflict,
    CorrectionKind,
    CorrectionRequest,
    Database,
    FieldCipher,
    IncomingEmail,
    InvalidChange,
    Label,
    NotFound,
    Status,
    Store,
    Tier,
)
from storage.status_rules import EmailEvent, automatic_status
from tests.storage.storage_testkit import raw_dump

pytestmark = pytest.mark.unit

NOT_JOB = CorrectionRequest(CorrectionKind.NOT_JOB)


def sync(store: Store, mailbox_id: int, *emails: IncomingEmail) -> None:
    store.apply_sync_batch(mailbox_id, "worker-a", list(emails), new_cursor=None)


def email_ids(store: Store, user_id: int, application_id: int) -> list[int]:
    detail = store.application(user_id, application_id)
    return [event.email.id for event in detail.events if event.email]


def test_not_a_job_email_removes_what_it_alone_made(store, mailbox_id, user_id, make_email):
    newsletter = make_email(
        sender="Substack <news@substack.example>",
        subject="Issue #144: how we interview analysts",
        company="Substack",
        role=None,
        label=Label.INTERVIEWING,
    )
    sync(store, mailbox_id, newsletter)
    (application,) = store.applications(user_id)
    (email_id,) = email_ids(store, user_id, application.id)

    outcome = store.correct_email(user_id, email_id, NOT_JOB)

    assert outcome.corrected and outcome.application_id is None
    assert store.applications(user_id) == []
    (example,) = store.labelled_examples()
    assert (example.sender, example.subject, example.label) == (
        newsletter.sender,
        newsletter.subject,
        Label.NONE,
    )
    assert example.date == newsletter.date


def test_wrong_status_is_recomputed_and_logged(store, mailbox_id, user_id, make_email):
    sync(
        store,
        mailbox_id,
        make_email(thread_id="t-1", label=Label.APPLIED),
        make_email(thread_id="t-1", label=Label.OFFER),
    )
    (application,) = store.applications(user_id)
    assert application.status is Status.OFFER
    offer_id = email_ids(store, user_id, application.id)[-1]

    store.correct_email(
        user_id, offer_id, CorrectionRequest(CorrectionKind.STATUS, label=Label.REJECTED)
    )

    detail = store.application(user_id, application.id)
    assert detail.status is Status.REJECTED
    corrected = detail.events[-1]
    assert corrected.email.label is Label.REJECTED
    (correction,) = corrected.corrections
    assert (correction.previous_label, correction.label) == (Label.OFFER, Label.REJECTED)
    assert (
        corrected.why == "You corrected this email: it read as Offer Extended; you said Rejected."
    )


def test_same_correction_twice_changes_nothing(store, mailbox_id, user_id, make_email):
    sync(store, mailbox_id, make_email(label=Label.APPLIED))
    (application,) = store.applications(user_id)
    (email_id,) = email_ids(store, user_id, application.id)
    request = CorrectionRequest(CorrectionKind.STATUS, label=Label.INTERVIEWING)
    assert store.correct_email(user_id, email_id, request).corrected
    assert not store.correct_email(user_id, email_id, request).corrected
    assert len(store.labelled_examples()) == 1


def test_move_to_another_application_and_to_a_new_one(store, mailbox_id, user_id, make_email):
    sync(
        store,
        mailbox_id,
        make_email(thread_id="t-1", company="Acme", role="Welder", label=Label.APPLIED),
        make_email(thread_id="t-1", company="Acme", role="Welder", label=Label.INTERVIEWING),
        make_email(thread_id="t-2", company="Borealis", role="Pilot", label=Label.APPLIED),
    )
    by_company = {a.company: a.id for a in store.applications(user_id)}
    acme, borealis = by_company["Acme"], by_company["Borealis"]
    interview_id = email_ids(store, user_id, acme)[-1]

    moved = store.correct_email(
        user_id,
        interview_id,
        CorrectionRequest(CorrectionKind.APPLICATION, application_id=borealis),
    )
    assert moved.application_id == borealis and moved.previous_application_id == acme
    assert store.application(user_id, acme).status is Status.APPLIED
    assert store.application(user_id, borealis).status is Status.INTERVIEWING
    left_behind = store.application(user_id, acme).events[-1]
    assert (
        not left_behind.counted
        and left_behind.why == "You moved this email to Borealis, so it no longer counts here."
    )

    to_new = store.correct_email(
        user_id, interview_id, CorrectionRequest(CorrectionKind.APPLICATION, application_id=None)
    )
    assert to_new.application_id not in (acme, borealis, None)
    assert store.application(user_id, borealis).status is Status.APPLIED
    assert store.application(user_id, to_new.application_id).status is Status.INTERVIEWING


def test_bad_corrections_are_refused(store, mailbox_id, user_id, make_email):
    sync(store, mailbox_id, make_email(label=Label.APPLIED))
    (application,) = store.applications(user_id)
    (email_id,) = email_ids(store, user_id, application.id)
    stranger = store.create_user("stranger@example.com")

    with pytest.raises(NotFound):
        store.correct_email(stranger, email_id, NOT_JOB)
    with pytest.raises(InvalidChange) as missing:
        store.correct_email(user_id, email_id, CorrectionRequest(CorrectionKind.STATUS))
    assert missing.value.field == "status"
    with pytest.raises(NotFound):
        store.correct_email(
            user_id,
            email_id,
            CorrectionRequest(CorrectionKind.APPLICATION, application_id=999_999),
        )
    store.correct_email(user_id, email_id, NOT_JOB)  # its application goes with it
    with pytest.raises(ChangeConflict):
        store.correct_email(
            user_id, email_id, CorrectionRequest(CorrectionKind.STATUS, label=Label.OFFER)
        )


def test_corrections_keep_metadata_encrypted(store, mailbox_id, user_id, make_email):
    sync(store, mailbox_id, make_email(subject="Zanzibar interview", label=Label.INTERVIEWING))
    (application,) = store.applications(user_id)
    (email_id,) = email_ids(store, user_id, application.id)
    store.correct_email(user_id, email_id, NOT_JOB)
    assert "zanzibar" not in raw_dump(store.database)


CORRECTIONS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=5),
        st.sampled_from([*Label]),
    ),
    max_size=8,
)
LABELS = st.lists(
    st.sampled_from([label for label in Label if label is not Label.NONE]), min_size=1, max_size=6
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(labels=LABELS, corrections=CORRECTIONS)
def test_recomputing_after_corrections_equals_replaying_from_scratch(
    database: Database,
    cipher: FieldCipher,
    labels: list[Label],
    corrections: list[tuple[int, Label]],
):
    """Whatever the corrections, the status equals the status rules folded over the emails as
    they now read: the events that remain, replayed from scratch."""
    store = Store(database, cipher)
    user_id = store.create_user(
        f"{len(labels)}-{id(corrections)}-{datetime.now(UTC).timestamp()}@example.com"
    )
    mailbox_id = store.connect_mailbox(
        user_id, f"m{user_id}@gmail.com", tier=Tier.FREE, refresh_token="1//t"
    )
    assert store.acquire_lease(mailbox_id, "w", ttl_seconds=60)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    emails = [
        IncomingEmail(
            gmail_message_id=f"m{index}",
            thread_id="t",
            rfc822_message_id=f"<{index}@{user_id}.example>",
            sender="jobs@acme.example",
            subject=f"Update {index}",
            date=start + timedelta(days=index),
            label=label,
            confidence=0.9,
            company="Acme",
            role="Welder",
        )
        for index, label in enumerate(labels)
    ]
    store.apply_sync_batch(mailbox_id, "w", emails, new_cursor=None)
    (application,) = store.applications(user_id)
    ids = email_ids(store, user_id, application.id)
    current = dict(zip(ids, labels, strict=True))
    for position, label in corrections:
        email_id = ids[position % len(ids)]
        kind = CorrectionKind.NOT_JOB if label is Label.NONE else CorrectionKind.STATUS
        try:
            store.correct_email(user_id, email_id, CorrectionRequest(kind, label=label))
        except ChangeConflict:
            continue  # the application is gone: nothing left to correct into
        current[email_id] = label
    replayed = automatic_status(
        EmailEvent(Status(label.value), start + timedelta(days=ids.index(email_id)))
        for email_id, label in current.items()
        if label is not Label.NONE
    )
    remaining = store.applications(user_id)
    assert [a.status for a in remaining] == ([replayed] if replayed else [])


def test_api_tokens_are_hashed_shown_once_and_revocable(store, user_id):
    created = store.create_api_token(user_id, "my script")
    assert created.token.startswith("at_") and created.view.hint == created.token[:10]
    assert store.user_for_api_token(created.token) == user_id
    assert created.token not in raw_dump(store.database)
    assert [token.name for token in store.api_tokens(user_id)] == ["my script"]

    store.revoke_api_token(user_id, created.view.id)
    assert store.user_for_api_token(created.token) is None
    assert store.api_tokens(user_id) == []
    with pytest.raises(NotFound):
        store.revoke_api_token(user_id, created.view.id)
    with pytest.raises(InvalidChange):
        store.create_api_token(user_id, " ")
    assert store.user_for_api_token("at_not-a-token") is None
