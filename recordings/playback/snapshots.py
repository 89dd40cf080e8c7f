"""Snapshots of the live picture and of any instant, from the index, cached on disk per keyframe."""

import datetime as dt
import os
from pathlib import Path

from django.conf import settings

from recordings.media.snapshot import SnapshotError, keyframe_jpeg

from . import selectors
from .hls import SegmentEntry

WIDTHS = (160, 320, 640, 1280, 1920)  # allowed widths: a bounded cache, however clients ask


class NoPicture(Exception):
    """Nothing recorded at that instant (or the camera has no live picture)."""


def snapshot_width(value: str | None) -> int | None:
    """The cache width for a requested one: the smallest allowed width at least as wide."""
    if not value:
        return None
    try:
        wanted = int(value)
    except ValueError:
        raise ValueError("`width` must be a number of pixels") from None
    if wanted <= 0:
        raise ValueError("`width` must be positive")
    return next((w for w in WIDTHS if w >= wanted), WIDTHS[-1])


def snapshot_at(camera_id: int, instant: dt.datetime, *, width: int | None = None) -> bytes:
    """The keyframe at or before `instant` as JPEG (within the segment that covers it)."""
    entries = selectors.segment_entries(camera_id, instant, instant + dt.timedelta(microseconds=1))
    if not entries:
        raise NoPicture("nothing was recorded at that instant")
    return _render(camera_id, entries[-1], _us(instant), width)


def snapshot_live(camera_id: int, *, newer_than: dt.datetime, width: int | None = None) -> bytes:
    entries = selectors.live_entries(camera_id, newer_than=newer_than)
    if not entries:
        raise NoPicture("the camera is not recording")
    last = entries[-1]
    return _render(camera_id, last, last.started_us + last.fragments[-1].end_us, width)


def _render(camera_id: int, entry: SegmentEntry, at_us: int, width: int | None) -> bytes:
    number = entry.keyframe_before(at_us)
    if number is None:
        raise NoPicture("no keyframe before that instant")
    cached = _cache_path(camera_id, entry.id, number, width)
    try:
        return cached.read_bytes()
    except FileNotFoundError:
        pass
    fragment = entry.fragments[number]
    try:
        with open(os.path.join(settings.NVR_MEDIA_ROOT, entry.path), "rb") as handle:
            init = handle.read(entry.init_size)
            handle.seek(fragment.byte_offset)
            data = handle.read(fragment.size)
        jpeg = keyframe_jpeg(init, data, width=width)
    except (OSError, SnapshotError) as exc:
        raise NoPicture(f"the recording cannot be read: {exc}") from None
    cached.parent.mkdir(parents=True, exist_ok=True)
    temporary = cached.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_bytes(jpeg)
    os.replace(temporary, cached)  # readers never see half a file
    return jpeg


def _cache_path(camera_id: int, segment_id: int, number: int, width: int | None) -> Path:
    return Path(settings.NVR_SNAPSHOT_DIR) / str(camera_id) / f"{segment_id}-{number}-{width or 0}.jpg"


def _us(moment: dt.datetime) -> int:
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond
