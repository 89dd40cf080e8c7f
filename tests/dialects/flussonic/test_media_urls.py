"""The Flussonic media URL forms Watcher clients build on `stats.streaming_endpoint`, played as clients do."""

import datetime as dt
import io
import math
import time
from urllib.parse import urlsplit

import av
import pytest

from recordings.models import Run, Segment
from recordings.playback.tokens import media_token_issue
from tests.browser import conftest as chromium
from tests.browser.test_hls_player import open_player, shown_counter
from tests.factories import EpisodeFactory
from tests.playback.conftest import PLAYBACK_CLIP, Playlist, Recording, decode_counters
from tests.playback.test_hls import FPS, GOP_FRAMES, LOOP_FRAMES, play
from tests.support.rtsp_camera import read_frame_counter

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
BASE = "/flussonic/a-lobby"
browser, page = chromium.browser, chromium.page  # headless Chromium, as tests/browser has it


@pytest.fixture
def footage(rtsp_camera):
    """footage(camera_row) -> Recording of the simulated camera, started; finished after the test."""
    started = []

    def start(camera):
        started.append(Recording(camera, rtsp_camera(PLAYBACK_CLIP)).start())
        return started[-1]

    yield start
    for rec in started:
        rec.finish()


def consecutive(counters: list[int]) -> bool:
    return counters == [(counters[0] + i) % LOOP_FRAMES for i in range(len(counters))]


def play_ts(client, text: str) -> list[int]:
    """A TS playlist as a player plays it: its files one after another, decoded as one stream."""
    uris = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert uris and all(".ts?token=" in uri for uri in uris)
    data = b""
    for uri in uris:
        response = client.get(uri)
        assert response.status_code == 200 and response["Content-Type"] == "video/mp2t"
        assert response.content[0] == 0x47  # an MPEG-TS sync byte
        data += response.content
    with av.open(io.BytesIO(data), format="mpegts") as container:
        assert {s.type for s in container.streams} == {"video", "audio"}
        return [read_frame_counter(frame) for frame in container.decode(video=0)]


def test_the_stream_endpoint_and_token_play_live_in_every_live_form(client, world, footage, api):
    rec = footage(world.cameras.lobby)
    rec.wait_for_fragments(6)
    stats = api("GET", "/streams/a-lobby", login="alice").json()["stats"]
    endpoint, token = stats["streaming_endpoint"], stats["playback_token"]
    assert endpoint == "http://testserver/flussonic"
    index = f"{urlsplit(endpoint).path}/a-lobby/index.m3u8?token={token}"
    response = client.get(index)
    assert response.status_code == 200 and response["Content-Type"] == "application/vnd.apple.mpegurl"
    text = response.content.decode()
    assert "#EXT-X-ENDLIST" not in text and "#EXT-X-MAP:" in text
    counters = play(client, Playlist.parse(text))  # init sections and fragments fetched by range
    assert len(counters) >= 2 * FPS and consecutive(counters)
    for form in ("video.m3u8", "index.fmp4.m3u8", "index.ll.m3u8"):
        same = client.get(f"{BASE}/{form}?token={token}")
        assert same.status_code == 200 and "#EXT-X-MAP:" in same.content.decode()

    ts = client.get(f"{BASE}/index.ts.m3u8?token={token}").content.decode()
    assert "#EXT-X-MAP" not in ts and "#EXT-X-ENDLIST" not in ts
    shown = play_ts(client, ts)
    assert len(shown) >= 2 * FPS and consecutive(shown)

    for form, kind in (("rewind-60", None), ("timeshift_rel-4", "EVENT")):
        playlist = client.get(f"{BASE}/{form}.m3u8?token={token}").content.decode()
        assert "#EXT-X-ENDLIST" not in playlist and ("#EXT-X-PLAYLIST-TYPE:EVENT" in playlist) == bool(kind)
        assert consecutive(play(client, Playlist.parse(playlist)))
    start = int(time.time()) - 3
    shifted = client.get(f"{BASE}/timeshift_abs-{start}.m3u8?token={token}").content.decode()
    assert "#EXT-X-START:TIME-OFFSET=0" in shifted and "#EXT-X-ENDLIST" not in shifted

    jpeg = client.get(f"{BASE}/preview.jpg?token={token}")
    assert jpeg.status_code == 200 and jpeg.content[:2] == b"\xff\xd8"
    mp4 = client.get(f"{BASE}/preview.mp4?token={token}")
    assert mp4.status_code == 200 and len(decode_counters(mp4.content)) == 1

    tracks = client.get(f"{BASE}/media_info.json?token={token}").json()["tracks"]
    assert [(t["content"], t["track_id"]) for t in tracks] == [("video", "v1"), ("audio", "a1")]
    assert tracks[0]["codec"] == "h264" and tracks[0]["width"] > 0 and tracks[0]["bitrate"] > 0
    info = client.get(f"{BASE}/info.json?token={token}").json()
    assert info["name"] == "a-lobby" and info["alive"] is True and info["media_info"]["tracks"] == tracks

    # Auth as the spec has it: no or a bad token is 403, another camera or tenant 404.
    assert client.get(f"{BASE}/index.m3u8").status_code == 403
    assert client.get(f"{BASE}/index.m3u8?token=forged").status_code == 403
    assert client.get(f"/flussonic/b-gate/index.m3u8?token={token}").status_code == 404
    assert client.get(f"/flussonic/nowhere/index.m3u8?token={token}").status_code == 404
    client.force_login(world.carol)
    assert client.get(f"{BASE}/index.m3u8").status_code == 404
    client.force_login(world.alice)  # the dashboard session, like our media views
    assert client.get(f"{BASE}/index.m3u8").status_code == 200


