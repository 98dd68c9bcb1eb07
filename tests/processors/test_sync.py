"""The sync of one mailbox, on real parts: the sandbox over HTTP through google-api-python-client,
the real classifier and a real database. Only the queue is left out (messages are handed in)."""

from __future__ import annotations

import time

import pytest
import requests

from applytrack.settings import Settings
from applytrack.worker_wiring import mailbox_connector, sync_policy
from messaging import MailboxChanged
from processors import MailboxBusy, MailboxSyncer, SyncOutcome, SyncProgress
from sandbox import SandboxServer
from storage import LeaseRefused, MailboxState, Status, Store, Tier
from tests.sync_testkit import new_address, settings_for

CONFIRMATION = {
    "from": "Lumen Health <no-reply@lumenhealth.lever.co>",
    "subject": "Thanks for applying to Lumen Health",
    "body": (
        "Hi Alex,\n\nThanks for applying for the Data Analyst position at Lumen Health. We have "
        "received your application and our team is reviewing it.\n\nLumen Health Talent Team"
    ),
}
REJECTION = {
    "from": "Lumen Health <no-reply@lumenhealth.lever.co>",
    "subject": "Your application to Lumen Health",
    "body": (
        "Hi Alex,\n\nThank you for taking the time to apply for the Data Analyst role. We have "
        "decided to move forward with other candidates at this time.\n\nLumen Health Talent Team"
    ),
}


def make_syncer(settings: Settings, store: Store, classifier, worker: str = "test-worker"):
    policy = sync_policy(settings, worker=worker)
    return MailboxSyncer(store, classifier, mailbox_connector(settings), policy)


def new_mailbox(
    sandbox: SandboxServer, store: Store, *, tier: Tier = Tier.FREE
) -> tuple[int, int, str]:
    address = new_address("alex")
    sandbox.state.deliver(
        address,
        {"from": "hello@example.org", "to": address, "subject": "Hello", "body": "Welcome."},
    )
    grant = sandbox.state.grant(address)
    user_id = store.create_user(f"owner.{address}")
    mailbox_id = store.connect_mailbox(
        user_id, address, tier=tier, refresh_token=grant["refresh_token"]
    )
    return user_id, mailbox_id, address


def event_count(store: Store, user_id: int) -> int:
    return sum(len(store.application(user_id, a.id).events) for a in store.applications(user_id))


def synced_mailbox(
    sandbox: SandboxServer, store: Store, settings: Settings, classifier, *, tier: Tier = Tier.FREE
) -> tuple[int, int, str, MailboxSyncer]:
    """A new mailbox after its initial sync, and the syncer that made it."""
    user_id, mailbox_id, address = new_mailbox(sandbox, store, tier=tier)
    syncer = make_syncer(settings, store, classifier)
    syncer.handle(MailboxChanged(mailbox_id, None, "initial"))
    return user_id, mailbox_id, address, syncer


def test_initial_sync_then_history_delta(sandbox, store, settings, classifier) -> None:
    user_id, mailbox_id, address = new_mailbox(sandbox, store)
    sandbox.state.deliver(address, {**CONFIRMATION, "to": address})
    syncer = make_syncer(settings, store, classifier)

    first = syncer.handle(MailboxChanged(mailbox_id, None, "initial"))
    assert first.messages_seen == 2
    assert [a.status for a in store.applications(user_id)] == [Status.APPLIED]

    answer = sandbox.state.deliver(address, {**REJECTION, "to": address})
    syncer.handle(MailboxChanged(mailbox_id, int(answer["historyId"]), "push"))
    assert [a.status for a in store.applications(user_id)] == [Status.REJECTED]
    assert store.mailbox(mailbox_id).history_cursor >= int(answer["historyId"])


def test_replays_and_out_of_order_notifications_change_nothing(
    sandbox, store, settings, classifier
) -> None:
    user_id, mailbox_id, address, syncer = synced_mailbox(sandbox, store, settings, classifier)
    first = sandbox.state.deliver(address, {**CONFIRMATION, "to": address})
    second = sandbox.state.deliver(address, {**REJECTION, "to": address})

    for history_id in (
        second["historyId"],
        second["historyId"],
        second["historyId"],
        first["historyId"],
    ):
        syncer.handle(MailboxChanged(mailbox_id, int(history_id), "push"))

    assert [a.status for a in store.applications(user_id)] == [Status.REJECTED]
    assert event_count(store, user_id) == 2


