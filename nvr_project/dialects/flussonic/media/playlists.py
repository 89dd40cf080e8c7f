"""HLS forms: live (`index.m3u8` and kin), DVR windows, timeshift; fMP4 byte ranges or TS per fragment."""

import datetime as dt

from django.http import HttpResponse
from django.utils import timezone

from organizations.choices import Action
from recordings.playback import hls, selectors

from .base import (
    LIVE_FRESHNESS,
    error,
    fragment_ts_uri,
    parse_instant,
    parse_seconds,
    parse_window,
    segment_uri,
    stream_view,
    us,
)

PLAYLIST = "application/vnd.apple.mpegurl"
WINDOW_MAX = dt.timedelta(hours=24)  # as our archive.m3u8; players ask for at most 3600 s and page forward


@stream_view(Action.LIVE)
def live(request, camera, user, ts: bool = False):
    """`index.m3u8`, `index.fmp4.m3u8`, `video.m3u8`, `index.ll.m3u8` (fMP4) and `index.ts.m3u8`.

    `index.ll.m3u8` is the plain live playlist (no `EXT-X-PART`s), which LL-HLS players play at
    ordinary latency.
    """
    entries = selectors.live_entries(camera.id, newer_than=timezone.now() - LIVE_FRESHNESS)
    text = (
        hls.live_window_playlist(
            entries,
            segment_uri(request, camera),
            fragment_uri=fragment_ts_uri(request, camera) if ts else None,
        )
        if entries
        else None
    )
    return _playlist(text, "the stream is not recording", past=False)


@stream_view(Action.ARCHIVE)
def dvr(request, camera, user, start: str, duration: str, container: str | None = None):
    """`archive-{from}-{duration}.m3u8`, `index-{from}-{duration}.m3u8`; EVENT while it reaches now."""
    begin, end = parse_window(start, duration, most=WINDOW_MAX)
    now = timezone.now()
    # As our archive.m3u8: a window that has ended is closed, though its last seconds may still be
    # indexed (so it is not cached); one that reaches past now grows as an EVENT playlist.
    kind = "event" if duration == "now" or end > now else "vod"
    return _window(request, camera, begin, end, kind, container, past=end <= now - LIVE_FRESHNESS)


@stream_view(Action.ARCHIVE)
def rewind(request, camera, user, seconds: str, container: str | None = None):
    """`rewind-{seconds}.m3u8`: a live playlist that keeps the last `seconds` to seek back in."""
    now = timezone.now()
    return _window(
        request, camera, now - parse_seconds(seconds, "seconds", most=WINDOW_MAX), now, "live", container
    )


@stream_view(Action.ARCHIVE)
def timeshift_abs(request, camera, user, start: str, container: str | None = None):
    """`timeshift_abs-{from}.m3u8`: plays on from `from` as if live (a growing EVENT playlist)."""
    begin, now = parse_instant(start), timezone.now()
    if not now - WINDOW_MAX <= begin < now:
        return error(400, f"`from` must lie within the last {int(WINDOW_MAX.total_seconds())} seconds")
    return _window(request, camera, begin, now, "event", container)


@stream_view(Action.ARCHIVE)
def timeshift_rel(request, camera, user, seconds: str, container: str | None = None):
    """`timeshift_rel-{seconds}.m3u8`: plays on from `seconds` ago."""
    now = timezone.now()
    return _window(
        request, camera, now - parse_seconds(seconds, "seconds", most=WINDOW_MAX), now, "event", container
    )


def _window(request, camera, begin, end, kind: str, container: str | None, *, past: bool = False):
    text = hls.window_playlist(
        selectors.segment_entries(camera.id, begin, end),
        us(begin),
        us(end),
        segment_uri(request, camera),
        kind=kind,
        fragment_uri=fragment_ts_uri(request, camera) if container == ".ts" else None,
    )
    return _playlist(text, "nothing was recorded in this range", past=past)


def _playlist(text: str | None, missing: str, *, past: bool) -> HttpResponse:
    if text is None:
        return error(404, missing)
    response = HttpResponse(text, content_type=PLAYLIST)
    # A window in the past never changes; anything that reaches the present grows.
    response["Cache-Control"] = "private, max-age=3600" if past else "no-cache"
    return response
