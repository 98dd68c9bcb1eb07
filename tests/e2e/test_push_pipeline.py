"""A message dropped into the sandbox goes all the way to a status event, through real parts:
sandbox → Gmail topic (emulator) → push subscription → webhook over HTTP → internal topic →
streaming-pull worker → Gmail API (google-api-python-client) → classifier → database.
"""

from __future__ import annotations

import base64
import json

import pytest
import requests
from e2e_testkit import METRICS_TOKEN, PROJECT, Stack
from google.cloud import pubsub_v1

from storage import Status

pytestmark = pytest.mark.e2e

CONFIRMATION = {
    "from": "Northwind Robotics <no-reply@northwind.greenhouse.io>",
    "subject": "Thank you for applying to Northwind Robotics",
    "body": (
        "Hi Sam,\n\nThank you for your interest in Northwind Robotics! We have received your "
        "application for the Backend Engineer position. Our team will review your application "
        "and be in touch if your experience is a good match.\n\n"
        "Best,\nNorthwind Robotics Recruiting"
    ),
}


def _application_status(stack: Stack, user_id: int) -> list[tuple[str | None, str]]:
    return [(app.company, app.status.value) for app in stack.store.applications(user_id)]


def _deliver_and_wait(stack: Stack, mailbox_id: int, address: str, message: dict) -> dict:
    answer = stack.deliver(address, message)
    stack.wait_synced(mailbox_id, int(answer["historyId"]))
    return answer


def _pushes_published(stack: Stack) -> int:
    authorization = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    text = requests.get(f"{stack.web_url}/metrics", headers=authorization, timeout=10).text
    line = next(x for x in text.splitlines() if x.startswith("applytrack_push_published_total"))
    return int(float(line.split()[-1]))


def test_confirmation_creates_an_applied_application(stack: Stack) -> None:
    user_id, mailbox_id, address = stack.connect_mailbox()
    pushes_before = _pushes_published(stack)
    _deliver_and_wait(stack, mailbox_id, address, CONFIRMATION)

    assert _pushes_published(stack) > pushes_before, "the change must come through the webhook"

    statuses = _application_status(stack, user_id)
    assert len(statuses) == 1
    assert statuses[0][1] == Status.APPLIED.value
    assert "northwind" in (statuses[0][0] or "").lower()


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            {
                "from": "Priya Shah <priya.shah@northwindrobotics.com>",
                "subject": "Re: Backend Engineer application",
                "body": (
                    "Hi Sam,\n\nThanks for applying. I'd love to schedule a time to chat about the "
                    "Backend Engineer role this week. Could you share a few times that work?\n\n"
                    "Priya Shah\nTechnical Recruiter, Northwind Robotics"
                ),
            },
            Status.INTERVIEWING,
        ),
        (
            {
                "from": "Priya Shah <priya.shah@northwindrobotics.com>",
                "subject": "Your offer from Northwind Robotics",
                "body": (
                    "Hi Sam,\n\nWe are thrilled to extend an offer for the Backend Engineer "
                    "position at Northwind Robotics. Your offer letter is attached; please review "
                    "it and let us know by Friday.\n\nPriya"
                ),
            },
            Status.OFFER,
        ),
        (
            {
                "from": "Northwind Robotics <no-reply@northwind.greenhouse.io>",
                "subject": "Update on your application to Northwind Robotics",
                "body": (
                    "Hi Sam,\n\nThank you for your interest in the Backend Engineer role. After "
                    "careful consideration, we have decided to move forward with other "
                    "candidates whose experience more closely matches our needs.\n\nWe wish you "
                    "the best in your search.\nNorthwind Robotics Recruiting"
                ),
            },
            Status.REJECTED,
        ),
    ],
    ids=["interviewing", "offer", "rejected"],
)
def test_follow_up_moves_the_application(stack: Stack, message: dict, expected: Status) -> None:
    user_id, mailbox_id, address = stack.connect_mailbox()
    first = _deliver_and_wait(stack, mailbox_id, address, CONFIRMATION)
    _deliver_and_wait(stack, mailbox_id, address, {**message, "threadId": first["threadId"]})

    applications = stack.store.applications(user_id)
    assert [a.status for a in applications] == [expected]
    detail = stack.store.application(user_id, applications[0].id)
    assert detail is not None
    applied_events = [e for e in detail.events if e.applied]
    assert [e.to_status for e in applied_events] == [Status.APPLIED, expected]
    assert applied_events[-1].email is not None
    assert applied_events[-1].email.subject == message["subject"]


def test_ordinary_email_changes_nothing(stack: Stack) -> None:
    user_id, mailbox_id, address = stack.connect_mailbox()
    _deliver_and_wait(stack, mailbox_id, address, CONFIRMATION)
    before = _application_status(stack, user_id)
    _deliver_and_wait(
        stack,
        mailbox_id,
        address,
        {
            "from": "City Library <notices@library.example.org>",
            "subject": "Your books are due next week",
            "body": "Three items on your card are due on Tuesday. Renew online any time.",
        },
    )
    assert _application_status(stack, user_id) == before