def test_stale_cursor_resyncs_without_duplicates(sandbox, store, settings, classifier) -> None:
    user_id, mailbox_id, address = new_mailbox(sandbox, store)
    syncer = make_syncer(settings, store, classifier)
    sandbox.state.deliver(address, {**CONFIRMATION, "to": address})
    syncer.handle(MailboxChanged(mailbox_id, None, "initial"))
    events_before = event_count(store, user_id)

    answer = sandbox.state.deliver(address, {**REJECTION, "to": address})
    requests.post(f"{sandbox.url}/sandbox/users/{address}/expire-history", json={}, timeout=5)
    result = syncer.handle(MailboxChanged(mailbox_id, int(answer["historyId"]), "push"))

    assert result.resynced
    assert [a.status for a in store.applications(user_id)] == [Status.REJECTED]
    assert event_count(store, user_id) == events_before + 1
    runs = store.sync_runs(mailbox_id)
    assert runs[0].status == "resynced"


def test_sent_and_spam_mail_is_never_classified(sandbox, store, settings, classifier) -> None:
    user_id, mailbox_id, address, syncer = synced_mailbox(sandbox, store, settings, classifier)
    sandbox.state.deliver(address, {**CONFIRMATION, "to": address, "labelIds": ["SENT"]})
    answer = sandbox.state.deliver(address, {**REJECTION, "to": address, "labelIds": ["SPAM"]})
    syncer.handle(MailboxChanged(mailbox_id, int(answer["historyId"]), "push"))
    assert store.applications(user_id) == []
    assert store.mailbox(mailbox_id).history_cursor >= int(answer["historyId"])


def test_revoked_grant_turns_the_mailbox_to_reconnect_needed(
    sandbox, store, settings, classifier
) -> None:
    _, mailbox_id, address = new_mailbox(sandbox, store)
    requests.post(f"{sandbox.url}/sandbox/users/{address}/revoke-all", timeout=5)
    syncer = make_syncer(settings, store, classifier)
    result = syncer.handle(MailboxChanged(mailbox_id, None, "poll"))
    assert result.skipped
    assert store.mailbox(mailbox_id).state is MailboxState.RECONNECT_NEEDED
    assert "reconnect" in (store.sync_runs(mailbox_id)[0].error or "").lower()


def test_a_message_for_a_leased_mailbox_is_recorded_for_the_holder(
    sandbox, store, settings, classifier
) -> None:
    _, mailbox_id, _ = new_mailbox(sandbox, store)
    assert store.acquire_lease(mailbox_id, "other-worker", ttl_seconds=60)
    syncer = make_syncer(settings, store, classifier)

    result = syncer.handle(MailboxChanged(mailbox_id, None, "poll"))

    assert (result.outcome, result.passes) == (SyncOutcome.HANDED_OVER, 0)
    [behind] = store.behind_mailboxes()
    assert (behind.mailbox_id, behind.leased) == (mailbox_id, True)
    store.release_lease(mailbox_id, "other-worker")  # its holder died: the sweep's message
    sweep = MailboxChanged(mailbox_id, behind.wanted_history_id, "sweep")
    assert syncer.handle(sweep).outcome is SyncOutcome.SYNCED
    assert store.behind_mailboxes() == []


def test_the_foreground_sync_waits_rather_than_hands_over(
    sandbox, store, settings, classifier
) -> None:
    _, mailbox_id, _ = new_mailbox(sandbox, store)
    assert store.acquire_lease(mailbox_id, "other-worker", ttl_seconds=60)
    syncer = make_syncer(settings, store, classifier)
    with pytest.raises(MailboxBusy):
        syncer.handle(MailboxChanged(mailbox_id, None, "sync_now"), hand_over=False)
    assert store.behind_mailboxes() == []  # nothing recorded
    store.release_lease(mailbox_id, "other-worker")
    assert not syncer.handle(MailboxChanged(mailbox_id, None, "sync_now"), hand_over=False).skipped


