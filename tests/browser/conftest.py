"""A headless Debian Chromium driven by Playwright, for pages tested as a user sees them."""

import os
from pathlib import Path
from types import SimpleNamespace

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


def _asgi_application():
    # Module level so the forked server process can build it; static files as runserver serves them.
    from channels.routing import get_default_application
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    return ASGIStaticFilesHandler(get_default_application())


def _after_fork():
    """In the server process: thread pools came over from this one without their threads."""
    from concurrent.futures import ThreadPoolExecutor

    from asgiref.sync import SyncToAsync

    # Else every database_sync_to_async waits for a worker thread that was never forked.
    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)


@pytest.fixture
def asgi_server(transactional_db, settings):
    """Daphne serving the whole ASGI app (HTTP and websockets) for pages that use realtime news.

    It runs in a forked process, so it shares this test's settings (media root, database) but not
    its in-memory channel layer: on the embedded defaults, news reaches it as it reaches the real
    web process, through the database (cameras.consumers). Function scope: each test's media
    root differs, and the fork happens before the test starts any recording thread.
    """
    from daphne.testing import DaphneProcess
    from django.db import connections

    connections.close_all()  # the child opens its own; a shared socket would be trouble
    process = DaphneProcess("127.0.0.1", _asgi_application, setup=_after_fork)
    process.start()
    if not process.ready.wait(20):
        process.terminate()
        raise RuntimeError("daphne did not start")
    yield SimpleNamespace(url=f"http://127.0.0.1:{process.port.value}")
    process.terminate()
    process.join(10)
