"""Media files: TS fragments for `*.ts.m3u8`, MP4/TS export, JPEG and one-frame MP4 previews."""

import datetime as dt
import re

from django.http import FileResponse, HttpResponse
from django.utils import timezone

from organizations.choices import Action
from recordings.playback import remux, selectors, snapshots
from recordings.playback.access import may_fetch_segment

from .base import LIVE_FRESHNESS, BadRequest, error, parse_instant, parse_window, seconds, stream_view

EXPORT_MAX = dt.timedelta(hours=1)  # built on request into a temporary file: keep it bounded
TS = "video/mp2t"


@stream_view(Action.LIVE)
def fragment_ts(request, camera, user, segment_id: str, number: str):
    """One indexed fragment as MPEG-TS (the URIs of `*.ts.m3u8`); archive ones need the archive grant."""
    entry = selectors.segment_entry(camera.id, int(segment_id))
    if entry is None or not entry.fragments:
        return error(404, "fragment not found")
    ended = dt.datetime.fromtimestamp((entry.started_us + entry.fragments[-1].end_us) / 1e6, tz=dt.UTC)
    if not may_fetch_segment(user, camera, ended):
        return error(404, "fragment not found")
    try:
        data = remux.fragment_as_ts(entry, int(number))
    except remux.NoMedia as exc:
        return error(404, str(exc))
    response = HttpResponse(data, content_type=TS)
    response["Cache-Control"] = "private, max-age=31536000, immutable"  # an indexed fragment is final
    return response


@stream_view(Action.EXPORT)
def export(request, camera, user, start: str, duration: str, ext: str):
    """`archive-{from}-{duration}.mp4` (or `.ts`), with `?filter.tracks=v1a1` choosing the tracks."""
    begin, end = parse_window(start, duration, most=EXPORT_MAX)
    video, audio = _tracks(request.GET.get("filter.tracks", ""))
    try:
        handle, size = remux.clip_open(camera.id, begin, end, ts=ext == "ts", video=video, audio=audio)
    except remux.NoMedia as exc:
        return error(404, str(exc))
    response = FileResponse(
        handle,
        content_type=TS if ext == "ts" else "video/mp4",
        as_attachment=True,
        filename=f"{camera.name}-{seconds(begin)}-{int((end - begin).total_seconds())}.{ext}",
    )
    response["Content-Length"] = str(size)
    return response


@stream_view(Action.LIVE)
def preview_live(request, camera, user, ext: str):
    """`preview.jpg` and `preview.mp4`: the latest keyframe."""
    newer_than = timezone.now() - LIVE_FRESHNESS
    try:
        if ext == "jpg":
            data = snapshots.snapshot_live(camera.id, newer_than=newer_than)
        else:
            data = remux.keyframe_mp4_live(camera.id, newer_than=newer_than)
    except (snapshots.NoPicture, remux.NoMedia) as exc:
        return error(404, str(exc))
    return _picture(data, ext, cache="no-cache")


@stream_view(Action.ARCHIVE)
def preview_at(request, camera, user, start: str, ext: str):
    """`{from}-preview.jpg`, `{from}-preview.mp4` and `{from}.jpg`: the keyframe at or before `from`.

    We keep no JPEGs apart from the footage, so the "closest recorded JPEG" of `{from}.jpg` is the
    picture decoded from that keyframe (cached on disk per keyframe by the snapshot service).
    """
    instant = parse_instant(start)
    try:
        if ext == "jpg":
            data = snapshots.snapshot_at(camera.id, instant)
        else:
            data = remux.keyframe_mp4_at(camera.id, instant)
    except (snapshots.NoPicture, remux.NoMedia) as exc:
        return error(404, str(exc))
    return _picture(data, ext, cache="private, max-age=86400")


def _picture(data: bytes, ext: str, *, cache: str) -> HttpResponse:
    response = HttpResponse(data, content_type="image/jpeg" if ext == "jpg" else "video/mp4")
    response["Cache-Control"] = cache
    return response


def _tracks(value: str) -> tuple[bool, bool]:
    """`v1a1` both, `v1` video only, `a1` sound only; we record one track of each."""
    if not value:
        return True, True
    match = re.fullmatch(r"(v\d+)?(a\d+)?", value)
    if not match or not any(match.groups()):
        raise BadRequest(f"`filter.tracks` must look like v1a1, not {value!r}")
    return bool(match.group(1)), bool(match.group(2))