def test_dvr_windows_previews_and_exports_start_at_the_keyframe_before_from(client, world, footage):
    rec = footage(world.cameras.lobby)
    rec.wait_for_fragments(10)
    rec.finish()
    segments = list(Segment.objects.filter(camera=world.cameras.lobby).order_by("started_at"))
    first = segments[0]
    origin = decode_counters_of_first_keyframe(client, world, first)
    token = media_token_issue(user=world.alice, camera_id=world.cameras.lobby.pk)
    start = math.ceil(first.started_at.timestamp()) + 2  # whole seconds, mid-GOP in general
    offset = start - first.started_at.timestamp()
    expected = (origin + round(offset * FPS)) % LOOP_FRAMES

    texts = [
        client.get(f"{BASE}/{form}-{start}-3.m3u8?token={token}").content.decode()
        for form in ("archive", "index")
    ]
    texts.append(client.get(f"{BASE}/archive-{start}-3.fmp4.m3u8?token={token}").content.decode())
    assert texts[0] == texts[1] == texts[2] and texts[0].rstrip().endswith("#EXT-X-ENDLIST")
    playlist = Playlist.parse(texts[0])
    shown = play(client, playlist)
    assert (
        0 <= (expected - shown[0]) % LOOP_FRAMES < GOP_FRAMES and shown[0] % GOP_FRAMES == origin % GOP_FRAMES
    )
    assert sum(f[3] for f in playlist.fragments) >= 3 - 0.05 and consecutive(shown)
    ts = client.get(f"{BASE}/archive-{start}-3.ts.m3u8?token={token}").content.decode()
    assert ts.rstrip().endswith("#EXT-X-ENDLIST") and play_ts(client, ts)[: len(shown)] == shown

    export = client.get(f"{BASE}/archive-{start}-3.mp4?token={token}&filter.tracks=v1a1")
    assert export.status_code == 200 and export["Content-Type"] == "video/mp4"
    with av.open(io.BytesIO(b"".join(export.streaming_content))) as container:
        assert {s.type for s in container.streams} == {"video", "audio"}
        frames = list(container.decode(video=0))
        assert abs(container.duration / 1_000_000 - 3) < 0.15
    last = (expected + 3 * FPS - 1) % LOOP_FRAMES  # to a frame: wall time and frames differ by jitter
    assert len(frames) >= 3 * FPS * 0.95 and (read_frame_counter(frames[-1]) - last) % LOOP_FRAMES in (
        0,
        1,
        199,
    )
    video_only = client.get(f"{BASE}/archive-{start}-3.mp4?token={token}&filter.tracks=v1")
    with av.open(io.BytesIO(b"".join(video_only.streaming_content))) as container:
        assert [s.type for s in container.streams] == ["video"]
    as_ts = client.get(f"{BASE}/archive-{start}-3.ts?token={token}")
    with av.open(io.BytesIO(b"".join(as_ts.streaming_content)), format="mpegts") as container:
        assert len(list(container.decode(video=0))) >= 3 * FPS

    keyframe = client.get(f"{BASE}/{start}-preview.mp4?token={token}")
    assert decode_counters(keyframe.content) == [shown[0]]
    for form in (f"{start}-preview.jpg", f"{start}.jpg"):
        jpeg = client.get(f"{BASE}/{form}?token={token}")
        assert jpeg.status_code == 200 and jpeg.content[:2] == b"\xff\xd8"
    assert client.get(f"{BASE}/{start - 3600}-preview.jpg?token={token}").status_code == 404

    status = client.get(f"{BASE}/recording_status.json?token={token}").json()
    run = Run.objects.get(camera=world.cameras.lobby)
    assert status["from"] == int(run.started_at.timestamp()) and status["bytes"] == sum(
        s.bytes for s in segments
    )
    assert [r["from"] for r in status["ranges"]] == [status["from"]] and status["duration"] >= 9
    locked = segments[1]
    Segment.objects.filter(pk=locked.pk).update(protected=True)
    opened = first.started_at + dt.timedelta(seconds=1)
    EpisodeFactory(camera=world.cameras.lobby, opened_at=opened, closed_at=opened + dt.timedelta(seconds=2))
    query = f"from={start - 60}&to=now&request=ranges,locks,motion_log&token={token}"
    listed = client.get(f"{BASE}/recording_status.json?{query}").json()
    assert listed == [
        {
            "stream": "a-lobby",
            "ranges": status["ranges"],
            "locks": [
                {
                    "from": int(locked.started_at.timestamp()),
                    "duration": round(locked.duration.total_seconds()),
                }
            ],
            "motion_log": [{"from": int(opened.timestamp()), "duration": 2}],
        }
    ]
    only = client.get(
        f"{BASE}/recording_status.json?from={start - 60}&to={start + 60}&request=ranges&token={token}"
    )
    assert only.json() == [{"stream": "a-lobby", "ranges": status["ranges"]}]
    ms = int(run.started_at.timestamp() * 1000)
    ranges = client.get(f"{BASE}/ranges.json?opened_at_lte={ms + 1}&closed_at_gte={ms}&token={token}").json()
    assert ranges == {"ranges": [{"opened_at": ms, "closed_at": int(run.ended_at.timestamp() * 1000)}]}
    assert client.get(f"{BASE}/ranges.json?opened_at_lte={ms - 1}&token={token}").json() == {"ranges": []}
    page = client.get(f"{BASE}/ranges.json?limit=1&token={token}").json()
    assert page["ranges"] == ranges["ranges"] and page["cursor"] == str(ms)
    following = client.get(f"{BASE}/ranges.json?limit=1&cursor={page['cursor']}&token={token}").json()
    assert following == {"ranges": []}

    for bad in (
        "archive-abc-3.m3u8",
        f"archive-{start}-0.m3u8",
        f"index-{start}-x.m3u8",
        f"archive-{start}-7200.mp4",
        f"archive-{start}-soon.ts",
        "timeshift_rel-abc.m3u8",
        f"archive-{start - 7200}-now.mp4",  # longer than an export may be
    ):
        assert client.get(f"{BASE}/{bad}?token={token}").status_code == 400, bad
    assert client.get(f"{BASE}/ranges.json?limit=0&token={token}").status_code == 400
    assert client.get(f"{BASE}/archive-{start}-3.mp4").status_code == 403
    bob = media_token_issue(user=world.bob, camera_id=world.cameras.lobby.pk)  # live grant only
    assert client.get(f"{BASE}/archive-{start}-3.m3u8?token={bob}").status_code == 404
    assert client.get(f"/flussonic/b-gate/archive-{start}-3.mp4?token={token}").status_code == 404


