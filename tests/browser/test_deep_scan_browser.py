"""The deeper historical scan in real Chromium against the real local stack: a Premium account
connects Gmail (polling, so its first sync reads 30 days) through the sandbox, presses Scan 90
days, follows its progress (held by a Gmail failure, so it stays on screen whatever the speed of
the machine), resumes it with Sync Now and sees it finished, with the older application on the
board; a push mailbox, whose first sync read 90 days, is told there is nothing older; a Free
account sees the card described and locked. Screenshots at 1280 px light and 390 px dark."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from applytrack.localstack import LocalStack
from sandbox.faults import parse_fault
from storage import Plan
from tests.browser.browser_testkit import no_horizontal_scroll, sign_up

pytestmark = pytest.mark.browser

LIVE_TIMEOUT_MS = 30_000
# The desktop is looked at in light mode, the phone in dark mode.
VIEWPORTS = {"1280-light": (1280, 860, "light"), "390-dark": (390, 844, "dark")}
RECENT = {  # read by the first sync
    "from": "Lumen Health <no-reply@lumenhealth.lever.co>",
    "subject": "Lumen Health | Your application for Analytics Engineer",
    "body": (
        "Hi Sam,\n\nThank you for your interest in Lumen Health! We've received your "
        "application for Analytics Engineer and will review it carefully.\n\n"
        "The Lumen Health Recruiting Team"
    ),
    "days_ago": 5,
}
OLDER = {  # read only by the deeper scan
    "from": "Northwind Robotics <no-reply@northwind.greenhouse.io>",
    "subject": "Thank you for applying to Northwind Robotics",
    "body": (
        "Hi Sam,\n\nThank you for your interest in Northwind Robotics! We have received your "
        "application for the Backend Engineer position. Our team will review your application "
        "and be in touch if your experience is a good match.\n\nBest,\nNorthwind Robotics"
    ),
    "days_ago": 60,
}


def deliver(stack: LocalStack, address: str, message: dict) -> None:
    """Put an email that arrived ``days_ago`` days ago into the sandbox mailbox."""
    sent = datetime.now(UTC) - timedelta(days=message["days_ago"])
    fields = {key: value for key, value in message.items() if key != "days_ago"}
    email = {"to": address, "date": format_datetime(sent), **fields}
    stack.sandbox.state.deliver(address, email, notify=False)  # type: ignore[attr-defined]


def connect_gmail(page: Page, address: str, *, sync_mode: str) -> None:
    page.get_by_label(sync_mode).check()
    page.get_by_role("button", name="Connect Gmail").click()
    expect(page.get_by_role("heading", name="Sandbox Google sign-in")).to_be_visible()
    page.get_by_label("Gmail address").fill(address)
    page.get_by_role("button", name="Allow").click()
    expect(page.get_by_text("Gmail connected")).to_be_visible()


def open_board(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Applications").click()


def shoot_everywhere(browser: Browser, page: Page, folder: Path, state: str) -> None:
    """The Integrations page as it is now, at both widths: no sideways scroll, a screenshot."""
    for name, (width, height, scheme) in VIEWPORTS.items():
        context = browser.new_context(
            viewport={"width": width, "height": height},
            color_scheme=scheme,
            storage_state=page.context.storage_state(),
        )
        other = context.new_page()
        try:
            other.goto(page.url.split("#")[0])
            expect(other.locator("#deep-scan")).to_be_visible()
            assert no_horizontal_scroll(other), f"{state} at {name} scrolls sideways"
            card = other.locator("#deep-scan")
            card.scroll_into_view_if_needed()
            other.screenshot(path=str(folder / f"14-deep-scan-{state}-{name}.png"), full_page=True)
        finally:
            context.close()


def test_scan_90_days_shows_progress_then_the_finished_scan(
    stack: LocalStack, browser: Browser, page: Page, screenshots: Path
) -> None:
    address = f"sam.{secrets.token_hex(3)}@gmail.com"
    deliver(stack, address, RECENT)
    deliver(stack, address, OLDER)
    sign_up(page, stack, plan=Plan.PREMIUM)
    connect_gmail(page, address, sync_mode="Polling (Free)")
    open_board(page)
    expect(page.get_by_role("row").filter(has_text="Lumen")).to_contain_text(
        "Applied", timeout=LIVE_TIMEOUT_MS
    )
    expect(page.get_by_role("row").filter(has_text="Northwind")).to_have_count(0)

    page.goto(f"{stack.web_url}/settings/integrations")
    card = page.locator("#deep-scan")
    expect(card).to_contain_text("The first sync reads the last 30 days.")
    expect(card.locator("#deep-scan-covered")).to_have_count(0)
    # Gmail refuses to hand over the older message until the test lets it: the scan stays
    # running, and the page shows how far it got.
    refusal = {"kind": "status", "method": "messages.get", "status": 400, "count": 1000}
    stack.sandbox.state.faults.add(parse_fault(refusal | {"email": address}))  # type: ignore[attr-defined]
    card.get_by_role("button", name="Scan 90 days").click()

    expect(page.get_by_text("Scan of the last 90 days started")).to_be_visible()
    progress = card.locator("#deep-scan-progress")
    expect(progress).to_be_visible()
    expect(card.get_by_role("button", name="Scan 90 days")).to_have_count(0)
    bar = progress.get_by_role("progressbar", name="Deeper scan progress")
    expect(bar).to_be_visible(timeout=LIVE_TIMEOUT_MS)  # the page updates itself
    expect(progress).to_contain_text("0 of 1 email read")
    shoot_everywhere(browser, page, screenshots, "progress")

    stack.sandbox.state.faults.clear()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sync Now").click()
    finished = page.locator("#deep-scan-finished")
    expect(finished).to_contain_text(
        "The last scan read 1 older email of the last 90 days", timeout=LIVE_TIMEOUT_MS
    )
    expect(card.get_by_role("button", name="Scan 90 days")).to_be_visible()
    shoot_everywhere(browser, page, screenshots, "finished")

    open_board(page)
    expect(page.get_by_role("row").filter(has_text="Northwind")).to_contain_text("Applied")


def test_a_first_sync_of_90_days_leaves_nothing_older(
    stack: LocalStack, browser: Browser, page: Page, screenshots: Path
) -> None:
    address = f"pia.{secrets.token_hex(3)}@gmail.com"
    deliver(stack, address, OLDER)
    sign_up(page, stack, plan=Plan.PREMIUM)
    connect_gmail(page, address, sync_mode="Push (Premium)")

    card = page.locator("#deep-scan")
    expect(card.locator("#deep-scan-covered")).to_have_text(
        "Your first sync already covered the last 90 days; there is nothing older to scan."
    )
    expect(card.get_by_role("button", name="Scan 90 days")).to_have_count(0)
    open_board(page)
    expect(page.get_by_role("row").filter(has_text="Northwind")).to_contain_text(
        "Applied", timeout=LIVE_TIMEOUT_MS
    )
    page.goto(f"{stack.web_url}/settings/integrations")
    shoot_everywhere(browser, page, screenshots, "covered")


def test_a_free_account_sees_the_card_described_and_locked(
    stack: LocalStack, browser: Browser, page: Page, screenshots: Path
) -> None:
    sign_up(page, stack, plan=Plan.FREE)

    card = page.locator("#deep-scan")
    expect(card.get_by_role("heading", name="Deeper historical scan")).to_contain_text("Premium")
    expect(card).to_contain_text("applications you sent two or three months ago")
    expect(card.locator("#deep-scan-locked")).to_contain_text("Premium feature")
    expect(card.get_by_role("button", name="Scan 90 days")).to_have_count(0)
    shoot_everywhere(browser, page, screenshots, "locked")
