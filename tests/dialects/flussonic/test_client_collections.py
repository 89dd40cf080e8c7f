"""Watcher collections (catalog §3) on `GET /streams`: cursors, sort, filters, `select`, `limit`, `q`."""

import base64
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from django.utils import timezone

from cameras.models import Camera
from tests.factories import (
    CameraFactory,
    CameraInputFactory,
    FolderFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)


@pytest.fixture
def many(db):
    """Org C with dave (admin) and 250 cameras: bitrates tie in groups, 2 of 3 titled "Gate …"."""
    org = OrganizationFactory(title="Org C")
    dave = UserFactory(login="dave")
    MembershipFactory(user=dave, organization=org, is_admin=True)
    folder = FolderFactory(organization=org)
    Camera.objects.bulk_create(
        Camera(
            organization=org,
            name=f"cam-{i:03d}",
            title=("Gate " if i % 3 else "Yard ") + str(i),
            bitrate=(i * 37) % 7 * 100,
            folder=folder if i % 4 else None,
        )
        for i in range(250)
    )
    return org


def walk(api, query: str, *, limit: int):
    """Every page forward from the first, then backward from the last; names in page order."""
    pages, cursor = [], None
    while True:
        suffix = f"&cursor={cursor}" if cursor else ""
        body = api("GET", f"/streams?{query}&limit={limit}{suffix}", login="dave").json()
        pages.append(body)
        if "next" not in body:
            break
        cursor = body["next"]
    forward = [s["name"] for page in pages for s in page["streams"]]
    backward_pages = []
    body = pages[-1]
    while "prev" in body:
        body = api("GET", f"/streams?{query}&limit={limit}&cursor={body['prev']}", login="dave").json()
        backward_pages.append(body)
    backward = [s["name"] for page in reversed(backward_pages) for s in page["streams"]]
    return pages, forward, backward + [s["name"] for s in pages[-1]["streams"]]


def test_cursor_walk_over_250_streams_with_composite_sort_and_filter(many, api):
    expected = [
        c.name
        for c in sorted(Camera.objects.filter(title__istartswith="gate"), key=lambda c: (-c.bitrate, c.name))
    ]
    assert len(expected) == 166
    pages, forward, backward = walk(api, "sort=-stats.bitrate,name&title_like=GATE", limit=17)
    assert forward == expected  # no duplicates, no omissions, in order
    assert backward == expected
    assert all(p["estimated_count"] == 166 for p in pages)
    assert "prev" not in pages[0] and "next" not in pages[-1]
    assert all(len(p["streams"]) == 17 for p in pages[:-1]) and len(pages) == 10


def test_cursor_walk_with_nulls_in_the_sort_key(many, api):
    # folder_id is null for every 4th camera: nulls sort first ascending (§3.2)
    expected = [c.name for c in sorted(Camera.objects.all(), key=lambda c: (c.folder_id is not None, c.pk))]
    expected_desc = [
        c.name for c in sorted(Camera.objects.all(), key=lambda c: (c.folder_id is None, c.name))
    ]
    _, forward, backward = walk(api, "sort=folder_id", limit=23)
    assert forward == expected == backward
    _, forward, backward = walk(api, "sort=-folder_id,name", limit=40)
    assert forward == expected_desc == backward


def test_next_cursor_is_base64_of_a_filter_on_the_boundary_item(many, api):
    body = api("GET", "/streams?sort=name&limit=2", login="dave").json()
    decoded = parse_qs(base64.b64decode(body["next"]).decode())
    assert decoded["name_gt"] == ["cam-001"] and decoded["$sort"] == ["name"]
    second = api("GET", f"/streams?sort=name&limit=2&cursor={body['next']}", login="dave").json()
    assert [s["name"] for s in second["streams"]] == ["cam-002", "cam-003"]
    assert "$reversed" in parse_qs(base64.b64decode(second["prev"]).decode())


