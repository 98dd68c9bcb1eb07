"""Browser fixtures: the real local stack (in-process queue + sandbox) and headless Chromium."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from applytrack.localstack import LocalStack, StackOptions, start_local_stack

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """Sandbox, web app and worker on loopback, with sign-in required (not the demo)."""
    local = start_local_stack(
        StackOptions(
            state_dir=tmp_path_factory.mktemp("browser-stack"),
            worker_id="browser-worker",
            settings_overrides={"demo": False},
        )
    )
    try:
        yield local
    finally:
        local.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Chromium from the Debian package (never a downloaded browser)."""
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.skip("Chromium is not installed: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A fresh browser context (no cookies) and page for one test."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})  # type: ignore[attr-defined]
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture(scope="module")
def screenshots(output_dir: Path) -> Path:
    """Where the page screenshots go."""
    path = output_dir / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
