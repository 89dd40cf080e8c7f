"""A headless Debian Chromium driven by Playwright, for pages tested as a user sees them."""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")


# Module scope: Playwright's sync API keeps an event loop running in this thread while it is
# open, and other tests in the same worker need the thread free of one (asyncio.run, Channels).
@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("NVR_REQUIRE_BROWSER"):
            pytest.fail("CI needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    # Playwright's sync API keeps an event loop in this thread; the ORM must still be usable here.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