def decode_counters_of_first_keyframe(client, world, first: Segment) -> int:
    """The counter of the first recorded frame (a keyframe), read through our own media route."""
    client.force_login(world.alice)
    fragment = first.fragments()[0]
    response = client.get(
        f"/media/a-lobby/segments/{first.pk}.mp4",
        HTTP_RANGE=f"bytes=0-{fragment.byte_offset + fragment.size - 1}",
    )
    client.logout()
    return decode_counters(b"".join(response.streaming_content))[0]


def test_a_live_window_reaching_now_stays_open(client, world, footage):
    rec = footage(world.cameras.lobby)
    rec.wait_for_fragments(4)
    token = media_token_issue(user=world.alice, camera_id=world.cameras.lobby.pk)
    start = int((dt.datetime.now(dt.UTC) - dt.timedelta(seconds=3)).timestamp())
    text = client.get(f"{BASE}/archive-{start}-now.m3u8?token={token}").content.decode()
    assert "#EXT-X-PLAYLIST-TYPE:EVENT" in text and "#EXT-X-ENDLIST" not in text
    assert consecutive(play(client, Playlist.parse(text)))


@pytest.mark.parametrize("form", ["index.m3u8", "index.ts.m3u8"])
def test_hls_js_plays_the_live_stream_in_both_containers(page, live_server, world, footage, form):
    rec = footage(world.cameras.lobby)
    rec.wait_for_fragments(4)
    token = media_token_issue(user=world.bob, camera_id=world.cameras.lobby.pk)  # live grant only
    open_player(page, live_server, f"{BASE}/{form}?token={token}")
    page.evaluate("window.__video.play()")
    page.wait_for_function("() => window.__video.currentTime > 0", timeout=15_000)
    started = page.evaluate("window.__video.currentTime")
    page.wait_for_function(f"() => window.__video.currentTime > {started + 3}", timeout=20_000)
    assert page.evaluate("window.__errors") == []
    shown_counter(page)  # a real picture from the camera, counter and all
