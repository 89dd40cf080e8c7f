"""Record one camera while holding its lease: the code both the Celery task and the command run."""

import logging
import os
import threading
import uuid

from django.conf import settings
from django.db import connection

from cameras.choices import CameraStatus
from cameras.models import Camera, CameraInput, Streamer
from cameras.services import node_name
from cameras.services.nodes import placement_record
from recordings.layout import camera_folder
from recordings.media.index import GapRecord
from recordings.media.session import RecordingLoop
from recordings.media.source import SourceConfig
from recordings.models import Segment

from .lease import lease_claim, lease_release
from .recovery import recover_open_segments
from .writer import IndexWriter, wall_us

logger = logging.getLogger(__name__)


HELD_ELSEWHERE = "another recorder holds the camera"


def lease_owner_name() -> str:
    """node:pid:random, so the heartbeat can count this node's cameras and leases stay distinct."""
    return f"{node_name()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def record_camera(*, camera_id: int, stop: threading.Event, token: str = "") -> str:
    """Record until `stop` is set, the lease is lost, or the camera is disabled. Returns why it ended.

    1. Claim the lease (return at once if another worker has it).
    2. Recover segments a crash left open, then open a gap from the last footage to now.
    3. Run the recording loop; the index writer renews the lease, and losing it stops the loop.
    4. On the way out, close the open segment, flush the index, release the lease.
    """
    owner = lease_owner_name()
    if not lease_claim(camera_id=camera_id, owner=owner, token=token):
        return HELD_ELSEWHERE
    camera = Camera.objects.select_related("streamer").get(pk=camera_id)
    pinned = camera.streamer
    if pinned is not None and pinned.hostname != node_name() and pinned.enabled and pinned.channel_limit != 0:
        lease_release(camera_id=camera_id, owner=owner)
        return f"pinned to node {camera.streamer.hostname}"
    source_input = camera.inputs.filter(purpose=CameraInput.Purpose.MAIN).order_by("position").first()
    if source_input is None:
        lease_release(camera_id=camera_id, owner=owner)
        return "the camera has no input"
    placement_record(camera=camera, hostname=node_name())
    recover_open_segments(camera_id=camera_id)
    open_gap = _gap_since_last_footage(camera)
    streamer = Streamer.objects.filter(hostname=node_name()).first()
    writer = IndexWriter(camera=camera, streamer_id=streamer.pk if streamer else None, lease_owner=owner)
    loop_stop = threading.Event()
    watcher = threading.Thread(
        target=_watch, args=(stop, writer.lost, loop_stop), daemon=True, name=f"stop-{camera.name}"
    )
    source = SourceConfig(source_input.source_url(), camera.rtsp_transport)
    connection.close()  # the writer thread holds the camera's one connection from here on
    writer.start()
    watcher.start()
    try:
        RecordingLoop(
            camera_dir=camera_folder(camera),
            source=source,
            root=str(settings.NVR_MEDIA_ROOT),
            segment_seconds=camera.segment_duration,
            record_audio=camera.record_audio,
            emit=writer.emit,
            stop=loop_stop,
        ).run(open_gap=open_gap)
    finally:
        loop_stop.set()
        writer.close()
        lease_release(camera_id=camera_id, owner=owner)
        connection.close()
    if writer.lost.is_set():
        return "lease lost or camera disabled"
    return "the worker is stopping" if stop.is_set() else "stopped"


def _watch(stop: threading.Event, lost: threading.Event, loop_stop: threading.Event) -> None:
    """Stop the loop when the worker stops or the lease is lost."""
    while not loop_stop.is_set():
        if stop.wait(0.5) or lost.is_set():
            loop_stop.set()


def _gap_since_last_footage(camera: Camera) -> GapRecord | None:
    """The outage from the camera's last footage to now: switched off, or no recorder running."""
    last = (
        Segment.objects.filter(camera=camera).order_by("-ended_at").values_list("ended_at", flat=True).first()
    )
    if last is None:
        return None
    if camera.status == CameraStatus.DISABLED:
        return GapRecord(wall_us(last), None, "disabled", "the camera was disabled")
    return GapRecord(wall_us(last), None, "worker_stopped", "no recorder was running")