def test_a_push_the_cursor_has_passed_is_done_even_while_another_worker_syncs(
    sandbox, store, settings, classifier
) -> None:
    _, mailbox_id, _, syncer = synced_mailbox(sandbox, store, settings, classifier)
    cursor = store.mailbox(mailbox_id).history_cursor
    assert store.acquire_lease(mailbox_id, "other-worker", ttl_seconds=60)
    assert syncer.handle(MailboxChanged(mailbox_id, cursor, "push")).outcome is (
        SyncOutcome.COVERED
    )
    assert store.behind_mailboxes() == []
    news = syncer.handle(MailboxChanged(mailbox_id, cursor + 1, "push"))
    assert news.outcome is SyncOutcome.HANDED_OVER  # acked: the holder syncs it
    assert [m.wanted_history_id for m in store.behind_mailboxes()] == [cursor + 1]


def test_a_notification_that_arrives_mid_sync_is_synced_before_the_release(
    sandbox, store, settings, classifier
) -> None:
    """Another worker records a push while this one syncs (after it read Gmail's history):
    the holder's re-check sees it and runs one more pass before it lets the lease go."""
    user_id, mailbox_id, address, _ = synced_mailbox(sandbox, store, settings, classifier)
    first = sandbox.state.deliver(address, {**CONFIRMATION, "to": address})
    arrived: list[int] = []

    def another_push_arrives(progress: SyncProgress) -> None:
        if not arrived:
            late = sandbox.state.deliver(address, {**REJECTION, "to": address})
            arrived.append(int(late["historyId"]))
            refused = store.request_sync(
                mailbox_id, "other-worker", ttl_seconds=30, history_id=arrived[0]
            )
            assert isinstance(refused, LeaseRefused)  # recorded for the holder, then acked

    syncer = MailboxSyncer(
        store,
        classifier,
        mailbox_connector(settings),
        sync_policy(settings, worker="holder"),
        on_progress=another_push_arrives,
    )
    result = syncer.handle(MailboxChanged(mailbox_id, int(first["historyId"]), "push"))

    assert (result.outcome, result.passes) == (SyncOutcome.SYNCED, 2)
    assert store.mailbox(mailbox_id).history_cursor >= arrived[0]
    assert [a.status for a in store.applications(user_id)] == [Status.REJECTED]
    assert [run.kind for run in store.sync_runs(mailbox_id)][:2] == ["catch_up", "push"]
    assert store.behind_mailboxes() == []


def test_a_push_whose_id_equals_a_polls_placeholder_still_gets_its_pass(
    sandbox, store, settings, classifier
) -> None:
    """A poll (no history id) is recorded as "cursor + 1"; the email that arrives mid-sync gets
    exactly that history id, so its push does not raise the wanted id. It must still change it,
    or the holder would release without reading that email."""
    user_id, mailbox_id, address, _ = synced_mailbox(sandbox, store, settings, classifier)
    cursor = store.mailbox(mailbox_id).history_cursor
    arrived: list[int] = []

    def push_arrives(progress: SyncProgress) -> None:
        if not arrived:
            late = sandbox.state.deliver(address, {**CONFIRMATION, "to": address})
            arrived.append(int(late["historyId"]))
            store.request_sync(mailbox_id, "other-worker", ttl_seconds=30, history_id=arrived[0])

    syncer = MailboxSyncer(
        store,
        classifier,
        mailbox_connector(settings),
        sync_policy(settings, worker="holder"),
        on_progress=push_arrives,
    )
    result = syncer.handle(MailboxChanged(mailbox_id, None, "poll"))

    assert arrived == [cursor + 1], "the test needs the collision"
    assert result.passes == 2
    assert store.mailbox(mailbox_id).history_cursor >= arrived[0]
    assert [a.status for a in store.applications(user_id)] == [Status.APPLIED]


class ClassifierWithAHook:
    """The real classifier, running ``hook`` once before its first batch: the moment a pass has
    read Gmail and not yet written its cursor."""

    def __init__(self, classifier, hook) -> None:
        self._classifier, self._hook = classifier, hook

    def classify_many(self, emails):
        hook, self._hook = self._hook, None
        if hook is not None:
            hook()
        return self._classifier.classify_many(emails)

    def __getattr__(self, name: str):
        return getattr(self._classifier, name)


