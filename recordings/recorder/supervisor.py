"""Record one camera while holding its lease: the code both the Celery task and the command run."""

import logging
import os
import threading
import uuid

from django.conf import settings
from django.db import connection

from cameras.models import Camera, CameraInput, Streamer
from cameras.services import node_name
from recordings.media.index import GapRecord
from recordings.media.session import RecordingLoop
from recordings.media.source import SourceConfig
from recordings.models import Segment

from .lease import RENEW_EVERY_SECONDS, lease_claim, lease_release, lease_renew
from .recovery import recover_open_segments
from .writer import IndexWriter, wall_us

logger = logging.getLogger(__name__)


def lease_owner_name() -> str:
    """node:pid:random, so the heartbeat can count this node's cameras and leases stay distinct."""
    return f"{node_name()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def record_camera(*, camera_id: int, stop: threading.Event, token: str = "") -> str:
    """Record until `stop` is set, the lease is lost, or the camera is disabled. Returns why it ended.

    1. Claim the lease (return at once if another worker has it).
    2. Recover segments a crash left open, then open a gap from the last footage to now.
    3. Run the recording loop; a renewer thread extends the lease and stops the loop if it is lost.
    4. On the way out, close the open segment, flush the index, release the lease.
    """
    owner = lease_owner_name()
    if not lease_claim(camera_id=camera_id, owner=owner, token=token):
        return "another recorder holds the camera"
    camera = Camera.objects.select_related("streamer").get(pk=camera_id)
    source_input = camera.inputs.filter(purpose=CameraInput.Purpose.MAIN).order_by("position").first()
    if source_input is None:
        lease_release(camera_id=camera_id, owner=owner)
        return "the camera has no input"
    recover_open_segments(camera_id=camera_id)
    streamer = Streamer.objects.filter(hostname=node_name()).first()
    writer = IndexWriter(camera=camera, streamer_id=streamer.pk if streamer else None)
    writer.start()
    loop_stop = threading.Event()
    ended = {"why": "stopped"}
    renewer = threading.Thread(
        target=_renew,
        args=(camera_id, owner, stop, loop_stop, ended),
        name=f"lease-{camera.name}",
        daemon=True,
    )
    renewer.start()
    try:
        loop = RecordingLoop(
            camera_dir=camera.name.replace("/", "_"),
            source=SourceConfig(source_input.source_url(), camera.rtsp_transport),
            root=str(settings.NVR_MEDIA_ROOT),
            segment_seconds=camera.segment_duration,
            record_audio=camera.record_audio,
            emit=writer.emit,
            stop=loop_stop,
        )
        loop.run(open_gap=_gap_since_last_footage(camera_id))
    finally:
        loop_stop.set()
        renewer.join(5)
        writer.close()
        lease_release(camera_id=camera_id, owner=owner)
        connection.close()
    return ended["why"]


def _renew(
    camera_id: int, owner: str, stop: threading.Event, loop_stop: threading.Event, ended: dict
) -> None:
    try:
        while not loop_stop.wait(RENEW_EVERY_SECONDS):
            if stop.is_set():
                ended["why"] = "the worker is stopping"
                break
            if not lease_renew(camera_id=camera_id, owner=owner):
                ended["why"] = "lease lost or camera disabled"
                break
    except Exception:  # a database outage: stop recording rather than risk two recorders
        logger.exception("lease renewal failed for camera %s", camera_id)
        ended["why"] = "lease renewal failed"
    finally:
        loop_stop.set()
        connection.close()


def _gap_since_last_footage(camera_id: int) -> GapRecord | None:
    last = (
        Segment.objects.filter(camera_id=camera_id)
        .order_by("-ended_at")
        .values_list("ended_at", flat=True)
        .first()
    )
    if last is None:
        return None
    return GapRecord(wall_us(last), None, "worker_stopped", "no recorder was running")
