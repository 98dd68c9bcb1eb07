"""Email Templates in the pages: follow-up drafts on an application's page, written only when
asked for (re-reading the recruiter's message through the Gmail sandbox, in its language, with its
recruiter and proposed times; a plain view makes no Gmail call), the board's "Follow-ups due",
Free accounts locked, and the rule a correction offers."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Blueprint, Flask
from flask.testing import FlaskClient
from session_helpers import csrf_token, signed_in
from test_api_writes import Api

from gmail import GmailConfig, OAuthClientConfig
from receiver.config import ReceiverConfig
from sandbox import SandboxServer
from sandbox.faults import parse_fault
from storage import IncomingEmail, Label, Plan, Store, Tier
from tests.storage.storage_testkit import backup_dump, raw_dump
from tests.sync_testkit import messages_get_calls, new_address

pytestmark = pytest.mark.unit

NOW = datetime.now(UTC).replace(microsecond=0)
SENT = NOW - timedelta(days=9)
FIRST, SECOND = SENT + timedelta(days=4), SENT + timedelta(days=6)
# A word only the message body holds: it must never reach the database or the logs.
BODY_SECRET = "quokkaberry"
CLIENT_ID = "applytrack-test"
GERMAN_WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
GERMAN_MONTHS = (
    "Januar", "Februar", "März", "April", "Mai", "Juni",
    "Juli", "August", "September", "Oktober", "November", "Dezember",
)  # fmt: skip


def english_body() -> str:
    return (
        "Hi Sam,\n\nThank you for your time so far. We would like to invite you to a second "
        f"interview about the {BODY_SECRET} project. Could you do one of these times?\n"
        f"- {FIRST:%A}, {FIRST:%B} {FIRST.day} at 10:00 am\n"
        f"- {SECOND:%A}, {SECOND:%B} {SECOND.day} at 2:30 pm\n\n"
        "Best regards,\nDana Fox\nTalent Acquisition, Acme Rocketry\n"
    )


def german_body() -> str:
    def german(day: datetime) -> str:
        return f"{GERMAN_WEEKDAYS[day.weekday()]}, {day.day}. {GERMAN_MONTHS[day.month - 1]}"

    return (
        "Hallo Sam,\n\nvielen Dank für Ihre Bewerbung. Wir laden Sie gern zu einem "
        f"Vorstellungsgespräch über das Projekt {BODY_SECRET} ein. Passt Ihnen einer dieser "
        f"Termine?\n- {german(FIRST)} um 10:00 Uhr\n- {german(SECOND)} um 14:30 Uhr\n\n"
        "Mit freundlichen Grüßen\nJonas Weber\nPersonalabteilung\n"
    )


@dataclass
class Seeker:
    """A signed-in account whose mailbox lives in the sandbox, with one application."""

    user_id: int
    address: str
    client: FlaskClient
    application_id: int
    gmail_message_id: str


@pytest.fixture
def config(config: ReceiverConfig, sandbox: SandboxServer) -> ReceiverConfig:
    """The receiver's config with Gmail and OAuth at the sandbox (two tries: a failing Gmail
    is given up on quickly)."""
    oauth = OAuthClientConfig(
        client_id=CLIENT_ID,
        client_secret="applytrack-test-secret",
        auth_uri=f"{sandbox.url}/o/oauth2/auth",
        token_uri=f"{sandbox.url}/token",
        revoke_uri=f"{sandbox.url}/revoke",
    )
    gmail = GmailConfig(
        api_endpoint=sandbox.url, oauth=oauth, max_attempts=2, max_backoff_seconds=0.1
    )
    return replace(config, gmail=gmail)


@pytest.fixture
def app(app: Flask) -> Flask:
    """The app, with a stand-in Filters form when that page is not part of it yet (the offer
    links to its contract: ``filters.new_rule`` at /settings/filters/new)."""
    if "filters.new_rule" not in app.view_functions:
        stand_in = Blueprint("filters", __name__)
        stand_in.add_url_rule("/settings/filters/new", "new_rule", lambda: "rule form")
        app.register_blueprint(stand_in)
    return app


def seeker(
    app: Flask,
    store: Store,
    sandbox: SandboxServer,
    *,
    plan: Plan = Plan.PREMIUM,
    body: str | None = None,
    sender: str = "Acme Careers <careers@acme.example>",
    subject: str = "Second interview",
    label: Label = Label.INTERVIEWING,
    company: str = "Acme Rocketry",
    days_ago: int = 9,
) -> Seeker:
    """An account on ``plan`` with a sandbox mailbox holding the recruiter's message, recorded
    (metadata only) as the newest email of an application."""
    address = new_address("sam")
    user_id = store.create_user(f"{address}.account@example.com", display_name="Sam Seeker")
    store.set_plan(user_id, plan)
    sent = NOW - timedelta(days=days_ago)
    delivered = sandbox.state.deliver(
        address,
        {
            "from": sender,
            "subject": subject,
            "date": format_datetime(sent),
            "body": body or english_body(),
        },
        notify=False,
    )
    token = sandbox.state.grant(address, client_id=CLIENT_ID)["refresh_token"]
    mailbox_id = store.connect_mailbox(user_id, address, tier=Tier.PREMIUM, refresh_token=token)
    assert store.acquire_lease(mailbox_id, "test", ttl_seconds=60)
    store.apply_sync_batch(
        mailbox_id,
        "test",
        [
            IncomingEmail(
                gmail_message_id=delivered["id"],
                thread_id=delivered["threadId"],
                rfc822_message_id=f"<{delivered['id']}@acme.example>",
                sender=sender,
                subject=subject,
                date=sent,
                label=label,
                confidence=0.97,
                company=company,
                role="Propulsion Engineer",
            )
        ],
        new_cursor=None,
    )
    store.release_lease(mailbox_id, "test")
    application_id = store.applications(user_id)[0].id
    return Seeker(user_id, address, signed_in(app, user_id), application_id, delivered["id"])


DRAFTS = "?drafts=1"


def page(who: Seeker, query: str = "", **headers: str) -> tuple[int, str]:
    response = who.client.get(f"/applications/{who.application_id}{query}", headers=headers)
    return response.status_code, unescape(response.get_data(as_text=True))


def draft_body(html: str, kind: str) -> str:
    start = html.index(f'id="draft-{kind}-body"')
    return html[html.index(">", start) + 1 : html.index("</textarea>", start)]


def gmail_calls(sandbox: SandboxServer, address: str) -> int:
    """Every Gmail API call the sandbox counted for the mailbox, whatever its method."""
    return sum(sandbox.state.stats(address)["calls"].values())


def test_a_free_account_sees_the_feature_described_and_locked(
    app: Flask, store: Store, sandbox: SandboxServer
) -> None:
    fay = seeker(app, store, sandbox, plan=Plan.FREE)

    status, html = page(fay, DRAFTS)
    board = unescape(fay.client.get("/").get_data(as_text=True))

    assert status == 200
    assert "Follow-up drafts" in html
    assert 'id="follow-ups-locked"' in html
    assert "Premium feature" in html and "operator" in html
    assert "follow-up-body" not in html and "Open in Gmail" not in html
    assert "Write follow-up drafts" not in html
    assert 'id="follow-ups-due-locked"' in board
    assert "Follow-ups due" in board
    assert messages_get_calls(sandbox, fay.address) == 0  # nothing is re-read for a locked feature


def test_drafts_re_read_the_recruiters_message_for_name_and_proposed_times(
    app: Flask, store: Store, sandbox: SandboxServer
) -> None:
    sam = seeker(app, store, sandbox)

    status, html = page(sam, DRAFTS)

    assert status == 200
    assert messages_get_calls(sandbox, sam.address) == 1  # one messages.get, format=full
    assert "could not be re-read" not in html
    scheduling = draft_body(html, "scheduling_reply")
    assert scheduling.startswith("Dear Dana Fox,")  # the signature, not "Acme Careers"
    assert f"- {FIRST:%A} {FIRST.date().isoformat()} at 10:00" in scheduling
    assert f"- {SECOND:%A} {SECOND.date().isoformat()} at 14:30" in scheduling
    assert draft_body(html, "thank_you").startswith("Dear Dana Fox,")
    assert 'id="follow-up-language"' in html
    assert '<option value="en" lang="en" selected>English</option>' in html
    compose = urlsplit(_compose_href(html, "scheduling_reply"))
    assert compose.netloc == "mail.google.com"
    assert parse_qs(compose.query)["to"] == ["careers@acme.example"]
    assert ">Send<" not in html  # we never send mail
    assert 'data-copy-target="draft-scheduling_reply-body"' in html


def test_a_plain_view_makes_no_gmail_call_and_offers_the_drafts(
    app: Flask, store: Store, sandbox: SandboxServer
) -> None:
    sam = seeker(app, store, sandbox)

    status, html = page(sam)
    again_status, _ = page(sam, "?drafts=0")

    assert (status, again_status) == (200, 200)
    assert gmail_calls(sandbox, sam.address) == 0
    assert "Follow-up drafts" in html and 'id="follow-ups-on-request"' in html
    assert 'id="follow-up-language-form"' in html
    assert '<input type="hidden" name="drafts" value="1">' in html
    assert '<option value="" selected>The recruiter\'s language</option>' in html
    assert "Write follow-up drafts</button>" in html
    assert "follow-up-body" not in html and "Open in Gmail" not in html


def test_asking_for_drafts_re_reads_once_and_the_live_refresh_does_not(
    app: Flask, store: Store, sandbox: SandboxServer
) -> None:
    sam = seeker(app, store, sandbox)

    _, asked = page(sam, DRAFTS)
    _, refreshed = page(sam, DRAFTS, **{"X-Live-Refresh": "1"})  # live.js in the background

    assert messages_get_calls(sandbox, sam.address) == 1
    assert 'id="draft-thank_you-body"' in asked
    assert 'id="draft-thank_you-body"' not in refreshed  # not a live part: nothing is lost
    assert 'id="activity-log"' in refreshed


def test_a_bad_drafts_value_is_a_400_naming_it(
    app: Flask, store: Store, sandbox: SandboxServer
) -> None:
    sam = seeker(app, store, sandbox)

    status, html = page(sam, "?drafts=please")

    assert status == 400
    assert "drafts: use drafts=1 to ask for the follow-up drafts." in html
    assert gmail_calls(sandbox, sam.address) == 0


def _compose_href(html: str, kind: str) -> str:
    link = f'id="draft-{kind}-compose" href="'
    href_start = html.index(link) + len(link)
    return html[href_start : html.index('"', href_start)]


def test_a_german_message_gives_german_drafts_with_its_times(
    app: Flask, store: Store, sandbox: SandboxServer
) -> None:
    sam = seeker(
        app,
        store,
        sandbox,
        body=german_body(),
        sender="Acme Personal <personal@acme.example>",
        subject="Einladung",
    )

    _, html = page(sam, DRAFTS)

    assert '<option value="de" lang="de" selected>Deutsch</option>' in html
    scheduling = draft_body(html, "scheduling_reply")
    assert scheduling.startswith("Guten Tag Jonas Weber,")
    first_day = GERMAN_WEEKDAYS[FIRST.weekday()]
    second_day = GERMAN_WEEKDAYS[SECOND.weekday()]
    assert f"- {first_day}, {FIRST.date().isoformat()} um 10:00 Uhr" in scheduling
    assert f"- {second_day}, {SECOND.date().isoformat()} um 14:30 Uhr" in scheduling
    assert "Mit freundlichen Grüßen\nSam Seeker" in scheduling


def test_the_language_choice_rewrites_the_drafts_and_refuses_an_unknown_one(
    app: Flask, store: Store, sandbox: SandboxServer
) -> None:
    sam = seeker(app, store, sandbox)

    status, html = page(sam, f"{DRAFTS}&language=fr")
    bad_status, bad = page(sam, f"{DRAFTS}&language=xx")

    assert status == 200
    assert '<option value="fr" lang="fr" selected>Français</option>' in html
    scheduling = draft_body(html, "scheduling_reply")
    assert scheduling.startswith("Bonjour Dana Fox,")
    assert f"{FIRST.date().isoformat()} à 10:00" in scheduling
    assert bad_status == 400
    assert "language: choose one of English, Español, Deutsch, Français, Português." in bad
    assert 'id="draft-scheduling_reply-body"' in bad  # the page still comes, in its language


@pytest.mark.parametrize("trouble", ["gmail_fails", "message_deleted", "token_revoked"])
def test_drafts_come_from_metadata_when_the_message_cannot_be_re_read(
    app: Flask, store: Store, sandbox: SandboxServer, trouble: str
) -> None:
    sam = seeker(app, store, sandbox, sender="Dana Fox <dana@acme.example>")
    if trouble == "gmail_fails":
        spec = {"kind": "status", "method": "messages.get", "status": 503, "count": 2}
        sandbox.state.faults.add(parse_fault(spec | {"email": sam.address}))
    elif trouble == "message_deleted":
        sandbox.state.delete_message(sam.address, sam.gmail_message_id)
    else:
        sandbox.state.revoke_all(sam.address)

    status, html = page(sam, DRAFTS)

    assert status == 200
    assert 'id="follow-ups-reread"' in html
    assert "could not be re-read" in html
    scheduling = draft_body(html, "scheduling_reply")
    assert scheduling.startswith("Dear Dana Fox,")  # the recorded sender's name
    assert "at 10:00" in scheduling and "at 14:00" in scheduling  # our own slots
    assert "14:30" not in scheduling  # none of the recruiter's times


def test_no_connected_mailbox_still_gives_drafts(
    app: Flask, store: Store, sandbox: SandboxServer
) -> None:
    sam = seeker(app, store, sandbox)
    mailbox = store.mailbox_for_user(sam.user_id)
    assert mailbox is not None
    store.disconnect_mailbox(mailbox.id)

    status, html = page(sam, DRAFTS)

    assert status == 200
    assert "Gmail is not connected, so the recruiter's message could not be re-read" in html
    assert 'id="draft-thank_you-body"' in html


def test_the_message_body_is_never_stored_nor_logged(
    app: Flask, store: Store, sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    sam = seeker(app, store, sandbox)
    caplog.set_level(logging.DEBUG)

    _, html = page(sam, DRAFTS)
    api = Api(sam.client, {"X-CSRFToken": csrf_token(sam.client, "/")})
    answer = api.call("GET", f"/api/applications/{sam.application_id}/follow-ups")

    assert "Dear Dana Fox," in html
    assert answer.status_code == 200
    assert answer.headers["X-Recruiter-Message"] == "re-read"
    assert BODY_SECRET not in raw_dump(store.database)
    assert BODY_SECRET not in backup_dump(store.database)  # the file itself, freed pages too
    assert BODY_SECRET not in caplog.text.casefold()
    assert "Second interview".casefold() not in raw_dump(store.database)  # subjects encrypted


def test_the_api_drafts_use_the_re_read_message_and_say_when_they_could_not(
    app: Flask, store: Store, sandbox: SandboxServer
) -> None:
    sam = seeker(app, store, sandbox)
    api = Api(sam.client, {"X-CSRFToken": csrf_token(sam.client, "/")})
    path = f"/api/applications/{sam.application_id}/follow-ups"

    drafts = {draft["kind"]: draft for draft in api.call("GET", path).get_json()}
    sandbox.state.delete_message(sam.address, sam.gmail_message_id)
    gone = api.call("GET", f"{path}?language=es")

    assert f"{FIRST:%A} {FIRST.date().isoformat()} at 10:00" in drafts["scheduling_reply"]["body"]
    assert drafts["scheduling_reply"]["body"].startswith("Dear Dana Fox,")
    assert gone.status_code == 200
    assert gone.headers["X-Recruiter-Message"] == "unavailable"
    assert all(draft["language"] == "es" for draft in gone.get_json())


def test_the_board_lists_follow_ups_due_newest_first_inside_the_live_region(
    app: Flask, store: Store, sandbox: SandboxServer
) -> None:
    sam = seeker(app, store, sandbox, days_ago=12)
    mailbox = store.mailbox_for_user(sam.user_id)
    assert mailbox is not None
    assert store.acquire_lease(mailbox.id, "test", ttl_seconds=60)
    store.apply_sync_batch(
        mailbox.id,
        "test",
        [
            IncomingEmail(
                gmail_message_id=f"newer-{sam.address}",
                thread_id=f"thread-newer-{sam.address}",
                rfc822_message_id=f"<newer-{sam.address}@beta.example>",
                sender="Beta Jobs <jobs@beta.example>",
                subject="We received your application",
                date=NOW - timedelta(days=8),
                label=Label.APPLIED,
                confidence=0.97,
                company="Beta Orbital",
                role="Test Pilot",
            ),
            IncomingEmail(
                gmail_message_id=f"fresh-{sam.address}",
                thread_id=f"thread-fresh-{sam.address}",
                rfc822_message_id=f"<fresh-{sam.address}@gamma.example>",
                sender="Gamma Jobs <jobs@gamma.example>",
                subject="We received your application",
                date=NOW - timedelta(days=1),
                label=Label.APPLIED,
                confidence=0.97,
                company="Gamma Labs",
                role="Analyst",
            ),
        ],
        new_cursor=None,
    )

    html = unescape(sam.client.get("/").get_data(as_text=True))

    region = html[html.index('<div id="follow-ups-due" data-live-part>') :]
    region = region[: region.index("</div>")]
    assert "Follow-ups due" in region
    assert region.index("Beta Orbital") < region.index("Acme Rocketry")  # newest first
    assert "Gamma Labs" not in region  # answered yesterday: not due yet
    link = f'href="/applications/{sam.application_id}?drafts=1#follow-ups"'
    assert link in region
    assert "waiting 12 days" in region


def correct(who: Seeker, email_id: int, **form: str) -> str:
    token = csrf_token(who.client, f"/applications/{who.application_id}")
    response = who.client.post(
        f"/emails/{email_id}/correction",
        data={"csrf_token": token, "page_application_id": str(who.application_id)} | form,
        follow_redirects=True,
    )
    assert response.status_code == 200
    return unescape(response.get_data(as_text=True))


def offer(html: str) -> tuple[str, str, dict[str, list[str]]]:
    """The offered rule's question, and its link's path and query."""
    start = html.index('class="rule-offer"')
    href_start = html.rindex('href="', 0, start) + len('href="')
    href = html[href_start : html.index('"', href_start)]
    question = html[html.index(">", start) + 1 : html.index("</a>", start)]
    parts = urlsplit(href)
    return question, parts.path, parse_qs(parts.query)


def first_email_id(store: Store, who: Seeker) -> int:
    detail = store.application(who.user_id, who.application_id)
    assert detail is not None
    return next(event.email.id for event in detail.events if event.email is not None)


def test_a_not_a_job_email_correction_offers_an_ignore_rule(
    app: Flask, store: Store, sandbox: SandboxServer
) -> None:
    sam = seeker(app, store, sandbox, sender="Roundup <Roundup@Substack.example>")

    html = correct(sam, first_email_id(store, sam), kind="not_job")

    question, path, query = offer(html)
    assert question == "Always ignore mail from roundup@substack.example?"
    assert path == "/settings/filters/new"
    assert query == {
        "name": ["Ignore roundup@substack.example"],
        "match": ["all"],
        "field": ["sender"],
        "op": ["equals"],
        "value": ["roundup@substack.example"],
        "action": ["ignore"],
    }


def test_a_wrong_status_correction_offers_a_set_status_rule(
    app: Flask, store: Store, sandbox: SandboxServer
) -> None:
    sam = seeker(app, store, sandbox)

    html = correct(sam, first_email_id(store, sam), kind="status", status="offer")

    question, path, query = offer(html)
    assert question == "Always set Offer Extended for mail from careers@acme.example?"
    assert path == "/settings/filters/new"
    assert query["action"] == ["set_status"]
    assert query["status"] == ["offer"]
    assert query["value"] == ["careers@acme.example"]
    assert query["field"] == ["sender"] and query["op"] == ["equals"]


def test_a_free_account_is_offered_no_rule(
    app: Flask, store: Store, sandbox: SandboxServer
) -> None:
    fay = seeker(app, store, sandbox, plan=Plan.FREE)

    html = correct(fay, first_email_id(store, fay), kind="not_job")

    assert "Corrected:" in html
    assert "rule-offer" not in html
    assert "Always ignore" not in html