def test_a_sync_now_made_during_another_pass_gets_a_pass_of_its_own(
    sandbox, store, settings, classifier
) -> None:
    """Sync Now asks for Gmail as it is now. Made while a pass runs (after that pass read Gmail,
    before it moved the cursor past the request's placeholder), it is not satisfied by the cursor
    that pass reaches: the user revoked access meanwhile, and only a pass after the request can
    find that out."""
    _, mailbox_id, address, _ = synced_mailbox(sandbox, store, settings, classifier)
    first = sandbox.state.deliver(address, {**CONFIRMATION, "to": address})
    # Mail the push did not announce: the pass reads past what the request could have named.
    sandbox.state.deliver(address, {**REJECTION, "to": address})
    requested: list[LeaseRefused] = []

    def revoked_then_sync_now() -> None:
        requests.post(f"{sandbox.url}/sandbox/users/{address}/revoke-all", timeout=5)
        refused = store.request_sync(mailbox_id, "web", ttl_seconds=30, history_id=None)
        assert isinstance(refused, LeaseRefused)
        requested.append(refused)

    syncer = MailboxSyncer(
        store,
        ClassifierWithAHook(classifier, revoked_then_sync_now),
        mailbox_connector(settings),
        sync_policy(settings, worker="holder"),
    )
    syncer.handle(MailboxChanged(mailbox_id, int(first["historyId"]), "push"))

    assert requested, "the test needs the request to land mid-pass"
    assert store.mailbox(mailbox_id).history_cursor >= int(first["historyId"])
    assert store.mailbox(mailbox_id).state is MailboxState.RECONNECT_NEEDED
    assert store.behind_mailboxes() == []


def test_a_first_sync_that_finds_no_mail_says_so(sandbox, store, settings, classifier) -> None:
    address = new_address("empty")
    grant = sandbox.state.grant(address)
    user_id = store.create_user(f"owner.{address}")
    mailbox_id = store.connect_mailbox(
        user_id, address, tier=Tier.FREE, refresh_token=grant["refresh_token"]
    )
    syncer = make_syncer(settings, store, classifier)

    syncer.handle(MailboxChanged(mailbox_id, None, "initial"))

    [run] = store.sync_runs(mailbox_id)
    assert (run.kind, run.status, run.found_no_mail) == ("initial", "no_mail", True)
    warning = "No mail found in the last 30 days — is this the account you apply from?"
    assert run.error == warning
    integration = store.integration(user_id)
    assert integration is not None and integration.no_mail_warning == warning
    assert store.mailbox(mailbox_id).history_cursor is not None

    answer = sandbox.state.deliver(address, {**CONFIRMATION, "to": address})
    syncer.handle(MailboxChanged(mailbox_id, int(answer["historyId"]), "push"))
    integration = store.integration(user_id)
    assert integration is not None and integration.no_mail_warning is None


def test_emails_that_change_nothing_are_logged_not_counted_as_changes(
    sandbox, store, settings, classifier
) -> None:
    """A long thread of the same news: one status change, the rest in the log as not applied."""
    user_id, mailbox_id, address, syncer = synced_mailbox(sandbox, store, settings, classifier)
    first = sandbox.state.deliver(address, {**REJECTION, "to": address})
    thread = {"threadId": first["threadId"]}
    for n in range(4):
        reply = {**REJECTION, "to": address, "subject": f"Re: {REJECTION['subject']} ({n})"}
        last = sandbox.state.deliver(address, {**reply, **thread})

    result = syncer.handle(MailboxChanged(mailbox_id, int(last["historyId"]), "push"))

    [application] = store.applications(user_id)
    detail = store.application(user_id, application.id)
    assert detail is not None and detail.status is Status.REJECTED
    changes = [e for e in detail.events if e.applied]
    assert len(changes) == 1, [(e.from_status, e.to_status, e.applied) for e in detail.events]
    assert result.events_written == 1
    assert store.sync_runs(mailbox_id)[0].events_written == 1
    assert sum(store.status_moves(user_id).values()) == 1


def test_premium_mailbox_is_watched_after_the_initial_sync(
    sandbox, store, settings, classifier
) -> None:
    _, mailbox_id, address, _ = synced_mailbox(
        sandbox, store, settings, classifier, tier=Tier.PREMIUM
    )
    mailbox = store.mailbox(mailbox_id)
    assert mailbox.watch_expiration is not None
    stats = requests.get(f"{sandbox.url}/sandbox/users/{address}/stats", timeout=5).json()
    assert stats["watch"]


