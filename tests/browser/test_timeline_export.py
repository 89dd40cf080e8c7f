"""The timeline page and clip export in a real browser, against footage from the simulated camera."""

import datetime as dt
import threading

import av
import pytest

from recordings import tasks
from recordings.choices import JobKind, JobStatus
from recordings.models import Job, Segment
from recordings.playback.exports import export_run
from tests.browser.test_camera_page import (
    FPS,
    GOP_FRAMES,
    circular,
    first_counter,
    screenshot,
    shown_counter,
    sign_in,
)
from tests.playback.conftest import PLAYBACK_CLIP, Recording

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
LOOP_FRAMES = 200


@pytest.fixture
def queued_exports(monkeypatch):
    """Exports the server queues are left to this test, which runs them as the worker would.

    Applied before the server process forks, so its dispatch is a no-op too.
    """
    monkeypatch.setattr(tasks.export_run_task, "delay", lambda job_id: None)


@pytest.fixture
def recorded(world, rtsp_camera):
    recording = Recording(world.cameras.lobby, rtsp_camera(PLAYBACK_CLIP)).start()
    yield recording
    recording.finish()


def test_a_click_on_a_cameras_row_plays_that_camera_at_that_instant(page, asgi_server, world, recorded):
    recorded.wait_for_fragments(12)
    first = Segment.objects.filter(camera=world.cameras.lobby).order_by("started_at").first()
    origin, start = first_counter(first), first.started_at.timestamp()

    page.set_viewport_size({"width": 1280, "height": 1000})
    sign_in(page, asgi_server, "alice")
    page.goto(f"{asgi_server.url}/recordings/timeline/")
    rows = page.evaluate("window.__timeline.rows.map(r => r.camera)")
    assert rows == ["a-desk", "a-granted", "a-lobby", "a-loose", "a-vault"]
    page.wait_for_function("() => window.__timeline.ranges('a-lobby').length > 0")
    assert page.evaluate("window.__timeline.ranges('a-desk').length") == 0

    instant = start + 5.1
    page.evaluate(f"window.__timeline.setWindow({instant - 30}, {instant + 30})")
    x = page.evaluate(f"window.__timeline.xFor({instant})")
    box = page.locator("#timeline canvas").bounding_box()
    row = rows.index("a-lobby")
    page.mouse.click(box["x"] + x, box["y"] + 22 + row * 30 + 15)  # axis, then 30 px a row
    page.wait_for_selector("#timeline-player:not([hidden])")
    assert page.locator("#playing-title").inner_text() == world.cameras.lobby.display_title
    page.wait_for_function("() => document.getElementById('video').readyState >= 2", timeout=15_000)
    page.evaluate("document.getElementById('video').pause()")
    expected = (origin + round((instant - start) * FPS)) % LOOP_FRAMES
    assert circular(shown_counter(page), expected) <= GOP_FRAMES
    screenshot(page, "timeline-page")


def test_a_clip_selected_on_the_timeline_exports_with_progress_and_downloads(
    page, queued_exports, asgi_server, world, recorded, tmp_path
):
    recorded.wait_for_fragments(14)
    first = Segment.objects.filter(camera=world.cameras.lobby).order_by("started_at").first()
    start = first.started_at.timestamp()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, asgi_server, "alice")
    page.goto(f"{asgi_server.url}/cameras/a-lobby/")
    page.wait_for_function("() => window.__timeline.ranges('a-lobby').length > 0")

    # Shift-drag from T+1 s to T+7 s selects the clip.
    page.evaluate(f"window.__timeline.setWindow({start - 5}, {start + 25})")
    box = page.locator("#timeline canvas").bounding_box()
    x0 = box["x"] + page.evaluate(f"window.__timeline.xFor({start + 1})")
    x1 = box["x"] + page.evaluate(f"window.__timeline.xFor({start + 7})")
    page.keyboard.down("Shift")
    page.mouse.move(x0, box["y"] + 35)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, box["y"] + 35)
    page.mouse.move(x1, box["y"] + 35)
    page.mouse.up()
    page.keyboard.up("Shift")
    page.get_by_role("button", name="Export selection").click()
    page.wait_for_selector("#export-status a")

    job = Job.objects.get(kind=JobKind.EXPORT, camera=world.cameras.lobby)
    assert abs(job.range_start.timestamp() - (start + 1)) < 0.3
    assert abs((job.range_end - job.range_start) - dt.timedelta(seconds=6)) < dt.timedelta(seconds=0.3)

    page.get_by_role("link", name="Follow its progress on the Exports page").click()
    page.wait_for_selector("text=Pending")
    worker = threading.Thread(target=export_run, args=(job.pk,))  # what the Celery task runs
    worker.start()
    worker.join(60)
    page.wait_for_selector("a:has-text('Download')", timeout=10_000)
    assert Job.objects.get(pk=job.pk).status == JobStatus.DONE
    screenshot(page, "exports-done-from-timeline")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download").first.click()
    path = tmp_path / "clip.mp4"
    download.value.save_as(path)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(video=0))
        duration = float(stream.duration * stream.time_base) if stream.duration else frames / FPS
    assert abs(duration - 6) < 0.5 and frames >= 6 * FPS - GOP_FRAMES
