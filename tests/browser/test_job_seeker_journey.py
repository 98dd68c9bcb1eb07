"""The job seeker's journey in real Chromium against the real local stack: sign up, Connect Gmail
through the sandbox's consent page, watch the board fill and change live, set a status by hand,
disconnect, reconnect, and recover from a revoked grant.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Locator, Page, expect

from applytrack.localstack import LocalStack

pytestmark = pytest.mark.browser

LIVE_TIMEOUT_MS = 30_000
PASSWORD = "correct horse battery staple"

NORTHWIND_APPLIED = {
    "from": "Northwind Robotics <no-reply@northwind.greenhouse.io>",
    "subject": "Thank you for applying to Northwind Robotics",
    "body": (
        "Hi Sam,\n\nThank you for your interest in Northwind Robotics! We have received your "
        "application for the Backend Engineer position. Our team will review your application "
        "and be in touch if your experience is a good match.\n\nBest,\nNorthwind Robotics"
    ),
}
NORTHWIND_REJECTED = {
    "from": "Northwind Robotics <no-reply@northwind.greenhouse.io>",
    "subject": "Update on your application to Northwind Robotics",
    "body": (
        "Hi Sam,\n\nThank you for taking the time to apply. After reviewing your application, "
        "we have decided to move forward with other candidates whose experience more closely "
        "matches our current needs. We wish you the best in your search.\n\nNorthwind Robotics"
    ),
}
LUMEN_APPLIED = {
    "from": "Lumen Health <no-reply@lumenhealth.lever.co>",
    "subject": "Lumen Health | Your application for Analytics Engineer",
    "body": (
        "Hi Sam,\n\nThank you for your interest in Lumen Health! We've received your "
        "application for Analytics Engineer and will review it carefully.\n\n"
        "The Lumen Health Recruiting Team"
    ),
}
LUMEN_REJECTED = {
    "from": "Lumen Health <no-reply@lumenhealth.lever.co>",
    "subject": "Update on your application to Lumen Health",
    "body": (
        "Hi Sam,\n\nThank you for taking the time to apply. After reviewing your application, "
        "we have decided to move forward with other candidates. We wish you the best in your "
        "search.\n\nLumen Health"
    ),
}


def deliver(stack: LocalStack, address: str, message: dict, thread_id: str | None = None) -> dict:
    """Drop an email into the sandbox mailbox, as if it had just arrived."""
    extra = {"threadId": thread_id} if thread_id else {}
    return stack.sandbox.state.deliver(address, {"to": address, **message, **extra})  # type: ignore[attr-defined]


def shoot(page: Page, folder: Path, name: str) -> None:
    """Save a full-page screenshot for a person to look at."""
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def sign_up(page: Page, stack: LocalStack, email: str) -> None:
    page.goto(stack.web_url)
    expect(page).to_have_url(re.compile(r"/sign-in"))
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Your name").fill("Sam Seeker")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Integrations")).to_be_visible()


def consent(page: Page, address: str, *, decision: str = "Allow", keep_scope: bool = True) -> None:
    """Answer the sandbox's Google consent page."""
    expect(page.get_by_role("heading", name="Sandbox Google sign-in")).to_be_visible()
    page.get_by_label("Gmail address").fill(address)
    if not keep_scope:
        page.get_by_role("checkbox").uncheck()
    page.get_by_role("button", name=decision).click()


