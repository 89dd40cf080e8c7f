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


ADMIN_BASE = "/watcher/admin-api/v3"


@pytest.fixture
def admin_api(client):
    """`admin_api(method, path, login=None, **kwargs)` against the Admin API, /watcher/admin-api/v3."""

    def request(method: str, path: str, login: str | None = None, **kwargs):
        headers = basic(login) if login else {}
        return getattr(client, method.lower())(ADMIN_BASE + path, **headers, **kwargs)

    return request


@pytest.fixture
def root(world):
    """`root`, the domain administrator (Watcher `access_level: admin`), added to the world."""
    from accounts.choices import Role
    from tests.factories import UserFactory

    world.root = UserFactory(login="root", role=Role.ADMIN)
    return world.root
