"""The index writer turns pipeline records into rows, in order, off the recording thread."""

import uuid

import pytest

from recordings.media.index import (
    FragmentRecord,
    FragmentWritten,
    GapRecord,
    SegmentClosed,
    SegmentOpened,
    StatusRecord,
    StreamInfo,
)
from recordings.models import Gap, Segment
from recordings.recorder.writer import IndexWriter, wall, wall_us
from tests.factories import CameraFactory

pytestmark = pytest.mark.django_db(transaction=True)
pytest_plugins = ["tests.support.push_service"]

T0 = 1_795_000_000_123_456
INFO = StreamInfo("h264", 640, 360, 25.0, "aac", "pcm_mulaw")


def fragment(n: int) -> FragmentRecord:
    return FragmentRecord(n * 1_000_000, 1_000_000, 800 + n * 1000, 1000, n % 2 == 0)


def test_records_become_segments_gaps_and_camera_status():
    camera = CameraFactory()
    writer = IndexWriter(camera=camera, streamer_id=None)
    writer.start()
    path = "cam/2026/11/24/000000.000000-abc.mp4"
    writer.emit(StatusRecord("running", "", INFO, 512, T0))
    writer.emit(GapRecord(T0 - 5_000_000, None, "connect_failed", "refused"))
    writer.emit(SegmentOpened(uuid.uuid4().hex, path, T0, INFO))
    writer.emit(GapRecord(T0 - 5_000_000, T0, "connect_failed", "refused"))
    for n in range(3):
        writer.emit(FragmentWritten(path, fragment(n), 800, 800 + (n + 1) * 1000))
    writer.emit(SegmentClosed(path, T0, T0 + 3_000_000, 3800, 800, tuple(fragment(n) for n in range(3))))
    writer.close()
    assert not writer.failed.is_set()

    segment = Segment.objects.get(camera=camera)
    assert segment.complete and segment.bytes == 3800 and segment.init_size == 800
    assert wall_us(segment.started_at) == T0 and wall_us(segment.ended_at) == T0 + 3_000_000
    assert segment.fragments() == [fragment(n) for n in range(3)]
    assert (segment.video_codec, segment.audio_codec, segment.width) == ("h264", "aac", 640)
    gap = Gap.objects.get(camera=camera)  # the open gap was closed, not duplicated
    assert (gap.started_at, gap.ended_at, gap.reason) == (wall(T0 - 5_000_000), wall(T0), "connect_failed")
    camera.refresh_from_db()
    assert (camera.status, camera.bitrate, camera.audio_transcoded) == ("running", 512, True)


def test_an_open_segment_grows_as_fragments_arrive():
    camera = CameraFactory()
    writer = IndexWriter(camera=camera, streamer_id=None)
    writer.start()
    path = "cam/x.mp4"
    writer.emit(SegmentOpened(uuid.uuid4().hex, path, T0, INFO))
    writer.emit(FragmentWritten(path, fragment(0), 800, 1800))
    writer.emit(FragmentWritten(path, fragment(1), 800, 2800))
    writer.close()
    segment = Segment.objects.get(camera=camera)
    assert not segment.complete
    assert segment.fragment_count == 2 and segment.bytes == 2800
    assert segment.init_size == 800  # a live player needs the init section of the open segment
    assert wall_us(segment.ended_at) == T0 + 2_000_000


def test_a_failed_batch_is_applied_again_from_the_same_state(monkeypatch):
    camera = CameraFactory()
    writer = IndexWriter(camera=camera, streamer_id=None)
    path = "cam/retry.mp4"
    original, failures = IndexWriter._close, [1]

    def flaky_close(self, record):
        original(self, record)
        if failures:
            failures.pop()
            raise RuntimeError("database went away")

    monkeypatch.setattr(IndexWriter, "_close", flaky_close)
    monkeypatch.setattr("recordings.recorder.writer._pause", lambda seconds: None)
    writer.start()
    writer.emit(SegmentOpened(uuid.uuid4().hex, path, T0, INFO))
    writer.emit(SegmentClosed(path, T0, T0 + 1_000_000, 1800, 800, (fragment(0),)))
    writer.close()
    assert not writer.failed.is_set()
    segment = Segment.objects.get(camera=camera)
    assert segment.complete and segment.fragments() == [fragment(0)]


def test_a_status_change_is_published_once_to_the_cameras_organization():
    import asyncio

    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from nvr_project.events import organization_group

    camera = CameraFactory()
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(organization_group(camera.organization_id), channel)
    writer = IndexWriter(camera=camera, streamer_id=None)
    writer.start()
    writer.emit(StatusRecord("running", "", INFO, 900, T0))
    writer.emit(StatusRecord("running", "", INFO, 950, T0 + 5_000_000))  # same state: no new event
    writer.emit(StatusRecord("waiting", "connection refused", None, 0, T0 + 9_000_000))
    writer.close()

    async def drain():
        received = []
        while True:
            try:
                received.append(await asyncio.wait_for(layer.receive(channel), 0.5))
            except TimeoutError:
                return received

    messages = async_to_sync(drain)()
    assert [(m["type"], m["payload"]["status"], m["payload"]["reason"]) for m in messages] == [
        ("camera.status", "running", ""),
        ("camera.status", "waiting", "connection refused"),
    ]
    assert messages[0]["payload"]["camera"] == camera.name and messages[0]["payload"]["width"] == 640


def test_status_changes_are_kept_in_the_audit_log_for_the_admin_events():
    from organizations.models import AuditEvent

    camera = CameraFactory()
    writer = IndexWriter(camera=camera, streamer_id=None)
    writer.start()
    writer.emit(StatusRecord("running", "", INFO, 900, T0))
    writer.emit(StatusRecord("running", "", INFO, 950, T0 + 5_000_000))
    writer.emit(StatusRecord("waiting", "connection refused", None, 0, T0 + 9_000_000))
    writer.emit(StatusRecord("waiting", "timed out", None, 0, T0 + 12_000_000))  # same state, new reason
    writer.close()
    logged = AuditEvent.objects.filter(kind="camera_status", object_id=camera.name).order_by("id")
    assert [e.message for e in logged] == [
        f"{camera.name} is running",
        f"{camera.name} is waiting: connection refused",
    ]
    assert {e.organization_id for e in logged} == {camera.organization_id}


def test_a_camera_that_stops_is_pushed_to_its_stream_dead_subscribers(push_service, celery_eager):
    import json

    from accounts.models import WebPushSubscription
    from cameras.models import EventSubscription
    from tests.factories import MembershipFactory, UserFactory

    camera = CameraFactory(title="Gate")
    user = UserFactory()
    MembershipFactory(user=user, organization=camera.organization, is_admin=True)
    browser = push_service.subscription()
    WebPushSubscription.objects.create(user=user, **browser.json()["keys"], endpoint=browser.endpoint)
    EventSubscription.objects.create(user=user, camera=camera, on_generic=False, on_stream_dead=True)
    writer = IndexWriter(camera=camera, streamer_id=None)
    writer.start()
    writer.emit(StatusRecord("running", "", INFO, 900, T0))
    writer.emit(StatusRecord("waiting", "connection refused", None, 0, T0 + 9_000_000))
    writer.close()
    (push,) = push_service.wait_for(1)
    message = json.loads(browser.decrypt(push.body))
    assert message["title"] == "Gate stopped" and message["body"] == "connection refused"
    assert message["event"] == "stream_dead"