def test_default_sort_is_named_by_then_position_then_name(world, api):
    Camera.objects.filter(name="a-vault").update(position=0, named_by="config")
    Camera.objects.exclude(name="a-vault").update(position=1)
    Camera.objects.filter(name="a-loose").update(position=0)
    names = [s["name"] for s in api("GET", "/streams", login="alice").json()["streams"]]
    assert names == ["a-vault", "a-loose", "a-desk", "a-granted", "a-lobby"]


def test_cursor_from_another_sort_is_400(many, api):
    body = api("GET", "/streams?sort=name&limit=2", login="dave").json()
    response = api("GET", f"/streams?sort=-name&limit=2&cursor={body['next']}", login="dave")
    assert response.status_code == 400
    assert response.json()["errors"][0]["source"] == {"parameter": "cursor"}


@pytest.mark.parametrize("cursor", ["%%%", "bm9wZQ==", base64.b64encode(b"$id_gt=x").decode()])
def test_unreadable_cursor_is_400(many, api, cursor):
    response = api("GET", f"/streams?cursor={cursor}", login="dave")
    assert response.status_code == 400
    assert response.json()["errors"][0]["source"] == {"parameter": "cursor"}


@pytest.mark.parametrize("limit", ["0", "-3", "ten", "1.5"])
def test_limit_must_be_a_positive_integer(world, api, limit):
    response = api("GET", f"/streams?limit={limit}", login="alice")
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["status"] == "400" and error["source"] == {"parameter": "limit"}


def test_limit_defaults_to_100(many, api):
    body = api("GET", "/streams", login="dave").json()
    assert len(body["streams"]) == 100 and body["estimated_count"] == 250 and "next" in body


@pytest.mark.parametrize("sort", ["nope", "stats.nope", "-password"])
def test_unknown_sort_key_is_400(world, api, sort):
    response = api("GET", f"/streams?sort={sort}", login="alice")
    assert response.status_code == 400
    assert response.json()["errors"][0]["source"] == {"parameter": "sort"}


def test_select_keeps_dotted_fields_and_the_required_name(world, api):
    body = api("GET", "/streams?select=title,stats.alive,dvr.redundancy_factor", login="alice").json()
    assert body["streams"][0].keys() == {"name", "title", "stats", "dvr"}
    assert body["streams"][0]["stats"].keys() == {"alive"}
    assert body["streams"][0]["dvr"] == {"redundancy_factor": 0}


def test_select_of_a_subtree_returns_all_of_it(world, api):
    stream = api("GET", "/streams?select=stats&limit=1", login="alice").json()["streams"][0]
    assert {"alive", "status", "bitrate", "playback_token"} <= stream["stats"].keys()


def names(api, query: str, login="alice") -> list[str]:
    response = api("GET", f"/streams?sort=name&{query}", login=login)
    assert response.status_code == 200, response.content
    return [s["name"] for s in response.json()["streams"]]


def test_field_filters(world, api):
    c = world.cameras
    Camera.objects.filter(pk=c.lobby.pk).update(bitrate=500, last_frame_at=timezone.now(), enabled=False)
    Camera.objects.filter(pk=c.desk.pk).update(bitrate=1500, status="running")
    assert names(api, "stats.bitrate_gt=100") == ["a-desk", "a-lobby"]
    assert names(api, "stats.bitrate_gte=500&stats.bitrate_lt=1500") == ["a-lobby"]
    assert names(api, "stats.bitrate_ne=0") == ["a-desk", "a-lobby"]
    assert names(api, "name=a-vault,a-loose") == ["a-loose", "a-vault"]
    assert names(api, "folder_id_is=null") == ["a-loose"]
    assert len(names(api, "folder_id_is_not=null")) == 4
    assert names(api, f"folder_id={world.folders.vault.id}") == ["a-granted", "a-vault"]
    assert names(api, "stats.alive=true") == ["a-lobby"]
    assert names(api, "disabled=true") == ["a-lobby"]
    assert names(api, "stats.status=running,error") == ["a-desk"]
    assert names(api, "name_like=LOB") == ["a-lobby"]
    assert names(api, "unknown_field=1") == names(api, "")  # not a stream field: ignored