def test_the_api_shows_the_pipeline_result(stack: Stack) -> None:
    user_id, mailbox_id, address = stack.connect_mailbox()
    _deliver_and_wait(stack, mailbox_id, address, CONFIRMATION)
    integration = stack.store.integration(user_id)
    assert integration is not None
    assert integration.email == address
    assert integration.threads_monitored >= 2


def test_repeated_and_out_of_order_notifications_give_one_delivery(stack: Stack) -> None:
    """The same Gmail notification three times, then an older one: one status event in all."""
    user_id, mailbox_id, address = stack.connect_mailbox()
    answer = _deliver_and_wait(stack, mailbox_id, address, CONFIRMATION)
    publisher = pubsub_v1.PublisherClient()
    topic = publisher.topic_path(PROJECT, stack.settings.pubsub.gmail_topic)
    history = int(answer["historyId"])
    for history_id in (history, history, history, history - 1):
        data = json.dumps({"emailAddress": address, "historyId": history_id}).encode()
        publisher.publish(topic, data).result(timeout=10)
    # A later email proves the worker got past the replays before we look.
    _deliver_and_wait(
        stack,
        mailbox_id,
        address,
        {"from": "news@example.org", "subject": "Weekly digest", "body": "Nothing about jobs."},
    )
    applications = stack.store.applications(user_id)
    assert len(applications) == 1
    detail = stack.store.application(user_id, applications[0].id)
    assert detail is not None
    assert len(detail.events) == 1


def test_webhook_rejects_a_push_without_the_token(stack: Stack) -> None:
    body = {
        "message": {
            "data": base64.b64encode(b'{"emailAddress":"x@gmail.com","historyId":1}').decode(),
            "messageId": "1",
        },
        "subscription": f"projects/{PROJECT}/subscriptions/gmail-notifications-push",
    }
    response = requests.post(f"{stack.web_url}/pubsub/gmail", json=body, timeout=10)
    assert response.status_code in (401, 403)


GERMAN_CONFIRMATION = {
    "from": "Talentteam Lindenhof Logistik <karriere@lindenhof-logistik.de>",
    "subject": "Eingangsbestätigung Ihrer Bewerbung als Disponent (m/w/d)",
    "body": (
        "Sehr geehrter Herr Keller,\n\nvielen Dank für Ihre Bewerbung und Ihr Interesse an "
        "Lindenhof Logistik. Ihre Unterlagen sind vollständig bei uns eingegangen. Wir prüfen sie "
        "sorgfältig und melden uns innerhalb von zwei Wochen bei Ihnen.\n\n"
        "Mit freundlichen Grüßen\nIhr Talentteam\nLindenhof Logistik GmbH"
    ),
}
# A person at the company answering in the application's thread, with no stage words of its own
# and the confirmation's subject quoted: the thread is what makes it a recruiter's response.
RECRUITER_REPLY = {
    "from": "Jana Roth <jana.roth@lindenhof-logistik.de>",
    "subject": "Re: Eingangsbestätigung Ihrer Bewerbung als Disponent (m/w/d)",
    "body": (
        "Hallo Herr Keller,\n\ndanke für die Zeugnisse, die Sie nachgereicht haben. Ich habe "
        "alles an die Fachabteilung weitergegeben und komme Anfang nächster Woche auf Sie zu.\n\n"
        "Viele Grüße\nJana Roth"
    ),
}


def test_german_mail_and_a_recruiters_reply_in_its_thread(stack: Stack) -> None:
    user_id, mailbox_id, address = stack.connect_mailbox()
    first = _deliver_and_wait(stack, mailbox_id, address, GERMAN_CONFIRMATION)

    [application] = stack.store.applications(user_id)
    assert (application.company, application.role, application.status) == (
        "Lindenhof Logistik",
        "Disponent",
        Status.APPLIED,
    )

    _deliver_and_wait(
        stack, mailbox_id, address, {**RECRUITER_REPLY, "threadId": first["threadId"]}
    )

    [application] = stack.store.applications(user_id)
    assert application.status is Status.INTERVIEWING
    detail = stack.store.application(user_id, application.id)
    assert detail is not None
    reply_event = detail.events[-1]
    assert reply_event.email is not None and reply_event.email.subject == RECRUITER_REPLY["subject"]
    assert "context:thread_reply" in reply_event.reasons
    assert "replied in your application's thread" in reply_event.explanation


def test_the_same_reply_outside_an_applications_thread_is_not_an_interview(stack: Stack) -> None:
    user_id, mailbox_id, address = stack.connect_mailbox()
    _deliver_and_wait(stack, mailbox_id, address, RECRUITER_REPLY)

    statuses = [application.status for application in stack.store.applications(user_id)]
    assert Status.INTERVIEWING not in statuses
