"""Issue #13 in real Chromium at 1280 and 390 px: add an application, merge two, correct an
email of the Activity Log, move a Kanban card with the keyboard, no horizontal scroll on a phone
(even with a 1,600-character company name), and dark mode."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from applytrack.localstack import LocalStack
from storage import IncomingEmail, Label, Tier
from tests.browser.browser_testkit import PASSWORD, no_horizontal_scroll, sign_up

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": (1280, 860), "phone": (390, 844)}
LONG_NAME = ("Quillmark Publishing " * 80)[:1600]


@pytest.fixture(params=sorted(VIEWPORTS))
def sized_page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    """A fresh page at each of the two widths."""
    width, height = VIEWPORTS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.width_name = request.param  # type: ignore[attr-defined]
    try:
        yield page
    finally:
        context.close()


def record_mail(
    stack: LocalStack, user_id: int, companies: list[tuple[str, Label]], *, first_day: int = 1
) -> None:
    """Job emails recorded through the storage's sync path, one thread per company."""
    tag = secrets.token_hex(3)
    mailbox = stack.store.mailbox_for_user(user_id)
    mailbox_id = (
        mailbox.id
        if mailbox
        else stack.store.connect_mailbox(
            user_id, f"mail.{tag}@gmail.com", tier=Tier.FREE, refresh_token="not-used"
        )
    )
    emails = [
        IncomingEmail(
            gmail_message_id=f"{tag}-{number}",
            thread_id=f"{tag}-thread-{number}",
            rfc822_message_id=None,
            sender=f"Jobs <jobs{number}@example.com>",
            subject=f"Your application, part {number}",
            date=datetime(2025, 2, first_day + number, 9, 0, tzinfo=UTC),
            label=label,
            confidence=0.95,
            company=company,
            role="Analyst",
        )
        for number, (company, label) in enumerate(companies)
    ]
    assert stack.store.acquire_lease(mailbox_id, "browser-test", ttl_seconds=60)
    stack.store.apply_sync_batch(mailbox_id, "browser-test", emails, new_cursor=99)
    stack.store.release_lease(mailbox_id, "browser-test")


def shoot(page: Page, folder: Path, name: str) -> None:
    width = page.width_name  # type: ignore[attr-defined]
    page.screenshot(path=str(folder / f"13-{name}-{width}.png"), full_page=True)


def test_add_an_application(stack: LocalStack, sized_page: Page, screenshots: Path) -> None:
    page = sized_page
    sign_up(page, stack)
    page.goto(stack.web_url)
    page.get_by_text("Add an application").click()
    page.get_by_label("Company").fill("Initech")
    page.get_by_label("Role").fill("Platform Engineer")
    page.locator("#add-status").select_option(label="Interviewing")
    page.get_by_label("Applied on").fill("2025-03-01")
    page.get_by_label("Job link").fill("https://jobs.initech.example/42")
    page.get_by_label("Notes").fill("Met them at a meetup.")
    page.get_by_role("button", name="Add application").click()

    expect(page.get_by_role("heading", name="Initech")).to_be_visible()
    expect(page.locator("#current-status")).to_have_text("Interviewing")
    expect(page.get_by_text("Added by you.")).to_be_visible()
    shoot(page, screenshots, "added")
    page.get_by_role("link", name="Applications").first.click()
    expect(page.get_by_role("row").filter(has_text="Initech")).to_contain_text("Interviewing")


def test_merge_then_correct_an_email(
    stack: LocalStack, sized_page: Page, screenshots: Path
) -> None:
    page = sized_page
    user_id = sign_up(page, stack)
    record_mail(
        stack,
        user_id,
        [("Quillmark", Label.APPLIED), ("QM Publishing", Label.INTERVIEWING)],
    )
    page.goto(stack.web_url)
    page.get_by_role("row").filter(has_text="QM Publishing").get_by_role("link").click()
    expect(page.locator("#current-status")).to_have_text("Interviewing")

    page.get_by_label("Merge into this one").select_option(
        label="Quillmark \u2013 Analyst (Applied)"
    )
    page.get_by_role("button", name="Merge", exact=True).click()
    expect(page.get_by_text("Merged:")).to_be_visible()
    expect(
        page.get_by_text(re.compile("You merged Quillmark into this application"))
    ).to_be_visible()
    assert len(stack.store.applications(user_id)) == 1

    # The interview email was not one: correct its status from the Activity Log.
    interview = page.locator(".event").filter(has_text="part 1").first
    interview.get_by_text("Correct this").click()
    interview.get_by_label("Wrong status →").select_option(label="Rejected")
    interview.get_by_role("button", name="Correct status").click()
    expect(page.get_by_text("Corrected: the statuses were recomputed")).to_be_visible()
    expect(page.locator("#current-status")).to_have_text("Rejected")
    expect(page.get_by_text("it read as Interviewing; you said Rejected")).to_be_visible()
    shoot(page, screenshots, "corrected")
    assert no_horizontal_scroll(page)


