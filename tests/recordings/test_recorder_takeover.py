"""Workers die: exactly one records a camera, another takes over, and the torn segment is saved."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import av
import pytest
from django.db import connection

from cameras.models import Camera
from cameras.services import camera_create
from recordings.models import Gap, Segment
from recordings.recorder.supervisor import record_camera
from tests.factories import OrganizationFactory
from tests.support.rtsp_camera import TEST_H264_AAC
from tests.support.rtsp_camera import read_frame_counter as counter

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def start_worker(name: str, settings) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL"}}
    env.update(
        DATABASE_URL=database_url(), NVR_MEDIA_ROOT=str(settings.NVR_MEDIA_ROOT), NVR_NODE_NAME="worker-a"
    )
    return subprocess.Popen(
        [sys.executable, "manage.py", "record_camera", name],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_a_killed_worker_is_replaced_and_loses_at_most_one_fragment(rtsp_camera, settings):
    source = rtsp_camera(TEST_H264_AAC)
    camera = camera_create(
        organization=OrganizationFactory(),
        actor=None,
        name="doomed",
        input_urls=[source.url],
        segment_duration=60,
    )
    worker_a = start_worker(camera.name, settings)
    try:
        wait_for(
            lambda: Camera.objects.get(pk=camera.pk).lease_owner.startswith("worker-a:"),
            20,
            "worker A's lease",
        )
        # A second worker asking for the camera gets nothing, at once.
        started = time.monotonic()
        assert (
            record_camera(camera_id=camera.pk, stop=threading.Event()) == "another recorder holds the camera"
        )
        assert time.monotonic() - started < 1
        wait_for(
            lambda: Segment.objects.filter(camera=camera, fragment_count__gte=3).exists(), 20, "fragments"
        )
        time.sleep(0.5)  # the kill lands inside a fragment
    finally:
        worker_a.send_signal(signal.SIGKILL)
        worker_a.wait()
    killed_at = time.monotonic()
    sent_to_a = [f.frame_index for f in source.sent_frames()]

    stop_b = threading.Event()

    def worker_b():  # what recorder_assign does: offer the camera until a worker gets its lease
        while not stop_b.is_set():
            if record_camera(camera_id=camera.pk, stop=stop_b) != "another recorder holds the camera":
                return
            stop_b.wait(1)

    thread = threading.Thread(target=worker_b, daemon=True)
    thread.start()
    try:
        wait_for(lambda: Segment.objects.filter(camera=camera).count() >= 2, 20, "worker B's first segment")
        taken_over_after = time.monotonic() - killed_at
        time.sleep(1)
    finally:
        stop_b.set()
        thread.join(20)
    assert taken_over_after < 15

    torn, resumed = Segment.objects.filter(camera=camera).order_by("started_at")[:2]
    assert torn.complete and torn.fragment_count >= 3  # recovered by worker B before it recorded
    assert resumed.started_at >= torn.ended_at  # never overlapping
    with av.open(str(settings.NVR_MEDIA_ROOT / torn.path)) as container:
        recorded = [counter(frame) for frame in container.decode(video=0)]
    first_key = 0
    assert recorded == sent_to_a[first_key : len(recorded)]
    lost = len(sent_to_a) - len(recorded)
    assert lost <= TEST_H264_AAC.fps + 10  # one fragment (1 s) plus what was in flight when killed
    gap = Gap.objects.get(camera=camera)
    assert (
        gap.reason == "worker_stopped"
        and gap.started_at == torn.ended_at
        and gap.ended_at == resumed.started_at
    )
