"""The storage page: usage per camera, what retention will delete, node disks, protected footage."""

import datetime as dt
import re
import uuid
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cameras.models import Camera
from recordings.choices import RetentionScope
from recordings.models import RetentionPolicy, Run, Segment
from recordings.retention import retention_run
from tests.factories import (
    CameraFactory,
    EpisodeFactory,
    MembershipFactory,
    StreamerFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
URL = "/recordings/storage/"
GB = 10**9
DAY = dt.timedelta(days=1)


def footage(camera, *, start, hours: float, gb_per_hour: float = 1, segment_hours: float = 1, **fields):
    """Back-to-back segments of one run from `start`, as the recorder would index them."""
    run_id, segments, at = uuid.uuid4(), [], start
    end = start + dt.timedelta(hours=hours)
    while at < end:
        until = min(end, at + dt.timedelta(hours=segment_hours))
        size = int(gb_per_hour * GB * (until - at).total_seconds() / 3600)
        segments.append(
            Segment(
                camera=camera,
                run_id=run_id,
                started_at=at,
                ended_at=until,
                bytes=size,
                path=f"{camera.name}/{at:%Y%m%d%H%M%S}.mp4",
                complete=True,
                **fields,
            )
        )
        at = until
    Segment.objects.bulk_create(segments)
    Run.objects.create(camera=camera, run_id=run_id, started_at=start, ended_at=end)
    return segments


def page(client, user) -> str:
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    return unescape(response.content.decode())


def text(html: str) -> str:
    """What the reader sees: the words without tags, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def chart_rows(html: str) -> dict[str, str]:
    """Each camera's chart row: its text, by camera name."""
    rows = re.findall(r'<li class="usage-row[^"]*" data-camera="([^"]+)">(.*?)</li>', html, re.S)
    return {name: text(body) for name, body in rows}


def test_a_viewer_sees_the_usage_of_his_cameras_and_not_of_the_vault(client, world):
    now = timezone.now()
    for camera in (world.cameras.lobby, world.cameras.desk, world.cameras.vault):
        footage(camera, start=now - dt.timedelta(hours=5), hours=4)

    rows = chart_rows(page(client, world.bob))

    assert set(rows) == {"a-lobby", "a-desk", "a-granted"}
    assert "4 GB" in rows["a-lobby"] and "No footage" in rows["a-granted"]


def test_an_admin_of_another_organization_sees_nothing_of_org_a(client, world):
    now = timezone.now()
    footage(world.cameras.lobby, start=now - dt.timedelta(hours=9), hours=8)
    footage(world.cameras.gate, start=now - dt.timedelta(hours=3), hours=2, gb_per_hour=0.5)

    html = page(client, world.carol)

    assert set(chart_rows(html)) == {"b-gate"}
    assert "a-lobby" not in html and "Org A" not in html
    assert re.search(r'id="storage-total">1 GB<', html)


def test_the_figures_are_the_index_totals(client, world):
    now = timezone.now().replace(microsecond=0)
    lobby = world.cameras.lobby
    footage(lobby, start=now - 3 * DAY, hours=24, gb_per_hour=0.5, segment_hours=0.25)  # 96 segments, 12 GB
    footage(
        lobby, start=now - dt.timedelta(hours=12), hours=12, gb_per_hour=0.25, segment_hours=0.5
    )  # 24, 3 GB
    footage(world.cameras.desk, start=now - DAY, hours=2)

    html = page(client, world.alice)

    index = Segment.objects.filter(camera=lobby)
    assert index.count() == 120
    rows = chart_rows(html)
    assert "15 GB" in rows["a-lobby"] and "120 segments" in rows["a-lobby"]
    assert "1.5 days" in rows["a-lobby"]  # 36 hours actually recorded, not the 3-day span
    assert re.search(r'id="storage-total">17 GB<', html)
    assert "122 segments · 5 cameras" in html


def test_a_camera_past_its_age_limit_says_what_the_next_run_deletes_and_the_run_agrees(client, world):
    now = timezone.now()
    lobby = world.cameras.lobby
    Camera.objects.filter(pk=lobby.pk).update(dvr_depth=7 * 86400)
    footage(lobby, start=now - dt.timedelta(days=9.3), hours=9.3 * 24, gb_per_hour=0.75, segment_hours=0.1)

    effect = chart_rows(page(client, world.alice))["a-lobby"]

    assert "Keeps 7 days; oldest footage is 9.3 days old" in effect
    assert "about 2.3 days (41.4 GB) will be deleted at the next run" in effect
    before = sum(Segment.objects.filter(camera=lobby).values_list("bytes", flat=True))
    report = retention_run()
    assert report.deleted_bytes == pytest.approx(41.4 * GB, rel=0.01)
    assert before - report.deleted_bytes == sum(
        Segment.objects.filter(camera=lobby).values_list("bytes", flat=True)
    )


def test_a_camera_over_its_space_limit_says_the_oldest_bytes_go_next(client, world):
    now = timezone.now()
    desk = world.cameras.desk
    Camera.objects.filter(pk=desk.pk).update(dvr_space_limit=50 * GB)
    footage(desk, start=now - dt.timedelta(hours=63), hours=62, gb_per_hour=1)

    html = page(client, world.alice)

    assert "Space limit 50 GB, 62 GB used → the oldest 12 GB go next." in chart_rows(html)["a-desk"]
    assert re.search(r"Next retention run.*?12 GB.*?on 1 camera over a limit", html, re.S)
    assert retention_run().deleted_bytes == 12 * GB


def test_protected_footage_over_the_space_limit_is_reported_as_staying(client, world):
    now = timezone.now()
    desk = world.cameras.desk
    Camera.objects.filter(pk=desk.pk).update(dvr_space_limit=10 * GB)
    footage(desk, start=now - dt.timedelta(hours=20), hours=12, protected=True)
    footage(desk, start=now - dt.timedelta(hours=8), hours=4)

    effect = chart_rows(page(client, world.alice))["a-desk"]

    assert "Space limit 10 GB, 16 GB used → the oldest 4 GB go next" in effect
    assert "2 GB of protected footage stays over the limit" in effect


def test_an_inherited_policy_is_shown_with_its_effect(client, world):
    now = timezone.now()
    RetentionPolicy.objects.create(
        scope=RetentionScope.ORGANIZATION, organization=world.org_a, max_age=3 * 86400
    )
    footage(world.cameras.lobby, start=now - 2 * DAY, hours=24)

    html = page(client, world.alice)

    row = re.search(r'<tr data-camera="a-lobby">(.*?)</tr>', html, re.S).group(1)
    assert "3 days" in row and "inherited" in row
    assert "Keeps 3 days; oldest footage is 2 days old, nothing to delete yet." in chart_rows(html)["a-lobby"]
    assert "No age or space limit" in chart_rows(page(client, world.carol))["b-gate"]


def test_node_disks_are_shown_to_organization_admins_only(client, world):
    now = timezone.now()
    node = StreamerFactory(
        hostname="rec-01.example",
        last_heartbeat_at=now,
        stats={"partitions": [{"path": "/srv/nvr", "total_mb": 953_675, "free_mb": 95_367, "usage": 90}]},
    )
    footage(world.cameras.lobby, start=now - dt.timedelta(hours=3), hours=2, streamer=node)

    admin_view = page(client, world.alice)
    viewer_view = page(client, world.bob)

    assert 'id="storage-nodes"' in admin_view and "rec-01.example" in admin_view
    assert "100 GB free of 1 TB · 90 % used" in text(admin_view)
    assert "Org A footage here 2 GB" in text(admin_view)
    assert 'id="storage-nodes"' not in viewer_view and "rec-01.example" not in viewer_view


def test_a_node_below_its_free_floor_says_what_retention_will_do(client, world, settings):
    settings.NVR_MIN_FREE_PERCENT = 10
    StreamerFactory(
        last_heartbeat_at=timezone.now() - dt.timedelta(minutes=5),
        stats={"partitions": [{"path": "/srv/nvr", "total_mb": 1000, "free_mb": 50, "usage": 95}]},
    )

    html = page(client, world.alice)

    assert "Offline" in html and "Below its free-space floor" in html
    assert "the larger of 0 B and 10 % of the disk" in html


def test_protected_recordings_are_listed_by_camera_with_a_link_to_play_them(client, world):
    now = timezone.now().replace(microsecond=0)
    start = now - dt.timedelta(hours=6)
    footage(world.cameras.desk, start=start, hours=2, segment_hours=0.5, protected=True)
    footage(world.cameras.desk, start=now - dt.timedelta(hours=3), hours=1, retention_until=now + 30 * DAY)
    footage(world.cameras.vault, start=start, hours=1, protected=True)
    EpisodeFactory(
        camera=world.cameras.desk,
        opened_at=start + dt.timedelta(minutes=10),
        closed_at=start + dt.timedelta(minutes=12),
        protected=True,
        title="Forced door",
    )

    html = page(client, world.bob)

    section = html[html.index('id="storage-protected"') :]
    assert 'data-camera="a-desk"' in section and 'data-camera="a-vault"' not in section
    assert "3 GB in 5 segments" in section  # four flagged half-hours and one kept until a date, in two ranges
    assert section.count("Kept until") == 1 and "Forced door" in section
    assert f'href="/cameras/a-desk/?at={int(start.timestamp())}"' in section
    assert re.search(r"2 min.*?500 MB.*?Forced door", section, re.S)  # 2 minutes within a 500 MB segment


def test_the_page_costs_the_same_queries_for_two_cameras_or_twenty(client, world):
    now = timezone.now()
    client.force_login(world.alice)
    Camera.objects.filter(pk=world.cameras.lobby.pk).update(dvr_depth=86400)
    footage(world.cameras.lobby, start=now - 2 * DAY, hours=4, protected=True)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for number in range(20):
        camera = CameraFactory(organization=world.org_a, dvr_depth=86400 + number, dvr_space_limit=GB)
        footage(camera, start=now - 2 * DAY, hours=4, protected=bool(number % 2))
    with CaptureQueriesContext(connection) as many:
        client.get(URL)

    assert len(many) == len(few)


def test_a_user_without_an_organization_gets_an_empty_state(client, world):
    loner = UserFactory()

    html = page(client, loner)

    assert "No organization" in html and "usage-row" not in html


def test_a_member_without_cameras_is_told_so(client, world):
    dave = UserFactory(login="dave")
    MembershipFactory(user=dave, organization=world.org_a)

    html = page(client, dave)

    assert "There are no cameras you may see" in html and "Nothing is protected" in html