def test_a_message_deleted_before_it_is_fetched_is_skipped(
    sandbox, store, settings, classifier
) -> None:
    user_id, mailbox_id, address, syncer = synced_mailbox(sandbox, store, settings, classifier)
    sandbox.state.deliver(address, {**CONFIRMATION, "to": address})
    answer = sandbox.state.deliver(address, {**REJECTION, "to": address, "subject": "Re: hi"})
    fault = {"kind": "delete_before_get", "method": "messages.get", "count": 1, "email": address}
    requests.post(f"{sandbox.url}/sandbox/faults", json=fault, timeout=5).raise_for_status()

    result = syncer.handle(MailboxChanged(mailbox_id, int(answer["historyId"]), "push"))

    assert result.messages_seen == 1  # the other one was deleted between history and get
    assert store.mailbox(mailbox_id).history_cursor >= int(answer["historyId"])
    assert len(store.applications(user_id)) == 1


def test_a_forward_in_another_language_is_read_for_the_message_it_forwards(
    sandbox, store, settings, classifier
) -> None:
    user_id, mailbox_id, address, syncer = synced_mailbox(sandbox, store, settings, classifier)
    body = (
        "\n\n________________________________\nVon: Maria Keller <maria.keller@brightloop.example>"
        "\nGesendet: Montag, 3. März 2025 09:12\nAn: alex@outlook.com\nBetreff: Termin\n\n"
        "Hallo Alex,\n\nvielen Dank für Ihre Bewerbung als Projektleiter (m/w/d). Wir laden Sie "
        "herzlich zu einem Vorstellungsgespräch am Donnerstag um 10 Uhr ein. Bitte bestätigen Sie "
        "den Termin.\n\nViele Grüße\nMaria Keller"
    )
    forward = {"from": "Alex <alex@outlook.com>", "to": address, "subject": "WG: Termin"}
    answer = sandbox.state.deliver(address, {**forward, "body": body})

    syncer.handle(MailboxChanged(mailbox_id, int(answer["historyId"]), "push"))

    applications = store.applications(user_id)
    assert [(a.company, a.status) for a in applications] == [("Brightloop", Status.INTERVIEWING)]


def test_syncs_on_one_thread_share_one_kept_alive_connection_to_gmail(
    sandbox, store, settings, classifier
) -> None:
    user_id, mailbox_id, address, syncer = synced_mailbox(sandbox, store, settings, classifier)
    connections = sandbox.connections_accepted

    for email in (CONFIRMATION, REJECTION):
        answer = sandbox.state.deliver(address, {**email, "to": address})
        syncer.handle(MailboxChanged(mailbox_id, int(answer["historyId"]), "push"))

    assert [a.status for a in store.applications(user_id)] == [Status.REJECTED]
    # Two syncs, four Gmail calls, and not one new TCP (in production, TLS) handshake.
    assert sandbox.connections_accepted == connections


def test_a_push_sync_is_recorded_as_one_finished_run(sandbox, store, settings, classifier) -> None:
    _, mailbox_id, address, syncer = synced_mailbox(sandbox, store, settings, classifier)
    answer = sandbox.state.deliver(address, {**CONFIRMATION, "to": address})

    syncer.handle(MailboxChanged(mailbox_id, int(answer["historyId"]), "push"))

    push, initial = store.sync_runs(mailbox_id)
    assert (push.kind, push.status, push.messages_seen, push.events_written) == ("push", "ok", 1, 1)
    assert initial.kind == "initial" and initial.status == "ok"
    assert initial.finished_at <= push.started_at <= push.finished_at


def test_a_connection_gmail_closed_while_idle_is_opened_again(
    store, tmp_path, any_database_url, classifier
) -> None:
    with SandboxServer(keep_alive_seconds=0.3) as sandbox:
        settings = settings_for(sandbox, tmp_path, any_database_url)
        user_id, mailbox_id, address, syncer = synced_mailbox(sandbox, store, settings, classifier)
        time.sleep(0.8)  # the sandbox closes the idle connection
        opened = sandbox.connections_accepted

        answer = sandbox.state.deliver(address, {**CONFIRMATION, "to": address})
        result = syncer.handle(MailboxChanged(mailbox_id, int(answer["historyId"]), "push"))

        assert (result.messages_seen, result.rate_limited) == (1, 0)
        assert [a.status for a in store.applications(user_id)] == [Status.APPLIED]
        # A new connection, not an error. (How many depends on the pauses within the sync, each
        # of which the sandbox may also end a connection in: exactly one more failed on a slow
        # run, when a 0.3 s pause between two requests of the push came too.)
        assert sandbox.connections_accepted > opened