def open_from_sidebar(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


def row(page: Page, company: str) -> Locator:
    return page.get_by_role("row").filter(has_text=company)


def test_the_whole_journey(stack: LocalStack, page: Page, screenshots: Path) -> None:
    address = f"sam.{secrets.token_hex(3)}@gmail.com"
    northwind = deliver(stack, address, NORTHWIND_APPLIED)
    lumen = deliver(stack, address, LUMEN_APPLIED)

    page.goto(stack.web_url)
    shoot(page, screenshots, "01-sign-in")
    sign_up(page, stack, f"sam.{secrets.token_hex(3)}@example.com")
    shoot(page, screenshots, "02-integrations-not-connected")

    page.get_by_role("button", name="Connect Gmail").click()
    expect(page.get_by_role("heading", name="Sandbox Google sign-in")).to_be_visible()
    shoot(page, screenshots, "03-consent")
    consent(page, address)
    expect(page.get_by_text("Gmail connected")).to_be_visible()
    expect(page.locator("#gmail-state")).to_have_text("Active")

    # The initial sync fills the board; the page updates itself, nobody reloads.
    open_from_sidebar(page, "Applications")
    page.evaluate("window.__not_reloaded = true")
    expect(row(page, "Northwind")).to_contain_text("Applied", timeout=LIVE_TIMEOUT_MS)
    expect(row(page, "Lumen")).to_contain_text("Applied", timeout=LIVE_TIMEOUT_MS)
    shoot(page, screenshots, "04-applications")

    # A rejection arrives: the open page shows it without a reload.
    deliver(stack, address, NORTHWIND_REJECTED, thread_id=northwind["threadId"])
    expect(row(page, "Northwind")).to_contain_text("Rejected", timeout=LIVE_TIMEOUT_MS)
    assert page.evaluate("window.__not_reloaded === true")
    page.set_viewport_size({"width": 390, "height": 844})
    shoot(page, screenshots, "05-applications-phone")
    page.set_viewport_size({"width": 1280, "height": 860})

    # A status set by hand stays when a later email says otherwise.
    row(page, "Lumen").get_by_role("link").click()
    expect(page.get_by_role("heading", name="Activity Log")).to_be_visible()
    page.get_by_label("Status", exact=True).select_option(label="Interviewing")
    page.get_by_role("button", name="Save status").click()
    expect(page.locator("#current-status")).to_have_text("Interviewing")
    expect(page.get_by_text("Changed by you")).to_be_visible()
    page.evaluate("window.__not_reloaded = true")
    deliver(stack, address, LUMEN_REJECTED, thread_id=lumen["threadId"])
    expect(page.get_by_text("logged, not applied", exact=True)).to_be_visible(
        timeout=LIVE_TIMEOUT_MS
    )
    expect(page.locator("#current-status")).to_have_text("Interviewing")
    assert page.evaluate("window.__not_reloaded === true")
    shoot(page, screenshots, "06-application-detail")

    # Disconnect keeps the applications; Reconnect brings syncing back.
    open_from_sidebar(page, "Settings")
    expect(page.get_by_text("Threads monitored")).to_be_visible()
    expect(page.get_by_text("Last Sync")).to_be_visible()
    shoot(page, screenshots, "07-integrations-active")
    page.get_by_text("Disconnect…").click()  # the confirmation step
    page.get_by_role("button", name="Disconnect", exact=True).click()
    expect(page.locator("#gmail-state")).to_have_text("Disconnected")
    shoot(page, screenshots, "08-integrations-disconnected")
    open_from_sidebar(page, "Applications")
    expect(row(page, "Northwind")).to_contain_text("Rejected")

    open_from_sidebar(page, "Settings")
    page.get_by_role("button", name="Reconnect").click()
    consent(page, address)
    expect(page.get_by_text("Gmail connected")).to_be_visible()
    expect(page.locator("#gmail-state")).to_have_text("Active")

    # Google revokes every grant: the next sync fails with invalid_grant and the page asks to
    # reconnect, by itself.
    revoked = requests.post(
        f"{stack.sandbox.url}/sandbox/users/{address}/revoke-all",  # type: ignore[attr-defined]
        timeout=10,
    )
    assert revoked.ok
    page.get_by_role("button", name="Sync Now").click()
    expect(page.locator("#gmail-state")).to_have_text("Reconnect needed", timeout=LIVE_TIMEOUT_MS)
    expect(page.get_by_role("button", name="Reconnect")).to_be_visible()
    shoot(page, screenshots, "09-integrations-reconnect-needed")
    page.get_by_role("button", name="Reconnect").click()
    consent(page, address)
    expect(page.locator("#gmail-state")).to_have_text("Active")

    # Syncing resumes from the kept cursor: a new email still reaches the board.
    open_from_sidebar(page, "Applications")
    deliver(
        stack,
        address,
        {
            "from": "Ashby Careers <no-reply@ashbyhq.com>",
            "subject": "Thank you for applying to Quillon Analytics",
            "body": (
                "Hi Sam,\n\nThank you for applying to Quillon Analytics! We have received your "
                "application for the Data Engineer position and will review it shortly.\n\n"
                "Quillon Analytics"
            ),
        },
    )
    expect(row(page, "Quillon")).to_contain_text("Applied", timeout=LIVE_TIMEOUT_MS)
    expect(row(page, "Northwind")).to_contain_text("Rejected")


def test_declined_consent_and_a_missing_scope_explain_the_way_on(
    stack: LocalStack, page: Page, screenshots: Path
) -> None:
    address = f"pat.{secrets.token_hex(3)}@gmail.com"
    deliver(stack, address, NORTHWIND_APPLIED)
    sign_up(page, stack, f"pat.{secrets.token_hex(3)}@example.com")

    page.get_by_role("button", name="Connect Gmail").click()
    consent(page, address, decision="Deny")
    expect(page.get_by_role("alert")).to_contain_text("access was declined")
    expect(page.get_by_role("button", name="Connect Gmail")).to_be_visible()

    page.get_by_role("button", name="Connect Gmail").click()
    consent(page, address, keep_scope=False)
    expect(page.get_by_role("alert")).to_contain_text("Insufficient permissions")
    shoot(page, screenshots, "10-integrations-insufficient-permissions")
    assert stack.store.mailbox_by_address(address) is None  # type: ignore[attr-defined]
