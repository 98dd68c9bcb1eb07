"""Settings → Filters in real Chromium against the real local stack: a Premium account connects
Gmail through the sandbox, writes a rule, previews it (recorded job mail and, through a read-only
Gmail search, ordinary mail), saves it and sees the board change; screenshots at 1280 and 390 px,
light and dark."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from applytrack.localstack import LocalStack
from storage import Plan
from tests.browser.browser_testkit import no_horizontal_scroll, sign_up

pytestmark = pytest.mark.browser

LIVE_TIMEOUT_MS = 30_000
LUMEN_APPLIED = {
    "from": "Lumen Health <no-reply@lumenhealth.lever.co>",
    "subject": "Lumen Health | Your application for Analytics Engineer",
    "body": (
        "Hi Sam,\n\nThank you for your interest in Lumen Health! We've received your "
        "application for Analytics Engineer and will review it carefully.\n\n"
        "The Lumen Health Recruiting Team"
    ),
}
NEWSLETTER = {
    "from": "Roundup <roundup@substack.example>",
    "subject": "Roundup weekly: ten gardening tips",
    "body": "This week: tomatoes, compost and the best spade.",
}
RULE_NAME = "Lumen and Roundup mean interviews"
VIEWPORTS = {"desktop": (1280, 860), "phone": (390, 844)}


def connect_gmail(page: Page, address: str) -> None:
    page.get_by_role("button", name="Connect Gmail").click()
    expect(page.get_by_role("heading", name="Sandbox Google sign-in")).to_be_visible()
    page.get_by_label("Gmail address").fill(address)
    page.get_by_role("button", name="Allow").click()
    expect(page.get_by_text("Gmail connected")).to_be_visible()


def write_rule(page: Page) -> None:
    page.get_by_label("Name").fill(RULE_NAME)
    page.get_by_label("Any one condition is enough").check()
    page.locator("#condition-0-field").select_option(label="Sender domain")
    page.locator("#condition-0-value").fill("lumenhealth.lever.co")
    page.locator("#condition-1-field").select_option(label="Sender")
    page.locator("#condition-1-value").fill("roundup@substack.example")
    page.get_by_label("Set the status").check()
    page.get_by_label("Status to set").select_option(label="Interviewing")


def shoot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"filters-{name}.png"), full_page=True)


def test_write_preview_save_and_see_the_board_change(
    stack: LocalStack, browser: Browser, page: Page, screenshots: Path
) -> None:
    address = f"sam.{secrets.token_hex(3)}@gmail.com"
    for message in (LUMEN_APPLIED, NEWSLETTER):
        stack.sandbox.state.deliver(address, {"to": address, **message})  # type: ignore[attr-defined]
    sign_up(page, stack, plan=Plan.PREMIUM)
    connect_gmail(page, address)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Applications").click()
    lumen = page.get_by_role("row").filter(has_text="Lumen")
    expect(lumen).to_contain_text("Applied", timeout=LIVE_TIMEOUT_MS)

    page.goto(f"{stack.web_url}/settings/integrations")
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Filters").click()
    expect(page.get_by_text("No rules yet")).to_be_visible()
    page.get_by_role("link", name="New rule").click()
    write_rule(page)
    page.get_by_role("button", name="Preview").click()

    expect(page.locator("#preview-recorded")).to_contain_text("Applied → Interviewing")
    expect(page.locator("#preview-gmail")).to_contain_text("Roundup weekly: ten gardening tips")
    expect(page.locator("#condition-1-value")).to_have_value("roundup@substack.example")
    shoot(page, screenshots, "preview-1280-light")

    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="saved")).to_contain_text(
        "Lumen Health: Applied → Interviewing"
    )
    expect(page.locator("#rules")).to_contain_text(RULE_NAME)
    expect(page.locator("#rules")).to_contain_text("Set the status to Interviewing")
    shoot(page, screenshots, "list-1280-light")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Applications").click()
    expect(lumen).to_contain_text("Interviewing", timeout=LIVE_TIMEOUT_MS)

    signed_in = page.context.storage_state()
    for width_name, (width, height) in VIEWPORTS.items():
        for scheme in ("light", "dark"):
            context = browser.new_context(
                viewport={"width": width, "height": height},
                color_scheme=scheme,
                storage_state=signed_in,
            )
            other = context.new_page()
            try:
                other.goto(f"{stack.web_url}/settings/filters")
                expect(other.locator("#rules")).to_contain_text(RULE_NAME)
                assert no_horizontal_scroll(other), f"{width_name} {scheme} list scrolls sideways"
                shoot(other, screenshots, f"list-{width}-{scheme}")
                other.get_by_role("link", name=re.compile(f"Edit {RULE_NAME}")).click()
                other.get_by_role("button", name="Preview").click()
                expect(other.locator("#preview")).to_be_visible()
                assert no_horizontal_scroll(other), f"{width_name} {scheme} form scrolls sideways"
                shoot(other, screenshots, f"preview-{width}-{scheme}")
            finally:
                context.close()
