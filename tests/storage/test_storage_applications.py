"""The job seeker in control, in storage: add, edit, delete, merge, manual status and back."""

from __future__ import annotations

from datetime import date

import pytest

from storage import (
    ApplicationQuery,
    ChangeConflict,
    EventCause,
    InvalidChange,
    Label,
    NotFound,
    Status,
    Store,
    Tracking,
)
from tests.storage.storage_testkit import raw_dump

pytestmark = pytest.mark.unit


def sync(store: Store, mailbox_id: int, *emails) -> None:
    store.apply_sync_batch(mailbox_id, "worker-a", list(emails), new_cursor=None)


def only_application(store: Store, user_id: int) -> int:
    (application,) = store.applications(user_id)
    return application.id


def test_added_by_hand_with_every_field(store, user_id):
    fields = {
        "company": "  Quillmark Publishing ",
        "role": "Editor",
        "applied_on": date(2025, 2, 3),
        "job_url": "https://jobs.quillmark.example/42",
        "location": "Lisbon",
        "salary": "€50k",
        "notes": "Met them at a fair.\nFollow up in March.",
    }
    application_id = store.add_application(user_id, fields, status=Status.INTERVIEWING)

    detail = store.application(user_id, application_id)
    assert detail is not None
    assert (detail.company, detail.role, detail.status) == (
        "Quillmark Publishing",
        "Editor",
        Status.INTERVIEWING,
    )
    assert detail.applied_on == date(2025, 2, 3)
    assert detail.notes == "Met them at a fair.\nFollow up in March."
    assert detail.tracking is Tracking.AUTOMATIC
    assert [event.cause for event in detail.events] == [EventCause.ADDED]
    assert detail.events[0].why == "Added by you."
    assert "quillmark" not in raw_dump(store.database)  # encrypted like the rest


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"company": "x" * 201}, "company"),
        ({"company": "   "}, "company"),
        ({"job_url": "javascript:alert(1)"}, "job_url"),
        ({"job_url": "ftp://files.example/job"}, "job_url"),
        ({"role": "Engineer\x00"}, "role"),
        ({"applied_on": "2025-02-30"}, "applied_on"),
        ({"colour": "red"}, "colour"),
        ({"notes": 12}, "notes"),
    ],
)
def test_bad_edits_are_refused_naming_the_field(store, user_id, changes, field):
    application_id = store.add_application(user_id, {"company": "Acme"})
    with pytest.raises(InvalidChange) as refused:
        store.edit_application(user_id, application_id, changes)
    assert refused.value.field == field
    assert field in str(refused.value)
    assert store.application(user_id, application_id).company == "Acme"  # nothing truncated


def test_edit_changes_only_what_it_names(store, user_id):
    application_id = store.add_application(user_id, {"company": "Acme", "role": "Welder"})
    store.edit_application(user_id, application_id, {"role": "Lead Welder", "location": None})
    detail = store.application(user_id, application_id)
    assert (detail.company, detail.role, detail.location) == ("Acme", "Lead Welder", None)


def test_another_users_application_is_not_found(store, user_id):
    other = store.create_user("other@example.com")
    application_id = store.add_application(user_id, {"company": "Acme"})
    assert store.application(other, application_id) is None
    with pytest.raises(NotFound):
        store.edit_application(other, application_id, {"role": "Spy"})
    with pytest.raises(NotFound):
        store.delete_application(other, application_id)


def test_same_company_and_role_twice_is_a_conflict(store, user_id):
    first = store.add_application(user_id, {"company": "Acme", "role": "Welder"})
    with pytest.raises(ChangeConflict) as conflict:
        store.add_application(user_id, {"company": "ACME", "role": "welder"})
    assert str(first) in str(conflict.value)


def test_deleted_application_stays_deleted_when_its_thread_gets_mail(
    store, mailbox_id, user_id, make_email
):
    sync(store, mailbox_id, make_email(thread_id="t-1", label=Label.APPLIED))
    application_id = only_application(store, user_id)

    store.delete_application(user_id, application_id)
    assert store.applications(user_id) == []
    assert store.application(user_id, application_id) is None
    sync(store, mailbox_id, make_email(thread_id="t-1", label=Label.INTERVIEWING))

    assert store.applications(user_id) == []
    assert store.status_counts(user_id)[Status.INTERVIEWING] == 0
    # A new thread about the same job is a new application, not the deleted one.
    sync(store, mailbox_id, make_email(thread_id="t-2", label=Label.APPLIED))
    assert only_application(store, user_id) != application_id


