"""Live and archive HLS from the index, served by byte range, as a player fetches them."""

import datetime as dt
import time
from urllib.parse import quote

import pytest

from recordings.models import Run, Segment
from recordings.playback.tokens import media_token_issue

from .conftest import Playlist, decode_counters, fetch_range

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
FPS, GOP_FRAMES, LOOP_FRAMES = 25, 25, 200


def play(client, playlist: Playlist) -> list[int]:
    """What a player shows: each init section followed by its fragments, decoded."""
    counters, data, current_uri = [], b"", None
    maps = {uri: (offset, size) for uri, offset, size in playlist.maps}
    for uri, offset, size, _ in playlist.fragments:
        if uri != current_uri:
            if data:
                counters += decode_counters(data)
            data, current_uri = fetch_range(client, uri, *maps[uri]), uri
        data += fetch_range(client, uri, offset, size)
    return counters + decode_counters(data)


def test_an_archive_instant_plays_from_the_keyframe_before_it_across_segments(client, world, recording):
    rec = recording(world.cameras.lobby)
    rec.wait_for_fragments(9)
    rec.finish()
    segments = list(Segment.objects.filter(camera=world.cameras.lobby).order_by("started_at"))
    assert len(segments) >= 3 and all(s.complete for s in segments)
    first = segments[0]
    client.force_login(world.alice)
    whole = Playlist.parse(
        client.get(
            f"/media/a-lobby/archive.m3u8?from={first.started_at.timestamp()}&to={segments[-1].ended_at.timestamp()}"
        ).content.decode()
    )
    counters = play(client, whole)
    origin = counters[0]
    assert counters == [(origin + i) % LOOP_FRAMES for i in range(len(counters))]  # every frame, in order

    instant = first.started_at + dt.timedelta(seconds=3.3)
    response = client.get(
        f"/media/a-lobby/archive.m3u8?from={instant.isoformat()}&to={instant.timestamp() + 2}"
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/vnd.apple.mpegurl"
    playlist = Playlist.parse(response.content.decode())
    shown = play(client, playlist)
    expected = (origin + round(3.3 * FPS)) % LOOP_FRAMES
    assert 0 <= (expected - shown[0]) % LOOP_FRAMES <= GOP_FRAMES  # the keyframe at or before the instant
    assert shown[0] % GOP_FRAMES == origin % GOP_FRAMES  # and it is a keyframe
    assert sum(f[3] for f in playlist.fragments) >= 2.0 - 0.05  # covers the asked range


def test_a_reconnect_is_a_discontinuity_with_wall_time_and_both_sides_play(client, world, recording):
    rec = recording(world.cameras.lobby)
    rec.wait_for_fragments(4)
    rec.source.drop()
    time.sleep(1.5)
    rec.wait_for_fragments(10)
    rec.finish()
    segments = list(Segment.objects.filter(camera=world.cameras.lobby).order_by("started_at"))
    assert len({s.run_id for s in segments}) == 2
    runs = {r.run_id: (r.started_at, r.ended_at) for r in Run.objects.filter(camera=world.cameras.lobby)}
    for run_id, (started, ended) in runs.items():  # the timeline's rollup matches the segments
        own = [s for s in segments if s.run_id == run_id]
        assert (started, ended) == (own[0].started_at, own[-1].ended_at)
    assert len(runs) == 2
    client.force_login(world.alice)
    text = client.get(
        "/media/a-lobby/archive.m3u8",
        {"from": segments[0].started_at.timestamp(), "to": segments[-1].ended_at.timestamp()},
    ).content.decode()
    assert text.count("#EXT-X-DISCONTINUITY") == 1 and text.count("#EXT-X-PROGRAM-DATE-TIME") == 2
    assert text.rstrip().endswith("#EXT-X-ENDLIST")
    second_run = next(s for s in segments if s.run_id != segments[0].run_id)
    assert f"#EXT-X-PROGRAM-DATE-TIME:{second_run.started_at:%Y-%m-%dT%H:%M:%S}" in text
    counters = play(client, Playlist.parse(text))
    assert len(counters) >= 9 * FPS * 0.9  # both sides decode


def test_the_live_playlist_starts_at_a_keyframe_and_numbers_fragments_stably(client, world, recording):
    rec = recording(world.cameras.lobby)
    rec.wait_for_fragments(6)
    token = media_token_issue(user=world.bob, camera_id=world.cameras.lobby.pk)  # bob: live only
    first = client.get(f"/media/a-lobby/live.m3u8?token={token}")
    assert first.status_code == 200 and first["Cache-Control"] == "no-cache"
    time.sleep(2.5)
    second = client.get(f"/media/a-lobby/live.m3u8?token={token}").content.decode()
    numbered = []
    for text in (first.content.decode(), second):
        sequence = int(
            next(ln for ln in text.splitlines() if ln.startswith("#EXT-X-MEDIA-SEQUENCE:")).split(":")[1]
        )
        playlist = Playlist.parse(text)
        assert "#EXT-X-ENDLIST" not in text and f"token={quote(token)}" in playlist.fragments[0][0]
        assert all(size > 0 for _, _, size in playlist.maps)  # the open segment's init too
        numbered.append({(f[0].split("?")[0], f[1]): sequence + i for i, f in enumerate(playlist.fragments)})
        shown = play(client, playlist)
        assert shown[0] % GOP_FRAMES == first_counter(client, world, token) % GOP_FRAMES  # a keyframe
    common = numbered[0].keys() & numbered[1].keys()
    assert all(numbered[0][key] == numbered[1][key] for key in common)  # a fragment keeps its number
    assert max(numbered[1].values()) > max(numbered[0].values())  # and the edge moved on


def first_counter(client, world, token) -> int:
    """The counter of the first recorded frame, a keyframe."""
    first = Segment.objects.filter(camera=world.cameras.lobby).order_by("started_at").first()
    size = first.fragments()[0].byte_offset + first.fragments()[0].size
    uri = f"/media/a-lobby/segments/{first.pk}.mp4?token={token}"
    return decode_counters(fetch_range(client, uri, 0, size))[0]


def test_snapshots_show_the_keyframe_of_the_instant_at_the_width_asked_and_are_cached(
    client, world, recording, monkeypatch, settings
):
    import io

    import av

    from recordings.playback import snapshots
    from tests.support.rtsp_camera import read_frame_counter

    rec = recording(world.cameras.lobby)
    rec.wait_for_fragments(6)
    client.force_login(world.alice)
    live = client.get("/media/a-lobby/snapshot.jpg?width=300")
    assert (
        live.status_code == 200
        and live["Content-Type"] == "image/jpeg"
        and live["Cache-Control"] == "no-cache"
    )
    rec.finish()
    first = Segment.objects.filter(camera=world.cameras.lobby).order_by("started_at").first()
    origin = decode_counters(fetch_range(client, f"/media/a-lobby/segments/{first.pk}.mp4", 0, first.bytes))[
        0
    ]

    def picture(body):
        with av.open(io.BytesIO(body)) as container:
            frame = next(container.decode(video=0))
        # The counter's blocks are laid out for the camera's own size, so read it only there.
        return frame.width, frame.height, read_frame_counter(frame) if frame.width == 640 else None

    assert picture(live.content)[:2] == (320, 180)  # the nearest cached width at or above 300
    at = first.started_at + dt.timedelta(seconds=2.6)
    response = client.get("/media/a-lobby/snapshot.jpg", {"at": at.isoformat(), "width": 640})
    width, height, shown = picture(response.content)
    assert (width, height) == (640, 360) and response["Cache-Control"] == "private, max-age=86400"
    assert shown == (origin + 2 * FPS) % LOOP_FRAMES  # the keyframe at 2 s, the last before 2.6 s

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded again instead of using the cache")

    monkeypatch.setattr(snapshots, "keyframe_jpeg", no_decoding)
    again = client.get(
        "/media/a-lobby/snapshot.jpg", {"at": (at + dt.timedelta(seconds=0.2)).isoformat(), "width": 640}
    )
    assert again.content == response.content  # same keyframe, same cached picture
    assert client.get("/media/a-lobby/snapshot.jpg?width=wide").status_code == 400
    assert client.get("/media/a-lobby/snapshot.jpg", {"at": "2001-01-01T00:00:00Z"}).json() == {
        "error": "nothing was recorded at that instant"
    }


def test_an_h265_camera_plays_through_its_playlist_and_is_flagged_for_browsers(client, world, recording):
    from tests.support.rtsp_camera import TEST_H265_AAC

    rec = recording(world.cameras.desk, TEST_H265_AAC.replace(seconds=8.0))
    rec.wait_for_fragments(4)
    rec.finish()
    segments = list(Segment.objects.filter(camera=world.cameras.desk).order_by("started_at"))
    client.force_login(world.alice)
    info = client.get("/media/a-desk/info.json").json()
    assert (info["video_codec"], info["audio_codec"], info["browser_playable"]) == ("hevc", "aac", False)
    text = client.get(
        "/media/a-desk/archive.m3u8",
        {"from": segments[0].started_at.timestamp(), "to": segments[-1].ended_at.timestamp()},
    ).content.decode()
    counters = play(client, Playlist.parse(text))  # headless Chromium has no HEVC: PyAV decodes it
    assert (
        counters == [(counters[0] + i) % LOOP_FRAMES for i in range(len(counters))]
        and len(counters) >= 3 * FPS
    )
