"""What the browser tests share: signing up through the page, the sideways-scroll check."""

from __future__ import annotations

import secrets

from playwright.sync_api import Page, expect

from applytrack.localstack import LocalStack
from storage import Plan

PASSWORD = "correct horse battery staple"


def sign_up(page: Page, stack: LocalStack, *, plan: Plan | None = None) -> int:
    """A new account signed up and signed in through the page, on ``plan`` when the operator
    set one (the page is reloaded to show it); its user id."""
    email = f"seeker.{secrets.token_hex(4)}@example.com"
    page.goto(f"{stack.web_url}/sign-up")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Integrations")).to_be_visible()
    user = stack.store.user_by_email(email)
    assert user is not None
    if plan is not None:
        stack.store.set_plan(user.id, plan)
        page.reload()
    return user.id


def no_horizontal_scroll(page: Page) -> bool:
    """True when the loaded page fits its viewport's width."""
    page.wait_for_load_state("load")
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))
