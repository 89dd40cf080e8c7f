"""A Watcher client's playback path, end to end in headless Chromium.

The page asks `GET /streams` (Basic auth, as a client app would) for `stats.playback_token` and
`stats.streaming_endpoint`, builds the Flussonic URLs from them and plays them in hls.js: the live
`index.m3u8`, then `archive-FROM-DURATION.m3u8`; `archive-FROM-DURATION.mp4` is downloaded through
a link and decoded with PyAV.
"""

import base64
import math

import av
import pytest

from recordings.models import Segment
from tests.browser import conftest as chromium
from tests.browser.test_hls_player import open_player, shown_counter
from tests.factories import PASSWORD
from tests.playback.test_hls import FPS

from . import test_media_urls

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
browser, page = chromium.browser, chromium.page  # headless Chromium, as tests/browser has it
footage = test_media_urls.footage  # the simulated camera, recorded
ARCHIVE_SECONDS = 4

STREAMS = """
async ([url, credentials]) => {
  const response = await fetch(url, {headers: {Authorization: 'Basic ' + credentials}});
  return {status: response.status, body: await response.json()};
}
"""

DOWNLOAD = """
(url) => {
  const link = document.createElement('a');
  link.href = url;
  link.download = 'clip.mp4';
  document.body.appendChild(link);
  link.click();
}
"""


def stream_from_the_api(page, live_server, login: str, name: str) -> dict:
    """The page's own `streams_list` call, narrowed to one stream and the fields a player needs."""
    credentials = base64.b64encode(f"{login}:{PASSWORD}".encode()).decode()
    url = (
        f"{live_server.url}/watcher/client-api/v3/streams?name={name}"
        "&select=name,stats.playback_token,stats.streaming_endpoint"
    )
    page.goto(f"{live_server.url}/healthz")
    answer = page.evaluate(STREAMS, [url, credentials])
    assert answer["status"] == 200, answer
    [stream] = answer["body"]["streams"]
    return stream


def play_for(page, seconds: float) -> None:
    page.evaluate("window.__video.play()")
    page.wait_for_function("() => window.__video.currentTime > 0", timeout=15_000)
    started = page.evaluate("window.__video.currentTime")
    page.wait_for_function(f"() => window.__video.currentTime >= {started + seconds}", timeout=20_000)
    assert page.evaluate("window.__errors") == []


def test_streams_list_gives_what_hls_js_needs_to_play_live_and_archive(
    page,
    live_server,
    world,
    footage,
    tmp_path,
):
    rec = footage(world.cameras.lobby)
    rec.wait_for_fragments(ARCHIVE_SECONDS + 4)
    stream = stream_from_the_api(page, live_server, "alice", "a-lobby")
    endpoint, token = stream["stats"]["streaming_endpoint"], stream["stats"]["playback_token"]
    assert endpoint == f"{live_server.url}/flussonic"  # absolute, on the host the client called
    media = f"{endpoint}/{stream['name']}"

    open_player(page, live_server, f"{media}/index.m3u8?token={token}")
    play_for(page, 3)
    shown_counter(page)  # a real picture from the camera, counter and all

    first = Segment.objects.filter(camera=world.cameras.lobby).order_by("started_at").first()
    start = math.ceil(first.started_at.timestamp()) + 1
    open_player(page, live_server, f"{media}/archive-{start}-{ARCHIVE_SECONDS}.m3u8?token={token}")
    page.wait_for_function("() => window.__video.readyState >= 2 && isFinite(window.__video.duration)")
    assert abs(page.evaluate("window.__video.duration") - ARCHIVE_SECONDS) < 1.1  # whole fragments
    play_for(page, 2)
    shown_counter(page)

    with page.expect_download() as download:
        page.evaluate(DOWNLOAD, f"{media}/archive-{start}-{ARCHIVE_SECONDS}.mp4?token={token}")
    assert download.value.failure() is None
    saved = tmp_path / "clip.mp4"
    download.value.save_as(saved)
    with av.open(str(saved)) as container:
        assert {s.type for s in container.streams} >= {"video"}
        frames = list(container.decode(video=0))
        assert abs(container.duration / 1_000_000 - ARCHIVE_SECONDS) < 0.15
    assert len(frames) >= ARCHIVE_SECONDS * FPS * 0.95
