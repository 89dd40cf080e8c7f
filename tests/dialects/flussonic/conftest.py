"""Helpers for the Watcher Client API tests: base path and credential headers."""

import base64

import pytest
from django.test import Client

from tests.factories import PASSWORD

BASE = "/watcher/client-api/v3"


def basic(login: str, secret: str = PASSWORD) -> dict:
    raw = base64.b64encode(f"{login}:{secret}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {raw}"}


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def call(client: Client, method: str, path: str, headers: dict | None = None, **kwargs):
    return getattr(client, method.lower())(BASE + path, **(headers or {}), **kwargs)


@pytest.fixture
def api(client):
    """`api(method, path, login=None, **kwargs)`: a request, with Basic credentials for `login`."""

    def request(method: str, path: str, login: str | None = None, headers: dict | None = None, **kwargs):
        merged = dict(basic(login) if login else {})
        merged.update(headers or {})
        return call(client, method, path, merged, **kwargs)

    return request


@pytest.fixture(autouse=True)
def _long_poll_on_the_test_thread(settings):
    """The episodes long-poll runs its database steps on the test's thread, inside its transaction."""
    settings.NVR_WATCHER_POLL_THREAD_SENSITIVE = True
