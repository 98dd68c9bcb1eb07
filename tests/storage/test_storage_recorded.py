"""`Store.recorded`: what a sync skips and the thread context it classifies with, read in one
query per few hundred ids, whatever the mix of message ids and thread ids."""

from __future__ import annotations

from storage import Label, Status


def test_recorded_reads_known_messages_and_thread_applications_across_chunks(
    store, mailbox_id, user_id, make_email
):
    job = make_email(label=Label.INTERVIEWING, thread_id="t-job")
    ordinary = make_email(label=Label.NONE, thread_id="t-plain", company=None, role=None)
    store.apply_sync_batch(mailbox_id, "worker-a", [job, ordinary], new_cursor=5)
    (application,) = store.applications(user_id)

    # 1,200 ids (three chunks of ids) against two threads (one chunk): the recorded ones sit
    # in the last chunk, and an id of the job thread that was never recorded is asked about.
    unknown = [f"never-{n}" for n in range(1_198)]
    asked = [*unknown, ordinary.gmail_message_id, job.gmail_message_id]
    found = store.recorded(mailbox_id, asked, ["t-plain", "t-job", "t-job"])

    assert found.known_message_ids == {job.gmail_message_id, ordinary.gmail_message_id}
    assert set(found.threads) == {"t-job"}
    context = found.threads["t-job"]
    assert (context.application_id, context.status) == (application.id, Status.INTERVIEWING)
    assert context.company == "Acme Rocketry"


def test_a_thread_asked_about_alone_gives_its_application_and_no_known_ids(
    store, mailbox_id, user_id, make_email
):
    job = make_email(label=Label.APPLIED, thread_id="t-job")
    store.apply_sync_batch(mailbox_id, "worker-a", [job], new_cursor=5)

    found = store.recorded(mailbox_id, ["new-message"], ["t-job", "t-unknown"])

    assert found.known_message_ids == set()
    assert set(found.threads) == {"t-job"}
    assert store.recorded(mailbox_id, [], []).known_message_ids == set()
