"""Email Templates in real Chromium at 1280 and 390 px: a Premium account with an application
waiting for an answer sees it under "Follow-ups due", follows it straight to the drafts written
from the recruiter's message (re-read through the sandbox), copies one; a plain view of the
page reads nothing from Gmail and offers the drafts, which it writes in the language chosen."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from applytrack.localstack import LocalStack
from storage import IncomingEmail, Label, Plan, Tier
from tests.browser.browser_testkit import no_horizontal_scroll, sign_up
from tests.sync_testkit import messages_get_calls

pytestmark = pytest.mark.browser

LIVE_TIMEOUT_MS = 30_000
# The phone is looked at in dark mode, the desktop in light mode.
VIEWPORTS = {"desktop": (1280, 860, "light"), "phone": (390, 844, "dark")}


@pytest.fixture(params=sorted(VIEWPORTS))
def sized_page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    """A fresh page at each of the two widths, allowed to use the clipboard."""
    width, height, scheme = VIEWPORTS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.width_name = request.param  # type: ignore[attr-defined]
    try:
        yield page
    finally:
        context.close()


def invitation_waiting(stack: LocalStack, user_id: int, sent: datetime) -> str:
    """The recruiter's invitation in the sandbox mailbox, recorded (metadata only) as the newest
    email of an application that nobody has answered since; the mailbox's address."""
    first, second = sent + timedelta(days=4), sent + timedelta(days=6)
    address = f"seeker.{secrets.token_hex(4)}@gmail.com"
    sender, subject = "Acme Careers <careers@acme.example>", "Second interview"
    delivered = stack.sandbox.state.deliver(
        address,
        {
            "from": sender,
            "subject": subject,
            "date": format_datetime(sent),
            "body": (
                "Hi,\n\nWe would like to invite you to a second interview. Could you do one "
                f"of these times?\n- {first:%A}, {first:%B} {first.day} at 10:00 am\n"
                f"- {second:%A}, {second:%B} {second.day} at 2:30 pm\n\n"
                "Best regards,\nDana Fox\nTalent Acquisition\n"
            ),
        },
        notify=False,
    )
    token = stack.sandbox.state.grant(address)["refresh_token"]
    mailbox_id = stack.store.connect_mailbox(user_id, address, tier=Tier.FREE, refresh_token=token)
    email = IncomingEmail(
        gmail_message_id=delivered["id"],
        thread_id=delivered["threadId"],
        rfc822_message_id=None,
        sender=sender,
        subject=subject,
        date=sent,
        label=Label.INTERVIEWING,
        confidence=0.95,
        company="Acme Rocketry",
        role="Propulsion Engineer",
    )
    assert stack.store.acquire_lease(mailbox_id, "browser-test", ttl_seconds=60)
    stack.store.apply_sync_batch(mailbox_id, "browser-test", [email], new_cursor=None)
    stack.store.release_lease(mailbox_id, "browser-test")
    return address


def shoot(page: Page, folder: Path, name: str) -> None:
    width = page.width_name  # type: ignore[attr-defined]
    page.screenshot(path=str(folder / f"14-follow-ups-{name}-{width}.png"), full_page=True)


def test_follow_ups_due_then_drafts_then_another_language(
    stack: LocalStack, sized_page: Page, screenshots: Path
) -> None:
    page = sized_page
    user_id = sign_up(page, stack, plan=Plan.PREMIUM)
    sent = datetime.now(UTC).replace(microsecond=0) - timedelta(days=9)
    address = invitation_waiting(stack, user_id, sent)
    first, second = sent + timedelta(days=4), sent + timedelta(days=6)

    page.goto(stack.web_url)
    due = page.locator("#follow-ups-due")
    expect(due.get_by_role("heading", name="Follow-ups due")).to_be_visible()
    expect(due).to_contain_text("waiting 9 days")
    shoot(page, screenshots, "board")
    assert no_horizontal_scroll(page)

    due.get_by_role("link", name="Acme Rocketry").click()  # straight to the drafts
    expect(page.get_by_role("heading", name="Follow-up drafts")).to_be_visible()
    draft = page.locator("#draft-scheduling_reply")
    expect(draft).to_be_visible()
    assert messages_get_calls(stack.sandbox, address) == 1
    english = draft.locator("textarea").input_value()
    assert english.startswith("Dear Dana Fox,")  # the signature's name, not "Acme Careers"
    assert f"- {first:%A} {first.date().isoformat()} at 10:00\n" in english
    assert f"- {second:%A} {second.date().isoformat()} at 14:30\n" in english
    expect(page.locator("#follow-ups-reread")).to_have_count(0)
    gmail_link = draft.get_by_role("link", name="Open in Gmail").get_attribute("href") or ""
    assert gmail_link.startswith("https://mail.google.com/mail/?view=cm")
    expect(page.get_by_role("button", name="Send")).to_have_count(0)

    draft.get_by_role("button", name="Copy").click()
    expect(draft.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == english
    shoot(page, screenshots, "drafts")
    assert no_horizontal_scroll(page)

    # The body is the user's to edit; "Open in Gmail" carries the edit.
    edited = english.replace("Dear Dana Fox,", "Hi Dana,")
    draft.locator("textarea").fill(edited)
    edited_link = draft.get_by_role("link", name="Open in Gmail").get_attribute("href") or ""
    assert parse_qs(urlsplit(edited_link).query)["body"] == [edited]
    draft.locator("textarea").fill(english)

    # The page keeps itself current (live.js) without reading the message again.
    application_id = stack.store.applications(user_id)[0].id
    interview = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    stack.store.edit_application(user_id, application_id, {"next_interview_at": interview})
    head = page.locator("#application-head")
    expect(head).to_contain_text("Next interview", timeout=LIVE_TIMEOUT_MS)
    expect(draft.locator("textarea")).to_have_value(english)
    assert messages_get_calls(stack.sandbox, address) == 1

    page.goto(page.url.split("?")[0])  # a plain view of the page
    expect(page.get_by_role("button", name="Write follow-up drafts")).to_be_visible()
    expect(page.locator("#follow-up-language")).to_have_value("")  # the recruiter's language
    expect(page.locator(".follow-up-body")).to_have_count(0)
    assert messages_get_calls(stack.sandbox, address) == 1  # nothing was read from Gmail
    shoot(page, screenshots, "on-request")
    assert no_horizontal_scroll(page)

    page.get_by_label("Language").select_option(label="Deutsch")
    page.get_by_role("button", name="Write follow-up drafts").click()
    expect(page.locator("#follow-up-language")).to_have_value("de")
    assert messages_get_calls(stack.sandbox, address) == 2
    german = page.locator("#draft-scheduling_reply textarea").input_value()
    assert german.startswith("Guten Tag Dana Fox,")
    assert f"{first.date().isoformat()} um 10:00 Uhr" in german
    assert f"{second.date().isoformat()} um 14:30 Uhr" in german
    shoot(page, screenshots, "german")
    assert no_horizontal_scroll(page)
