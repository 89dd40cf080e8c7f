"""Check and sync: the index and the disk are made to agree both ways."""

import os
import time

import pytest

from recordings.models import Segment
from recordings.sync import recordings_check, recordings_sync

from .conftest import decode_counters, fetch_range

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_rows_without_files_go_and_files_without_rows_are_indexed_again(client, world, recording, settings):
    rec = recording(world.cameras.lobby)
    rec.wait_for_fragments(7)
    rec.finish()
    first, second, *rest = Segment.objects.filter(camera=world.cameras.lobby).order_by("started_at")
    fragments = second.fragments()
    os.remove(settings.NVR_MEDIA_ROOT / first.path)  # a file lost on disk
    second_path = settings.NVR_MEDIA_ROOT / second.path
    Segment.objects.filter(pk=second.pk).delete()  # a row lost from the index
    old = time.time() - 3600
    os.utime(second_path, (old, old))  # settled: not a file the recorder is still announcing

    check = recordings_check()
    assert check.missing_files == [first.pk] and check.orphan_files == [second.path]
    assert Segment.objects.filter(pk=first.pk).exists()  # a check changes nothing

    report = recordings_sync()
    assert (report.rows_deleted, report.files_indexed) == (1, 1)
    assert not Segment.objects.filter(pk=first.pk).exists()
    found = Segment.objects.get(camera=world.cameras.lobby, path=second.path)
    assert found.complete and found.started_at == second.started_at
    assert [(f.start_us, f.size, f.is_key) for f in found.fragments()] == [
        (f.start_us, f.size, f.is_key) for f in fragments
    ]
    client.force_login(world.alice)
    assert decode_counters(fetch_range(client, f"/media/a-lobby/segments/{found.pk}.mp4", 0, found.bytes))
    assert recordings_check().missing_files == [] and recordings_check().orphan_files == []