def test_kanban_move_by_keyboard(stack: LocalStack, sized_page: Page) -> None:
    page = sized_page
    user_id = sign_up(page, stack)
    record_mail(stack, user_id, [("Globex", Label.APPLIED)])
    page.goto(stack.web_url)
    card = page.locator("#kanban-applied .kanban-card").filter(has_text="Globex")
    expect(card).to_be_visible()

    select = card.get_by_label("Status of Globex")
    select.focus()
    page.keyboard.press("ArrowDown")  # Applied → Interviewing, no mouse anywhere
    expect(select).to_have_value("interviewing")
    page.keyboard.press("Tab")
    expect(card.get_by_role("button", name="Move")).to_be_focused()
    page.keyboard.press("Enter")

    moved = page.locator("#kanban-interviewing .kanban-card").filter(has_text="Globex")
    expect(moved).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Globex")).to_contain_text("set by you")


def test_kanban_drag_and_drop(stack: LocalStack, page: Page) -> None:
    user_id = sign_up(page, stack)
    record_mail(stack, user_id, [("Hooli", Label.APPLIED)])
    page.goto(stack.web_url)

    page.locator("#kanban-applied .kanban-card").filter(has_text="Hooli").drag_to(
        page.locator(".kanban-column[data-status=offer]")
    )

    expect(page.locator("#kanban-offer .kanban-card").filter(has_text="Hooli")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Hooli")).to_contain_text("Offer Extended")


def test_live_updates_change_rows_in_place_keep_focus_and_announce(
    stack: LocalStack, page: Page
) -> None:
    user_id = sign_up(page, stack)
    record_mail(stack, user_id, [("Globex", Label.APPLIED), ("Acme", Label.APPLIED)])
    page.goto(f"{stack.web_url}/?sort=company")
    page.evaluate("window.__not_reloaded = true")
    acme_row = page.get_by_role("row").filter(has_text="Acme")
    acme_row.evaluate("(row) => { row.dataset.marked = 'kept'; }")
    page.get_by_label("Search").focus()

    record_mail(stack, user_id, [("Globex", Label.REJECTED)], first_day=10)
    assert stack.store.applications(user_id, None)[0].status.value == "rejected"

    expect(page.get_by_role("row").filter(has_text="Globex")).to_contain_text("Rejected")
    expect(page.locator("#live-announcer")).to_have_text(re.compile("Globex: Rejected"))
    expect(page.get_by_label("Search")).to_be_focused()
    assert page.evaluate("window.__not_reloaded === true")
    assert acme_row.get_attribute("data-marked") == "kept"  # an unchanged row is the same node
    companies = page.locator("#application-rows tr td.company").all_inner_texts()
    assert companies == ["Acme", "Globex"]  # the sort order chosen stays


def test_the_first_application_arriving_is_announced_too(stack: LocalStack, page: Page) -> None:
    user_id = sign_up(page, stack)
    page.goto(stack.web_url)
    expect(page.locator("#application-rows")).to_have_count(0)
    page.evaluate("window.__not_reloaded = true")

    record_mail(stack, user_id, [("Vandelay", Label.APPLIED)])

    expect(page.get_by_role("row").filter(has_text="Vandelay")).to_contain_text("Applied")
    expect(page.locator("#live-announcer")).to_have_text("This page was updated.")
    assert page.evaluate("window.__not_reloaded === true")


def test_no_horizontal_scroll_at_390_px_even_with_a_1600_character_name(
    stack: LocalStack, browser: Browser, screenshots: Path
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        user_id = sign_up(page, stack)
        assert no_horizontal_scroll(page), "Settings is wider than the phone"
        record_mail(stack, user_id, [(LONG_NAME, Label.APPLIED), ("Globex", Label.REJECTED)])
        for path in ("/settings/integrations", "/account", "/"):
            page.goto(f"{stack.web_url}{path}")
            assert no_horizontal_scroll(page), path
        page.screenshot(path=str(screenshots / "13-long-name-phone.png"), full_page=True)
        page.get_by_role("link", name=re.compile("^Quillmark")).first.click()
        assert no_horizontal_scroll(page), "application page"
        page.set_viewport_size({"width": 360, "height": 740})
        for path in ("/", "/settings/integrations"):
            page.goto(f"{stack.web_url}{path}")
            assert no_horizontal_scroll(page), f"{path} at 360 px"
        expect(page.get_by_role("button", name="Sign out")).to_be_in_viewport()
        expect(page.locator("#gmail-state")).to_be_in_viewport()
        page.set_viewport_size({"width": 1280, "height": 860})
        page.goto(stack.web_url)
        assert no_horizontal_scroll(page), "board at 1280 px"
        assert page.locator("table.applications").bounding_box()["width"] <= 1280  # type: ignore[index]
        page.screenshot(path=str(screenshots / "13-long-name-desktop.png"), full_page=True)
    finally:
        context.close()


def test_dark_mode_follows_the_system(
    stack: LocalStack, browser: Browser, screenshots: Path
) -> None:
    colours = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme=scheme)
        page = context.new_page()
        try:
            sign_up(page, stack)
            page.goto(stack.web_url)
            colours[scheme] = page.evaluate(
                """() => [document.documentElement, document.querySelector('.card')]
                    .map((element) => getComputedStyle(element))
                    .map((style) => [style.backgroundColor, style.color])"""
            )
            page.screenshot(path=str(screenshots / f"13-{scheme}-phone.png"), full_page=True)
        finally:
            context.close()

    (page_bg, page_ink), (card_bg, _) = colours["dark"]
    assert brightness(page_bg) < 60 and brightness(card_bg) < 60, colours["dark"]
    assert brightness(page_ink) > 180, colours["dark"]
    (light_bg, light_ink), _ = colours["light"]
    assert brightness(light_bg) > 200 and brightness(light_ink) < 80, colours["light"]


def brightness(css_color: str) -> float:
    red, green, blue = (int(part) for part in re.findall(r"\d+", css_color)[:3])
    return (red + green + blue) / 3


def test_download_my_data_then_delete_the_account(
    stack: LocalStack, sized_page: Page, screenshots: Path
) -> None:
    page = sized_page
    user_id = sign_up(page, stack)
    record_mail(stack, user_id, [("Globex", Label.APPLIED)])
    page.goto(f"{stack.web_url}/account")
    assert no_horizontal_scroll(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download my data").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert '"company": "Globex"' in exported

    page.get_by_text("Delete my account…").click()
    page.get_by_label("Type your password to confirm").fill(PASSWORD)
    shoot(page, screenshots, "delete-account")
    page.get_by_role("button", name="Delete my account and all its data").click()

    expect(page.get_by_text("Your account is deleted")).to_be_visible()
    assert stack.store.user(user_id) is None
    assert stack.store.applications(user_id) == []


def test_edit_undo_a_status_set_by_hand_and_export(
    stack: LocalStack, sized_page: Page, screenshots: Path
) -> None:
    page = sized_page
    user_id = sign_up(page, stack)
    record_mail(stack, user_id, [("Initech", Label.APPLIED)])
    page.goto(stack.web_url)
    page.get_by_role("row").filter(has_text="Initech").get_by_role("link").click()

    page.get_by_text("Edit details").click()
    page.get_by_label("Role").fill("Platform Engineer")
    page.get_by_label("Location").fill("Lisbon")
    page.get_by_role("button", name="Save details").click()
    expect(page.locator(".subtitle")).to_contain_text("Platform Engineer")
    expect(page.get_by_text("Lisbon")).to_be_visible()

    # A status set by hand holds, and "Return to automatic tracking" undoes it.
    page.locator("#status").select_option(label="Offer Extended")
    page.get_by_role("button", name="Save status").click()
    expect(page.locator("#current-status")).to_have_text("Offer Extended")
    expect(page.locator("#set-by-you")).to_be_visible()
    page.get_by_role("button", name="Return to automatic tracking").click()
    expect(page.locator("#current-status")).to_have_text("Applied")
    expect(page.locator("#set-by-you")).to_have_count(0)
    shoot(page, screenshots, "undone")

    page.get_by_role("link", name="Applications").first.click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    header, *rows = exported.splitlines()
    assert "company" in header and "role" in header and "status" in header
    assert [row for row in rows if "Initech" in row and "Platform Engineer" in row]


def test_the_next_interview_is_typed_and_shown_in_the_browsers_time_zone(
    stack: LocalStack, browser: Browser
) -> None:
    context = browser.new_context(timezone_id="America/New_York")
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        user_id = sign_up(page, stack)
        record_mail(stack, user_id, [("Initech", Label.INTERVIEWING)])
        page.goto(stack.web_url)
        page.get_by_role("row").filter(has_text="Initech").get_by_role("link").click()
        page.get_by_text("Edit details").click()
        expect(page.locator('[data-zone-for="edit-next_interview_at"]')).to_have_text("(your time)")
        page.get_by_label("Next interview").fill("2025-03-10T15:00")  # 3 pm in New York (EDT)
        page.get_by_role("button", name="Save details").click()
        expect(page.locator(".small-print")).to_contain_text("Next interview")

        (application,) = stack.store.applications(user_id)
        assert application.next_interview_at == datetime(2025, 3, 10, 19, 0, tzinfo=UTC)
        page.get_by_text("Edit details").click()
        expect(page.get_by_label("Next interview")).to_have_value("2025-03-10T15:00")
    finally:
        context.close()
