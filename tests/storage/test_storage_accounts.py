"""Users, mailboxes, watches, sync runs and the Integrations view, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from storage import (
    Label,
    MailboxConflict,
    MailboxState,
    NotFound,
    Status,
    StorageError,
    Tier,
)


def test_users_are_found_by_email_case_insensitively(store):
    user_id = store.create_user("Pat@Example.com", display_name="Pat", password_hash="pbkdf2$x")
    user = store.user_by_email("pat@example.COM")
    assert (user.id, user.email, user.display_name) == (user_id, "pat@example.com", "Pat")
    assert user.password_hash == "pbkdf2$x"
    assert store.user_by_email("nobody@example.com") is None


def test_a_second_account_with_the_same_email_is_refused(store):
    store.create_user("pat@example.com")
    with pytest.raises(StorageError, match="already exists"):
        store.create_user("PAT@example.com")


def test_connecting_stores_an_encrypted_token_and_finds_the_mailbox(store):
    user_id = store.create_user("pat@example.com")
    mailbox_id = store.connect_mailbox(
        user_id, "Pat.Seeker@Gmail.com", tier=Tier.FREE, refresh_token="1//tok"
    )
    mailbox = store.mailbox(mailbox_id)
    assert (mailbox.user_id, mailbox.gmail_address) == (user_id, "pat.seeker@gmail.com")
    assert (mailbox.tier, mailbox.state, mailbox.history_cursor) == (
        Tier.FREE,
        MailboxState.ACTIVE,
        None,
    )
    assert store.refresh_token(mailbox_id) == "1//tok"
    assert store.mailbox_by_address("pat.seeker@gmail.com").id == mailbox_id
    assert store.mailbox_for_user(user_id).id == mailbox_id
    assert [m.id for m in store.mailboxes()] == [mailbox_id]


def test_reconnecting_updates_the_token_and_state_but_keeps_the_cursor(store):
    user_id = store.create_user("pat@example.com")
    mailbox_id = store.connect_mailbox(user_id, "pat@gmail.com", tier=Tier.FREE, refresh_token="a")
    store.record_watch(mailbox_id, history_id=777, expiration=datetime(2025, 3, 8, tzinfo=UTC))
    store.set_mailbox_state(mailbox_id, MailboxState.RECONNECT_NEEDED)

    again = store.connect_mailbox(user_id, "pat@gmail.com", tier=Tier.PREMIUM, refresh_token="b")
    mailbox = store.mailbox(mailbox_id)
    assert again == mailbox_id
    assert (mailbox.state, mailbox.tier, mailbox.history_cursor) == (
        MailboxState.ACTIVE,
        Tier.PREMIUM,
        777,
    )
    assert store.refresh_token(mailbox_id) == "b"


def test_one_mailbox_per_user_and_one_user_per_address(store):
    pat = store.create_user("pat@example.com")
    sam = store.create_user("sam@example.com")
    store.connect_mailbox(pat, "pat@gmail.com", tier=Tier.FREE, refresh_token=None)

    with pytest.raises(MailboxConflict, match="already connected to another ApplyTrack account"):
        store.connect_mailbox(sam, "pat@gmail.com", tier=Tier.FREE, refresh_token=None)
    with pytest.raises(MailboxConflict, match="only one Gmail account"):
        store.connect_mailbox(pat, "pat.other@gmail.com", tier=Tier.FREE, refresh_token=None)


def test_unknown_ids_raise_not_found(store):
    with pytest.raises(NotFound, match="no mailbox with id 404"):
        store.mailbox(404)
    with pytest.raises(NotFound):
        store.acquire_lease(404, "worker", ttl_seconds=5)
    with pytest.raises(NotFound):
        store.connect_mailbox(404, "x@gmail.com", tier=Tier.FREE, refresh_token=None)
    assert store.mailbox_by_address("ghost@gmail.com") is None


def test_the_refresh_token_can_be_replaced_and_forgotten(store, mailbox_id):
    store.set_refresh_token(mailbox_id, "1//new")
    assert store.refresh_token(mailbox_id) == "1//new"
    store.set_refresh_token(mailbox_id, None)
    assert store.refresh_token(mailbox_id) is None


def test_record_watch_sets_the_cursor_only_once(store, mailbox_id):
    first_expiry = datetime(2025, 3, 8, 12, tzinfo=timezone(timedelta(hours=2)))
    store.record_watch(mailbox_id, history_id=2**63 + 1, expiration=first_expiry)
    store.record_watch(mailbox_id, history_id=5, expiration=first_expiry + timedelta(days=1))

    mailbox = store.mailbox(mailbox_id)
    assert mailbox.history_cursor == 2**63 + 1
    assert mailbox.watch_expiration == first_expiry + timedelta(days=1)
    assert mailbox.watch_expiration.tzinfo == UTC


def test_datetimes_come_back_as_aware_utc(store, mailbox_id, clock):
    store.record_push(mailbox_id)
    mailbox = store.mailbox(mailbox_id)
    assert mailbox.last_push_at == clock.wall()
    assert mailbox.last_push_at.utcoffset() == timedelta(0)


def test_a_naive_datetime_is_refused(store, mailbox_id):
    with pytest.raises(Exception, match="has no timezone"):
        store.record_watch(mailbox_id, history_id=1, expiration=datetime(2025, 3, 8))


def test_sync_runs_record_progress_and_outcome(store, mailbox_id, clock):
    first = store.start_sync_run(mailbox_id, "initial")
    store.update_sync_progress(first, processed=40, total=120)
    clock.advance(5)
    store.finish_sync_run(first, status="ok", messages_seen=120, events_written=7)
    clock.advance(5)
    second = store.start_sync_run(mailbox_id, "push")
    clock.advance(1)
    store.finish_sync_run(second, status="failed", messages_seen=0, events_written=0, error="429")

    latest, earlier = store.sync_runs(mailbox_id)
    assert (latest.id, latest.status, latest.error) == (second, "failed", "429")
    assert (earlier.processed, earlier.total, earlier.messages_seen) == (40, 120, 120)
    assert earlier.finished_at - earlier.started_at == timedelta(seconds=5)
    assert [run.id for run in store.sync_runs(mailbox_id, limit=1)] == [second]
    with pytest.raises(NotFound):
        store.finish_sync_run(9999, status="ok", messages_seen=0, events_written=0)


def test_integration_view_counts_threads_and_shows_recent_runs(
    store, mailbox_id, user_id, make_email
):
    emails = [make_email(thread_id="t-1"), make_email(thread_id="t-1"), make_email(thread_id="t-2")]
    store.apply_sync_batch(mailbox_id, "worker-a", emails, new_cursor=42)
    run_id = store.start_sync_run(mailbox_id, "poll")

    view = store.integration(user_id)
    assert (view.mailbox_id, view.email, view.state, view.tier) == (
        mailbox_id,
        "seeker@gmail.com",
        MailboxState.ACTIVE,
        Tier.PREMIUM,
    )
    assert (view.threads_monitored, view.history_cursor) == (2, 42)
    assert [run.id for run in view.recent_runs] == [run_id]
    assert store.integration(store.create_user("other@example.com")) is None


def test_status_counts_cover_every_status(store, mailbox_id, user_id, make_email):
    emails = [
        make_email(label=Label.APPLIED, company="A"),
        make_email(label=Label.APPLIED, company="B"),
        make_email(label=Label.OFFER, company="C"),
    ]
    store.apply_sync_batch(mailbox_id, "worker-a", emails, new_cursor=None)
    assert store.status_counts(user_id) == {
        Status.APPLIED: 2,
        Status.INTERVIEWING: 0,
        Status.OFFER: 1,
        Status.REJECTED: 0,
    }


def test_applications_are_private_to_their_user(store, mailbox_id, user_id, make_email):
    store.apply_sync_batch(mailbox_id, "worker-a", [make_email()], new_cursor=None)
    [view] = store.applications(user_id)
    stranger = store.create_user("stranger@example.com")

    assert store.application(stranger, view.id) is None
    assert store.applications(stranger) == []
    with pytest.raises(NotFound):
        store.set_status_manually(stranger, view.id, Status.OFFER)


# Issue 4: accounts, disconnecting, review decisions, the chart's moves and the live marker.


def test_a_user_is_found_by_id(store):
    user_id = store.create_user("pat@example.com", display_name="Pat", password_hash="scrypt:x")
    assert (store.user(user_id).email, store.user(user_id).password_hash) == (
        "pat@example.com",
        "scrypt:x",
    )
    assert store.user(user_id + 1000) is None


def test_disconnecting_forgets_the_token_but_keeps_applications(
    store, mailbox_id, user_id, make_email
):
    store.apply_sync_batch(mailbox_id, "worker-a", [make_email()], new_cursor=900)
    store.record_watch(mailbox_id, history_id=900, expiration=datetime(2025, 3, 8, tzinfo=UTC))

    store.disconnect_mailbox(mailbox_id)

    mailbox = store.mailbox(mailbox_id)
    assert (mailbox.state, mailbox.watch_expiration) == (MailboxState.DISCONNECTED, None)
    assert store.refresh_token(mailbox_id) is None
    assert mailbox.history_cursor == 900
    assert len(store.applications(user_id)) == 1


def test_status_moves_count_applied_changes_only(store, mailbox_id, user_id, make_email):
    first = make_email(label=Label.APPLIED, thread_id="t1")
    later = make_email(
        label=Label.INTERVIEWING, thread_id="t1", date=first.date + timedelta(days=1)
    )
    second_invite = make_email(
        label=Label.INTERVIEWING, thread_id="t1", date=first.date + timedelta(hours=30)
    )
    store.apply_sync_batch(mailbox_id, "worker-a", [first, later, second_invite], new_cursor=None)
    (application,) = store.applications(user_id)
    store.set_status_manually(user_id, application.id, Status.OFFER)
    stale = make_email(label=Label.REJECTED, thread_id="t1", date=first.date + timedelta(days=2))
    store.apply_sync_batch(mailbox_id, "worker-a", [stale], new_cursor=None)

    assert store.status_moves(user_id) == {
        (None, Status.APPLIED): 1,
        (Status.APPLIED, Status.INTERVIEWING): 1,
        (Status.INTERVIEWING, Status.OFFER): 1,
    }
    assert store.status_moves(user_id + 1000) == {}


def test_accepting_a_flagged_email_applies_it_to_its_thread(store, mailbox_id, user_id, make_email):
    applied = make_email(label=Label.APPLIED, thread_id="t7")
    unsure = make_email(
        label=Label.INTERVIEWING,
        thread_id="t7",
        needs_review=True,
        confidence=0.4,
        date=applied.date + timedelta(days=1),
    )
    store.apply_sync_batch(mailbox_id, "worker-a", [applied, unsure], new_cursor=None)
    (application,) = store.applications(user_id)
    (review,) = store.review_emails_for_application(user_id, application.id)
    assert store.review_emails_for_application(user_id + 1000, application.id) == []
    with pytest.raises(NotFound):
        store.accept_review(user_id + 1000, review.id)

    assert store.accept_review(user_id, review.id) == application.id

    assert store.applications(user_id)[0].status is Status.INTERVIEWING
    assert store.emails_for_review(user_id) == []
    assert store.application(user_id, application.id).events[-1].email.subject == unsure.subject
    with pytest.raises(NotFound, match="already reviewed"):
        store.dismiss_review(user_id, review.id)


def test_dismissing_a_flagged_email_changes_nothing(store, mailbox_id, user_id, make_email):
    unsure = make_email(label=Label.OFFER, needs_review=True, confidence=0.3)
    store.apply_sync_batch(mailbox_id, "worker-a", [unsure], new_cursor=None)
    (review,) = store.emails_for_review(user_id)

    store.dismiss_review(user_id, review.id)

    assert store.emails_for_review(user_id) == []
    assert store.applications(user_id) == []


def test_an_accepted_email_from_another_thread_joins_its_company(
    store, mailbox_id, user_id, make_email
):
    applied = make_email(label=Label.APPLIED, company="Globex", role="Data Analyst")
    unsure = make_email(
        label=Label.REJECTED,
        company="Globex",
        role="Data Analyst",
        needs_review=True,
        confidence=0.5,
        date=applied.date + timedelta(days=2),
    )
    store.apply_sync_batch(mailbox_id, "worker-a", [applied, unsure], new_cursor=None)
    (review,) = store.emails_for_review(user_id)

    store.accept_review(user_id, review.id)

    (application,) = store.applications(user_id)
    assert (application.company, application.status) == ("Globex", Status.REJECTED)


def test_review_decisions_are_recorded(store, mailbox_id, user_id, make_email):
    from sqlalchemy import text

    first = make_email(label=Label.OFFER, needs_review=True, confidence=0.3)
    second = make_email(label=Label.APPLIED, needs_review=True, confidence=0.3)
    store.apply_sync_batch(mailbox_id, "worker-a", [first, second], new_cursor=None)
    by_subject = {review.subject: review.id for review in store.emails_for_review(user_id)}
    store.dismiss_review(user_id, by_subject[first.subject])
    store.accept_review(user_id, by_subject[second.subject])

    with store.database.engine.connect() as connection:
        rows = connection.execute(text("SELECT gmail_message_id, review_state FROM email_records"))
        states = {message_id: state for message_id, state in rows}
    assert states == {first.gmail_message_id: "dismissed", second.gmail_message_id: "accepted"}


def test_a_forward_of_a_dismissed_email_changes_nothing(store, mailbox_id, user_id, make_email):
    unsure = make_email(label=Label.OFFER, needs_review=True, confidence=0.3)
    store.apply_sync_batch(mailbox_id, "worker-a", [unsure], new_cursor=None)
    (review,) = store.emails_for_review(user_id)
    store.dismiss_review(user_id, review.id)
    forward = make_email(
        label=Label.OFFER,
        confidence=0.9,
        rfc822_message_id=None,
        sender="me@gmail.com",
        subject=f"Fwd: {unsure.subject}",
        original_sender=unsure.sender,
        original_subject=unsure.subject,
        original_date=unsure.date,
    )

    store.apply_sync_batch(mailbox_id, "worker-a", [forward], new_cursor=None)

    assert store.applications(user_id) == []


def test_the_change_marker_moves_when_the_users_data_does(
    store, mailbox_id, user_id, make_email, clock
):
    before = store.change_marker(user_id)
    assert store.change_marker(user_id) == before
    clock.advance(5)
    store.apply_sync_batch(mailbox_id, "worker-a", [make_email()], new_cursor=None)
    after_email = store.change_marker(user_id)
    store.set_mailbox_state(mailbox_id, MailboxState.RECONNECT_NEEDED)

    assert after_email != before
    assert store.change_marker(user_id) != after_email


def test_a_long_thread_is_one_review_item_and_one_decision(store, mailbox_id, user_id, make_email):
    thread = [
        make_email(
            thread_id="long-thread", label=Label.INTERVIEWING, needs_review=True, confidence=0.4
        )
        for _ in range(50)
    ]
    other = make_email(label=Label.APPLIED, needs_review=True, confidence=0.4)
    store.apply_sync_batch(mailbox_id, "worker-a", [*thread, other], new_cursor=None)

    items = store.emails_for_review(user_id)

    assert len(items) == 2
    (item,) = [review for review in items if review.thread_id == "long-thread"]
    assert item.gmail_message_id == thread[-1].gmail_message_id  # the newest of the thread
    assert item.others_in_thread == 49
    store.accept_review(user_id, item.id)
    assert [review.thread_id for review in store.emails_for_review(user_id)] == [other.thread_id]
    (application,) = store.applications(user_id)
    detail = store.application(user_id, application.id)
    assert detail is not None and len(detail.events) == 50  # every email of the thread counted


LONG_S = "\u017f"  # case-folds to "s"
FULL_WIDTH_A = "\uff41"  # NFKC makes it "a"


def test_an_address_is_kept_and_found_in_one_canonical_form(store):
    user_id = store.create_user(f"{LONG_S}ally.Ro{LONG_S}s@Example.com")
    store.connect_mailbox(
        user_id, f"S{FULL_WIDTH_A}lly@Gmail.com", tier=Tier.FREE, refresh_token="t"
    )

    assert store.user(user_id).email == "sally.ross@example.com"
    assert store.mailbox_for_user(user_id).gmail_address == "sally@gmail.com"
    for spelling in ("SALLY.ROSS@example.com", f"s{FULL_WIDTH_A}lly.ro{LONG_S}s@example.com"):
        assert store.user_by_email(spelling).id == user_id
    assert store.mailbox_by_address(f"{LONG_S}ally@gmail.com").user_id == user_id
    assert store.canonical_email(f" {LONG_S}ALLY@Example.com ") == "sally@example.com"
    with pytest.raises(StorageError, match="already exists"):
        store.create_user(f"s{FULL_WIDTH_A}lly.ross@example.com")


@pytest.mark.parametrize(
    "address",
    ["pat @example.com", "pat\t@example.com", "pat\x00@example.com", "pat\u200b@example.com"],
    ids=["space", "tab", "NUL", "zero-width space"],
)
def test_an_address_with_spaces_or_control_characters_is_refused(store, address):
    with pytest.raises(ValueError, match="no spaces or control characters"):
        store.create_user(address)
    user_id = store.create_user("pat@example.com")
    with pytest.raises(ValueError, match="no spaces or control characters"):
        store.connect_mailbox(user_id, address, tier=Tier.FREE, refresh_token="t")

    assert store.user_by_email(address) is None
    assert store.mailbox_for_user(user_id) is None


@pytest.mark.parametrize(
    "address", ["seeker\x00@gmail.com", "seeker@gmail.com\x00", "seeker\ud800@gmail.com"]
)
def test_looking_up_an_address_no_row_can_hold_finds_nothing(store, mailbox_id, address):
    # PostgreSQL refuses NUL (and lone surrogates cannot be encoded): nothing may reach it.
    assert store.mailbox_by_address(address) is None
    assert store.user_by_email(address) is None


def test_ending_a_users_sessions_raises_only_that_users_session_version(store):
    pat = store.create_user("pat@example.com")
    sam = store.create_user("sam@example.com")
    assert store.user(pat).session_version == 0

    store.end_sessions(pat)
    store.end_sessions(pat)

    assert store.user(pat).session_version == 2
    assert store.user_by_email("pat@example.com").session_version == 2
    assert store.user(sam).session_version == 0
