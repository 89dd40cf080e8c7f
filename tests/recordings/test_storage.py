"""Storage accounting: what each camera, organization and node holds, from the index."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from recordings.models import Run
from recordings.playback.storage import storage_by_camera, storage_totals
from tests.factories import SegmentFactory, StreamerFactory

pytestmark = pytest.mark.django_db


def test_bytes_and_days_per_camera_organization_and_node(world, django_assert_num_queries):
    now = timezone.now().replace(microsecond=0)
    node = StreamerFactory()
    lobby, gate = world.cameras.lobby, world.cameras.gate
    for hours, size, camera in ((48, 100, lobby), (24, 200, lobby), (1, 300, gate)):
        start = now - dt.timedelta(hours=hours)
        segment = SegmentFactory(
            camera=camera,
            started_at=start,
            ended_at=start + dt.timedelta(hours=1),
            bytes=size,
            streamer=node if camera is lobby else None,
        )
        Run.objects.create(camera=camera, run_id=uuid.uuid4(), started_at=start, ended_at=segment.ended_at)
    with django_assert_num_queries(2):
        usage = storage_by_camera([lobby.pk, gate.pk, world.cameras.desk.pk])
    assert usage[lobby.pk]["bytes"] == 300 and usage[lobby.pk]["segments"] == 2
    assert usage[lobby.pk]["oldest"] == now - dt.timedelta(hours=48)
    assert usage[lobby.pk]["recorded_days"] == pytest.approx(2 / 24)
    assert usage[world.cameras.desk.pk] == {
        "bytes": 0,
        "segments": 0,
        "oldest": None,
        "newest": None,
        "recorded_days": 0.0,
    }
    assert storage_totals("organization") == {
        world.org_a.pk: {"bytes": 300, "segments": 2},
        world.org_b.pk: {"bytes": 300, "segments": 1},
    }
    assert storage_totals("node") == {
        node.pk: {"bytes": 300, "segments": 2},
        None: {"bytes": 300, "segments": 1},
    }
