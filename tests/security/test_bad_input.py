"""Input that used to answer 500 is the dialect's own 400 (issue 13, item 8).

Deeply nested JSON (Python's RecursionError) and lone surrogates (text neither PostgreSQL nor
SQLite stores) on every JSON-body operation of both Watcher APIs, anonymous ones included, and
absurd instants in the media URLs.
"""

import json
from collections import defaultdict

import pytest

from accounts.choices import Role
from cameras.models import Camera
from tests.dialects.flussonic.conftest import ADMIN_BASE, BASE, basic
from tests.dialects.flussonic.registry import JSON, ids
from tests.dialects.flussonic.test_admin_registry import REGISTRY as ADMIN_REGISTRY
from tests.dialects.flussonic.test_client_registry import REGISTRY as CLIENT_REGISTRY
from tests.factories import UserFactory

WRITES = ("POST", "PUT", "PATCH", "DELETE")
OPERATIONS = [
    (base, op_id, op)
    for base, registry in ((BASE, CLIENT_REGISTRY), (ADMIN_BASE, ADMIN_REGISTRY))
    for op_id, op in sorted(registry.items())
    if op.method in WRITES
]
NAMES = [f"{'admin' if base == ADMIN_BASE else 'client'}:{op_id}" for base, op_id, _ in OPERATIONS]
NESTED = "[" * 100_000 + "]" * 100_000  # far past Python's recursion limit
DEEP_OBJECT = '{"title": ' + '{"a": ' * 40 + "1" + "}" * 40 + "}"


@pytest.fixture
def world(world):
    world.root = UserFactory(login="root", role=Role.ADMIN)
    return world


def _call(client, world, base: str, operation, body: str):
    """The operation as its most privileged caller sends it: root on the Admin API, alice on the
    Client API, nobody where the operation is public (login included)."""
    if callable(operation.path):  # a path made for the test (its object is created on the way)
        path = operation.path(world)
    else:  # the objects need not exist: the body is refused first
        path = operation.path.format_map(defaultdict(lambda: 1, ids(world)))
    login = None if operation.public else ("root" if base == ADMIN_BASE else "alice")
    headers = basic(login) if login else {}
    return getattr(client, operation.method.lower())(base + path, data=body, content_type=JSON, **headers)


def _assert_watcher_400(response, words: str):
    assert response.status_code == 400, response.content[:300]
    (error,) = response.json()["errors"]
    assert error["status"] == "400" and words in error["title"]


@pytest.mark.parametrize(("base", "operation_id", "operation"), OPERATIONS, ids=NAMES)
def test_deeply_nested_json_is_a_400_on_every_write_operation(client, world, base, operation_id, operation):
    for body in (NESTED, DEEP_OBJECT):
        _assert_watcher_400(_call(client, world, base, operation, body), "nests deeper than 32")


@pytest.mark.parametrize(("base", "operation_id", "operation"), OPERATIONS, ids=NAMES)
def test_a_lone_surrogate_is_a_400_on_every_write_operation(client, world, base, operation_id, operation):
    for text in ("\\ud800", "x\\udfffy", "\\ud83d\\u0041"):  # high alone, low alone, high then no low
        body = json.dumps({"title": "?", "name": "?", "email": "?"}).replace("?", text)
        _assert_watcher_400(_call(client, world, base, operation, body), "unpaired surrogates")


def test_anonymous_logins_refuse_nesting_before_credentials_are_checked(client, world):
    for base in (BASE, ADMIN_BASE):
        response = client.post(base + "/login", data=NESTED, content_type=JSON)
        _assert_watcher_400(response, "nests deeper than 32")


def test_a_surrogate_pair_and_ordinary_nesting_still_save(client, world):
    body = '{"title": "Lobby \\ud83d\\ude00 \\\\ud800"}'  # a pair, and a written-out escape
    response = client.put(BASE + "/streams/a-lobby", data=body, content_type=JSON, **basic("alice"))
    assert response.status_code == 200, response.content
    assert Camera.objects.get(name="a-lobby").title == "Lobby \N{GRINNING FACE} \\ud800"
    nested = {"title": "Lobby", "vision": {"areas": [{"points": [[0, 0], [1, 1]]}]}}
    response = client.put(
        BASE + "/streams/a-lobby", data=json.dumps(nested), content_type=JSON, **basic("alice")
    )
    assert response.status_code == 200, response.content


def test_the_admin_event_log_records_a_refused_body_by_its_size(client, world):
    client.put(ADMIN_BASE + "/streams/a-lobby", data=NESTED, content_type=JSON, **basic("root"))
    events = client.get(ADMIN_BASE + "/events?event=api_call&operation_id=stream_save", **basic("root"))
    assert events.status_code == 200, events.content[:300]
    (event,) = events.json()["events"]
    assert event["status"] == 400 and event["payload"].startswith("<200000 bytes")


# --- absurd instants in the media URLs --------------------------------------------------------------

MEDIA_URLS = [
    "/flussonic/a-lobby/timeshift_abs-999999999999.m3u8",
    "/flussonic/a-lobby/timeshift_abs-999999999999.999999.fmp4.m3u8",
    "/flussonic/a-lobby/archive-999999999999-60.m3u8",
    "/flussonic/a-lobby/index-999999999999-now.m3u8",
    "/flussonic/a-lobby/archive-253402300799-3600.m3u8",  # 9999-12-31 plus an hour
    "/flussonic/a-lobby/archive-999999999999-60.mp4",
    "/flussonic/a-lobby/archive-999999999999-60.ts",
    "/flussonic/a-lobby/999999999999-preview.jpg",
    "/flussonic/a-lobby/999999999999.jpg",
    "/flussonic/a-lobby/999999999999-preview.mp4",
    "/flussonic/a-lobby/recording_status.json?request=ranges&from=0&to=999999999999",
    "/media/a-lobby/availability.json?day=9999-12-31",
    "/media/a-lobby/availability.json?month=9999-12",
]


@pytest.mark.parametrize("url", MEDIA_URLS)
def test_an_absurd_instant_in_a_media_url_is_a_400(client, world, url):
    client.force_login(world.alice)
    response = client.get(url)
    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"]


@pytest.mark.parametrize(
    "url",
    [
        "/flussonic/a-lobby/fragments/99999999999999999999999-1.ts",
        "/flussonic/a-lobby/fragments/1-99999999999999999999999.ts",
        "/flussonic/a-lobby/ranges.json?opened_at_lte=99999999999999999999999",
        "/flussonic/a-lobby/ranges.json?limit=99999999999999999999999",
        "/media/a-lobby/segments/99999999999999999999999.mp4",
        "/media/a-lobby/snapshot.jpg?at=1e20&width=99999999999999999999999",
        "/media/a-lobby/archive.m3u8?from=1e300&to=1e301",
        "/media/a-lobby/timeline.json?from=0&to=100&step=1e-300",
    ],
)
def test_huge_numbers_in_media_urls_are_refused_not_a_500(client, world, url):
    client.force_login(world.alice)
    assert client.get(url).status_code in (400, 404)
