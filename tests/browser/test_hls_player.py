"""hls.js (vendored) plays our live and archive playlists in headless Chromium."""

import datetime as dt
import io
from urllib.parse import urlencode

import av
import pytest

from recordings.models import Segment
from recordings.playback.tokens import media_token_issue
from tests.playback.conftest import PLAYBACK_CLIP, Recording
from tests.support.rtsp_camera import read_frame_counter

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
FPS, GOP_FRAMES, LOOP_FRAMES = 25, 25, 200

PLAYER = """
async (source) => {
  const video = document.createElement('video');
  video.muted = true;
  video.style = 'width:640px;height:360px;position:fixed;left:0;top:0;background:#000';
  document.body.appendChild(video);
  const hls = new Hls({enableWorker: false});
  window.__errors = [];
  hls.on(Hls.Events.ERROR, (_, data) => { if (data.fatal) window.__errors.push(data.details); });
  hls.loadSource(source);
  hls.attachMedia(video);
  window.__video = video;
}
"""


def open_player(page, live_server, source: str) -> None:
    page.set_viewport_size({"width": 800, "height": 500})
    page.goto(f"{live_server.url}/healthz")
    page.add_script_tag(url=f"{live_server.url}/static/vendor/hls.js/hls.min.js")
    page.evaluate(PLAYER, source)


def shown_counter(page) -> int:
    png = page.locator("video").screenshot()
    with av.open(io.BytesIO(png)) as container:
        frame = next(container.decode(video=0))
    return read_frame_counter(frame)


@pytest.fixture
def camera_source(rtsp_camera):
    return rtsp_camera(PLAYBACK_CLIP)


def test_an_archive_instant_shows_the_picture_of_that_instant(page, live_server, world, camera_source):
    recording = Recording(world.cameras.lobby, camera_source).start()
    recording.wait_for_fragments(9)
    recording.finish()
    first = Segment.objects.filter(camera=world.cameras.lobby).order_by("started_at").first()
    token = media_token_issue(user=world.alice, camera_id=world.cameras.lobby.pk)

    # Where the recording starts, and what its first picture shows: the reference for the clock.
    start = first.started_at.timestamp()
    open_player(
        page,
        live_server,
        f"/media/a-lobby/archive.m3u8?{urlencode({'from': start, 'to': start + 2, 'token': token})}",
    )
    page.wait_for_function("() => window.__video.readyState >= 2")
    origin = shown_counter(page)

    instant = first.started_at + dt.timedelta(seconds=4.4)
    query = urlencode(
        {"from": instant.isoformat(), "to": (instant + dt.timedelta(seconds=3)).isoformat(), "token": token}
    )
    open_player(page, live_server, f"/media/a-lobby/archive.m3u8?{query}")
    page.wait_for_function("() => window.__video.readyState >= 2")
    shown = shown_counter(page)
    expected = (origin + round(4.4 * FPS)) % LOOP_FRAMES
    assert 0 <= (expected - shown) % LOOP_FRAMES <= GOP_FRAMES  # within one GOP before the instant
    page.evaluate("window.__video.play()")
    page.wait_for_function("() => window.__video.currentTime > 1.5", timeout=15_000)
    assert page.evaluate("window.__errors") == []


def test_live_video_starts_and_keeps_playing(page, live_server, world, camera_source):
    recording = Recording(world.cameras.lobby, camera_source).start()
    try:
        recording.wait_for_fragments(4)
        token = media_token_issue(user=world.bob, camera_id=world.cameras.lobby.pk)  # live grant only
        open_player(page, live_server, f"/media/a-lobby/live.m3u8?token={token}")
        page.evaluate("window.__video.play()")
        page.wait_for_function("() => window.__video.currentTime > 0", timeout=15_000)
        started = page.evaluate("window.__video.currentTime")
        page.wait_for_function(f"() => window.__video.currentTime > {started + 3}", timeout=20_000)
        assert page.evaluate("window.__errors") == []
        shown_counter(page)  # a real picture from the camera, counter and all
    finally:
        recording.finish()
