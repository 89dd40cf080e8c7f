"""A real, small filesystem filled by a real recording: retention keeps it recording."""

import os
import subprocess
import threading
import time

import pytest

from recordings.models import Segment
from recordings.retention import retention_run
from tests.playback.conftest import Recording
from tests.support.rtsp_camera import ClipSpec

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
FAST_CLIP = ClipSpec(bitrate=4_000_000, seconds=4.0)  # ~0.57 MB/s: fills 8 MB in seconds


@pytest.fixture
def small_disk(tmp_path, settings):
    """An 8 MB tmpfs as the media root (needs root, as CI and this machine kind have)."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        if os.environ.get("NVR_REQUIRE_TMPFS"):
            pytest.fail(f"cannot mount a tmpfs: {done.stderr.decode().strip()}")
        pytest.skip("mounting a tmpfs needs root")
    settings.NVR_MEDIA_ROOT = mount
    settings.NVR_MIN_FREE_BYTES = 3 * 2**20
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_loses_the_oldest_unprotected_footage_and_keeps_recording(world, rtsp_camera, small_disk):
    camera = world.cameras.lobby
    recording = Recording(camera, rtsp_camera(FAST_CLIP), segment_seconds=1.0).start()
    stop = threading.Event()
    reports = []

    def beat():  # what beat does every minute, every half second here
        while not stop.wait(0.5):
            reports.append(retention_run())

    retention = threading.Thread(target=beat, daemon=True)
    try:
        recording.wait_for_fragments(2)
        first = Segment.objects.filter(camera=camera).order_by("started_at").first()
        Segment.objects.filter(pk=first.pk).update(protected=True)  # an operator keeps the first second
        retention.start()
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and sum(r.deleted_segments for r in reports) < 8:
            time.sleep(0.5)
        last_before = Segment.objects.filter(camera=camera).order_by("-started_at").first().ended_at
        time.sleep(4)
        last_after = Segment.objects.filter(camera=camera).order_by("-started_at").first().ended_at
    finally:
        stop.set()
        retention.join(10)
        recording.finish()
    assert sum(r.deleted_segments for r in reports) >= 8  # the disk filled, and footage went
    assert (last_after - last_before).total_seconds() >= 2  # recording went on throughout
    remaining = list(Segment.objects.filter(camera=camera).order_by("started_at"))
    assert remaining[0].pk == first.pk and remaining[0].protected  # the protected footage stayed
    for segment in remaining:  # every row has its file...
        assert (small_disk / segment.path).exists()
    on_disk = {str(p.relative_to(small_disk)) for p in small_disk.rglob("*.mp4")}
    assert on_disk == {s.path for s in remaining}  # ...and every file its row
    # The oldest went first: what is left (past the protected one) are the newest, none missing.
    newest = [s.pk for s in remaining[1:]]
    assert newest == list(range(newest[0], newest[0] + len(newest)))
    assert Segment.objects.filter(camera=camera).exclude(pk=first.pk).filter(pk__lt=newest[0]).count() == 0
