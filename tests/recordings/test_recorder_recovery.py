"""A segment a crash left open is indexed from its file, its torn tail cut, and it plays."""

import threading
import uuid

import av
import pytest
from django.conf import settings

from recordings.media.index import SegmentClosed
from recordings.media.session import RecordingLoop
from recordings.media.source import SourceConfig
from recordings.models import Segment
from recordings.recorder.recovery import recover_open_segments
from recordings.recorder.writer import wall
from tests.factories import CameraFactory
from tests.media.conftest import write_clip

pytestmark = pytest.mark.django_db


@pytest.fixture
def crashed_segment(tmp_path):
    clip = tmp_path / "clip.mkv"
    write_clip(clip)
    records, camera = [], CameraFactory()
    RecordingLoop(
        camera_dir=camera.storage_key,
        source=SourceConfig(str(clip)),
        root=str(settings.NVR_MEDIA_ROOT),
        segment_seconds=10,
        record_audio=True,
        emit=records.append,
        stop=threading.Event(),
    ).run_once()
    closed = next(r for r in records if isinstance(r, SegmentClosed))
    path = settings.NVR_MEDIA_ROOT / closed.path
    torn_at = closed.fragments[2].byte_offset + 100  # the crash hit while fragment 3 was written
    path.write_bytes(path.read_bytes()[:torn_at])
    segment = Segment.objects.create(
        camera=camera,
        path=closed.path,
        run_id=uuid.uuid4(),
        started_at=wall(closed.started_us),
        ended_at=wall(closed.started_us),
    )
    return segment, closed, path


def test_recovery_indexes_complete_fragments_and_marks_the_segment_complete(crashed_segment):
    segment, closed, path = crashed_segment
    [recovered] = recover_open_segments(camera_id=segment.camera_id)
    segment.refresh_from_db()
    assert segment.complete
    assert segment.fragments() == list(closed.fragments[:2])
    assert segment.bytes == closed.fragments[2].byte_offset == path.stat().st_size  # torn tail cut off
    assert (segment.ended_at - segment.started_at).total_seconds() == 2.0
    with av.open(str(path)) as container:
        assert sum(1 for _ in container.decode(video=0)) == 50  # loss: only the torn fragment


def test_a_segment_with_no_complete_fragment_is_removed(crashed_segment):
    segment, closed, path = crashed_segment
    path.write_bytes(path.read_bytes()[: closed.init_size + 10])
    recover_open_segments(camera_id=segment.camera_id)
    assert not Segment.objects.filter(pk=segment.pk).exists()
    assert not path.exists()
