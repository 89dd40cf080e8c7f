"""The camera page in a real browser: live at once, and a click on the timeline plays that instant."""

import datetime as dt
import io
import os
import re
from pathlib import Path

import av
import pytest
from django.conf import settings

from recordings.models import Segment
from tests.factories import PASSWORD, EpisodeFactory
from tests.playback.conftest import PLAYBACK_CLIP, Recording
from tests.support.rtsp_camera import read_frame_counter

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
FPS, GOP_FRAMES, LOOP_FRAMES = 25, 25, 200
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def sign_in(page, server, login: str) -> None:
    page.goto(f"{server.url}/accounts/login/")
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/cameras/$"))


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def shown_counter(page) -> int:
    # The counter is burned into the picture's top-left corner, under the mode badge: hide it.
    page.add_style_tag(content=".player-badge, .player-clock { visibility: hidden; }")
    png = page.locator("#video").screenshot()
    page.add_style_tag(content=".player-badge, .player-clock { visibility: visible; }")
    with av.open(io.BytesIO(png)) as container:
        # The page shows the picture larger than the camera's 640×360; read it at the camera's size.
        return read_frame_counter(next(container.decode(video=0)).reformat(width=640, height=360))


def first_counter(segment: Segment) -> int:
    with av.open(os.path.join(settings.NVR_MEDIA_ROOT, segment.path)) as container:
        return read_frame_counter(next(container.decode(video=0)))


def circular(a: int, b: int) -> int:
    return min((a - b) % LOOP_FRAMES, (b - a) % LOOP_FRAMES)


@pytest.fixture
def camera_source(rtsp_camera):
    return rtsp_camera(PLAYBACK_CLIP)


def test_a_click_on_the_timeline_plays_the_footage_of_that_instant(page, asgi_server, world, camera_source):
    recording = Recording(world.cameras.lobby, camera_source).start()
    try:
        recording.wait_for_fragments(14)
        first = Segment.objects.filter(camera=world.cameras.lobby).order_by("started_at").first()
        origin, start = first_counter(first), first.started_at.timestamp()
        EpisodeFactory(
            camera=world.cameras.lobby,
            opened_at=first.started_at + dt.timedelta(seconds=7),
            closed_at=first.started_at + dt.timedelta(seconds=8),
        )

        page.set_viewport_size({"width": 1280, "height": 900})
        sign_in(page, asgi_server, "alice")
        page.goto(f"{asgi_server.url}/cameras/a-lobby/")
        # Live first: the picture moves.
        page.wait_for_function("() => document.getElementById('video').currentTime > 1", timeout=20_000)
        page.wait_for_function("() => window.__timeline.ranges('a-lobby').length > 0")

        instant = start + 3.3
        page.evaluate(f"window.__timeline.setWindow({instant - 20}, {instant + 20})")
        x = page.evaluate(f"window.__timeline.xFor({instant})")
        box = page.locator("#timeline canvas").bounding_box()
        page.mouse.click(box["x"] + x, box["y"] + 35)

        page.wait_for_function("() => document.getElementById('watch').dataset.mode === 'archive'")
        page.wait_for_function("() => document.getElementById('video').readyState >= 2", timeout=15_000)
        page.evaluate("document.getElementById('video').pause()")
        shown = shown_counter(page)
        expected = (origin + round((instant - start) * FPS)) % LOOP_FRAMES
        assert circular(shown, expected) <= GOP_FRAMES, (shown, expected)
        # The clock over the picture tells the instant played, to within a GOP.
        assert abs(page.evaluate("window.__player.instant()") - instant) <= 1.0
        screenshot(page, "camera-page-archive")

        # The next event is the episode 3.7 s on.
        page.get_by_role("button", name="Event/gap ⏭").click()
        page.wait_for_function(
            f"() => window.__player.instant() > {start + 6.5} && window.__player.instant() < {start + 8}",
            timeout=15_000,
        )

        page.get_by_role("button", name="Back to live").click()
        page.wait_for_function("() => document.getElementById('watch').dataset.mode === 'live'")
        page.wait_for_function("() => document.getElementById('video').currentTime > 1", timeout=20_000)
    finally:
        recording.finish()