def test_merge_combines_emails_and_recomputes_the_status(store, mailbox_id, user_id, make_email):
    sync(
        store,
        mailbox_id,
        make_email(thread_id="t-1", company="Quillmark", role=None, label=Label.APPLIED),
        make_email(
            thread_id="t-2", company="QM Publishing", role="Editor", label=Label.INTERVIEWING
        ),
    )
    by_company = {a.company: a.id for a in store.applications(user_id)}
    into, other = by_company["QM Publishing"], by_company["Quillmark"]

    store.merge_applications(user_id, into, other)

    (merged,) = store.applications(user_id)
    assert merged.id == into and merged.status is Status.INTERVIEWING
    detail = store.application(user_id, into)
    assert {event.email.thread_id for event in detail.events if event.email} == {"t-1", "t-2"}
    assert detail.events[-1].cause is EventCause.MERGE
    assert "Quillmark" in detail.events[-1].why
    assert store.application(user_id, other) is None
    # Later mail in the merged-away thread follows the merge.
    sync(store, mailbox_id, make_email(thread_id="t-1", company="Quillmark", label=Label.OFFER))
    assert store.application(user_id, into).status is Status.OFFER


def test_merge_refuses_itself_and_strangers(store, user_id):
    application_id = store.add_application(user_id, {"company": "Acme"})
    with pytest.raises(InvalidChange):
        store.merge_applications(user_id, application_id, application_id)
    with pytest.raises(NotFound):
        store.merge_applications(user_id, application_id, 999_999)


def test_manual_status_holds_until_automatic_tracking_returns(
    store, mailbox_id, user_id, make_email
):
    sync(store, mailbox_id, make_email(thread_id="t-1", label=Label.APPLIED))
    application_id = only_application(store, user_id)

    store.set_status_manually(user_id, application_id, Status.REJECTED)
    sync(store, mailbox_id, make_email(thread_id="t-1", label=Label.INTERVIEWING))
    held = store.application(user_id, application_id)
    assert (held.status, held.tracking) == (Status.REJECTED, Tracking.MANUAL)
    assert held.events[-1].why == "Logged, not applied: the status was set by you."

    assert store.return_to_automatic(user_id, application_id) is Status.INTERVIEWING
    back = store.application(user_id, application_id)
    assert (back.status, back.tracking) == (Status.INTERVIEWING, Tracking.AUTOMATIC)
    assert back.events[-1].cause is EventCause.AUTOMATIC
    sync(store, mailbox_id, make_email(thread_id="t-1", label=Label.OFFER))
    assert store.application(user_id, application_id).status is Status.OFFER


def test_activity_log_folds_emails_that_change_nothing(store, mailbox_id, user_id, make_email):
    emails = [make_email(thread_id="t-1", label=Label.APPLIED) for _ in range(4)]
    sync(store, mailbox_id, *emails)
    detail = store.application(user_id, only_application(store, user_id))

    (entry,) = detail.activity
    assert len(entry.folded) == 3
    assert entry.note == "3 more emails in this thread"
    assert entry.folded[0].why == "It changed nothing: the application was already Applied."


def test_search_filter_and_sort(store, user_id):
    store.add_application(user_id, {"company": "Acme", "applied_on": date(2025, 1, 5)})
    store.add_application(
        user_id, {"company": "Borealis", "notes": "remote", "applied_on": date(2025, 2, 5)}
    )
    store.add_application(user_id, {"company": "Cobalt"}, status=Status.OFFER)

    def companies(**query) -> list[str | None]:
        return [a.company for a in store.applications(user_id, ApplicationQuery(**query))]

    assert companies(text="REMOTE") == ["Borealis"]
    assert companies(status=Status.OFFER) == ["Cobalt"]
    assert companies(applied_from=date(2025, 2, 1), applied_to=date(2025, 2, 28)) == ["Borealis"]
    assert companies(sort="company") == ["Acme", "Borealis", "Cobalt"]
    assert companies(sort="-company") == ["Cobalt", "Borealis", "Acme"]
    assert companies(sort="applied_on")[:2] == ["Acme", "Borealis"]
    with pytest.raises(InvalidChange):
        companies(sort="password")


def test_dates_are_the_emails(store, mailbox_id, user_id, make_email):
    first = make_email(thread_id="t-1", label=Label.APPLIED)
    later = make_email(thread_id="t-1", label=Label.INTERVIEWING)
    sync(store, mailbox_id, first, later)
    (view,) = store.applications(user_id)
    assert view.applied_on == first.date.date()
    assert view.last_email_at == later.date


def test_the_classifiers_thread_context_follows_merges_and_forgets_deleted_applications(
    store, mailbox_id, user_id, make_email
):
    sync(
        store,
        mailbox_id,
        make_email(thread_id="t-1", company="Quillmark", role=None, label=Label.APPLIED),
        make_email(
            thread_id="t-2", company="QM Publishing", role="Editor", label=Label.INTERVIEWING
        ),
    )
    by_company = {a.company: a.id for a in store.applications(user_id)}
    into, other = by_company["QM Publishing"], by_company["Quillmark"]

    store.merge_applications(user_id, into, other)
    merged = store.recorded(mailbox_id, [], ["t-1", "t-2"]).threads

    assert {thread: found.application_id for thread, found in merged.items()} == {
        "t-1": into,
        "t-2": into,
    }
    assert merged["t-1"].status is Status.INTERVIEWING

    store.delete_application(user_id, into)
    assert store.recorded(mailbox_id, [], ["t-1", "t-2"]).threads == {}
