"""Who may fetch media, and how bytes are served: tokens, tenants, grants, ranges, bad input."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from recordings.media.index import FragmentRecord, pack_fragments
from recordings.playback import tokens
from recordings.playback.tokens import media_token_issue
from tests.factories import SegmentFactory

pytestmark = pytest.mark.django_db

CONTENT = bytes(range(256)) * 40  # 10 240 bytes standing in for a segment file


@pytest.fixture
def segment(world, settings):
    """A closed segment of a-desk (bob may watch its archive) whose file is on disk."""
    started = timezone.now() - dt.timedelta(hours=2)
    fragments = [
        FragmentRecord(i * 1_000_000, 1_000_000, 240 + i * 1000, 1000, i % 2 == 0) for i in range(10)
    ]
    row = SegmentFactory(
        camera=world.cameras.desk,
        started_at=started,
        ended_at=started + dt.timedelta(seconds=10),
        init_size=240,
        bytes=len(CONTENT),
        fragment_index=pack_fragments(fragments),
        fragment_count=len(fragments),
    )
    path = settings.NVR_MEDIA_ROOT / row.path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(CONTENT)
    return row


def url(segment, **query):
    suffix = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/media/{segment.camera.name}/segments/{segment.pk}.mp4" + (f"?{suffix}" if suffix else "")


def test_ranges_are_served_as_206_and_a_range_past_the_end_is_416(client, world, segment):
    client.force_login(world.bob)
    part = client.get(url(segment), HTTP_RANGE="bytes=240-1239")
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 240-1239/{len(CONTENT)}"
    assert b"".join(part.streaming_content) == CONTENT[240:1240]
    assert part["Content-Type"] == "video/mp4" and "immutable" in part["Cache-Control"]
    tail = client.get(url(segment), HTTP_RANGE="bytes=-100")
    assert b"".join(tail.streaming_content) == CONTENT[-100:]
    whole = client.get(url(segment))
    assert whole.status_code == 200 and b"".join(whole.streaming_content) == CONTENT
    assert client.get(url(segment), HTTP_IF_NONE_MATCH=whole["ETag"]).status_code == 304
    beyond = client.get(url(segment), HTTP_RANGE=f"bytes={len(CONTENT)}-")
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{len(CONTENT)}"


def test_the_archive_playlist_lists_byte_ranges_from_the_index(client, world, segment):
    client.force_login(world.bob)
    start = segment.started_at + dt.timedelta(seconds=3.5)
    response = client.get(f"/media/a-desk/archive.m3u8?from={start.timestamp()}&to={start.timestamp() + 3}")
    text = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "private, max-age=3600"
    assert f'#EXT-X-MAP:URI="/media/a-desk/segments/{segment.pk}.mp4",BYTERANGE="240@0"' in text
    ranges = [line for line in text.splitlines() if line.startswith("#EXT-X-BYTERANGE")]
    # From the keyframe fragment at 2 s (3.5 s is inside fragment 3, not a keyframe) to 6.5 s.
    assert ranges == [
        "#EXT-X-BYTERANGE:1000@2240",
        "#EXT-X-BYTERANGE:1000@3240",
        "#EXT-X-BYTERANGE:1000@4240",
        "#EXT-X-BYTERANGE:1000@5240",
        "#EXT-X-BYTERANGE:1000@6240",
    ]


def test_a_media_token_stands_in_for_the_session_and_is_bound_to_its_camera(client, world, segment):
    token = media_token_issue(user=world.bob, camera_id=world.cameras.desk.pk)
    assert client.get(url(segment)).status_code == 401
    assert client.get(url(segment, token=token), HTTP_RANGE="bytes=0-9").status_code == 206
    assert client.get(url(segment, token=token[:-2] + "xx")).status_code == 403  # tampered
    other = media_token_issue(user=world.bob, camera_id=world.cameras.lobby.pk)
    assert client.get(url(segment, token=other)).status_code == 404  # a token opens only its camera


def test_an_expired_token_is_refused(client, world, segment, monkeypatch):
    token = media_token_issue(user=world.bob, camera_id=world.cameras.desk.pk, ttl_s=60)
    monkeypatch.setattr(tokens.time, "time", lambda: time.time_ns() / 1e9 + 61)
    response = client.get(url(segment, token=token))
    assert response.status_code == 403 and response.json() == {"error": "the token has expired"}


def test_another_tenant_and_a_missing_grant_see_nothing(client, world, segment):
    client.force_login(world.carol)  # org B
    assert client.get(url(segment)).status_code == 404
    assert client.get("/media/a-desk/archive.m3u8?from=0&to=60").status_code == 404
    client.force_login(world.bob)  # live but no archive on a-lobby
    lobby = SegmentFactory(
        camera=world.cameras.lobby, started_at=segment.started_at, ended_at=segment.ended_at
    )
    assert client.get(f"/media/a-lobby/segments/{lobby.pk}.mp4").status_code == 404
    assert client.get("/media/a-lobby/archive.m3u8?from=0&to=60").status_code == 404


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=100&to=50", "`to` must be after `from`"),
        ("from=0&to=31536000", "a range may span at most 24 hours"),
        ("from=yesterday&to=60", "`from` must be unix seconds or ISO 8601, not 'yesterday'"),
        ("to=60", "`from` is required"),
        ("from=2026-01-01T00:00:00&to=60", "`from` needs a time zone (Z or +hh:mm)"),
    ],
)
def test_bad_ranges_are_a_400_that_says_what_is_wrong(client, world, query, message):
    client.force_login(world.alice)
    response = client.get(f"/media/a-desk/archive.m3u8?{query}")
    assert response.status_code == 400 and response.json() == {"error": message}


def test_a_range_with_no_footage_and_a_camera_that_is_not_recording_are_404(client, world, segment):
    client.force_login(world.alice)
    assert client.get("/media/a-desk/archive.m3u8?from=0&to=60").json() == {
        "error": "nothing was recorded in this range"
    }
    assert client.get("/media/a-desk/live.m3u8").json() == {"error": "the camera is not recording"}
    assert client.get("/media/no-such-camera/live.m3u8").status_code == 404
