"""Fixtures the security suite borrows: Chromium and daphne (tests/browser), Watcher API calls."""

from tests.browser.conftest import asgi_server, browser, page  # noqa: F401
from tests.dialects.flussonic.conftest import api  # noqa: F401