def test_time_filters_take_utc_ms(world, api):
    moment = timezone.now() - timedelta(hours=1)
    Camera.objects.filter(pk=world.cameras.desk.pk).update(last_frame_at=moment)
    ms = int(moment.timestamp() * 1000)
    assert names(api, f"stats.last_dts_at_gte={ms - 1}") == ["a-desk"]
    assert names(api, f"stats.last_dts_at_lt={ms - 1}") == []


@pytest.mark.parametrize(
    "query", ["stats.bitrate_gt=abc", "disabled=maybe", "folder_id_is=5", "static_like=x"]
)
def test_bad_filter_values_are_400_naming_the_parameter(world, api, query):
    response = api("GET", f"/streams?{query}", login="alice")
    assert response.status_code == 400
    assert response.json()["errors"][0]["source"] == {"parameter": query.split("=")[0]}


def test_q_searches_name_title_and_input_urls(world, api):
    CameraInputFactory(camera=world.cameras.vault, url="rtsp://10.1.2.3/secret-door")
    assert names(api, "q=secret-door") == ["a-vault"]
    assert names(api, "q=A-DESK") == ["a-desk"]
    assert names(api, "q=secret-door", login="bob") == []


def test_estimated_count_ignores_cursor_and_limit(many, api):
    first = api("GET", "/streams?limit=10&title_like=yard", login="dave").json()
    second = api("GET", f"/streams?limit=10&title_like=yard&cursor={first['next']}", login="dave").json()
    assert first["estimated_count"] == second["estimated_count"] == 84


def test_other_organizations_cameras_never_appear_in_a_walk(many, world, api):
    CameraFactory(organization=world.org_a, name="cam-zzz")
    _, forward, _ = walk(api, "sort=name", limit=100)
    assert len(forward) == 250 and "cam-zzz" not in forward


def test_queries_per_page_do_not_grow_with_the_page_size(many, api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    api("GET", "/streams?limit=1", login="dave")  # the first sign-in from an address records it
    for limit in (5, 100):
        with CaptureQueriesContext(connection) as queries:
            body = api("GET", f"/streams?limit={limit}&select=name,stats.alive,stats.dvr_info", login="dave")
            assert len(body.json()["streams"]) == limit
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_cursor_walk_over_a_computed_time_key_with_nulls(world, api):
    from tests.factories import EpisodeFactory

    base = timezone.now() - timedelta(days=1)
    for minutes, camera in enumerate([world.cameras.lobby, world.cameras.desk, world.cameras.vault]):
        EpisodeFactory(camera=camera, opened_at=base + timedelta(minutes=minutes, microseconds=123))
    EpisodeFactory(camera=world.cameras.loose, opened_at=base + timedelta(minutes=1, microseconds=123))
    pages, cursor, seen = 0, None, []
    while True:
        suffix = f"&cursor={cursor}" if cursor else ""
        body = api("GET", f"/streams?sort=-last_episode_at,-name&limit=2{suffix}", login="alice").json()
        seen += [s["name"] for s in body["streams"]]
        pages += 1
        if "next" not in body:
            break
        cursor = body["next"]
    # ties on the time (a-loose, a-desk) fall back to -name; null sorts last when descending
    assert seen == ["a-vault", "a-loose", "a-desk", "a-lobby", "a-granted"] and pages == 3
    assert names(api, "last_episode_at_is_not=null") == ["a-desk", "a-lobby", "a-loose", "a-vault"]
    assert names(api, f"last_episode_at_gt={int(base.timestamp() * 1000) + 60_002}") == ["a-vault"]
