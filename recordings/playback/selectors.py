"""Index reads for playback: the segments a range or the live edge needs, in one query each."""

import datetime as dt

from recordings.models import Segment

from .hls import SegmentEntry

_FIELDS = ("id", "path", "run_id", "started_at", "init_size", "fragment_index", "sequence", "discontinuity")


def segment_entries(camera_id: int, start: dt.datetime, end: dt.datetime) -> list[SegmentEntry]:
    """Segments of the camera overlapping `[start, end)`, oldest first, with their fragments."""
    rows = (
        Segment.objects.filter(
            camera_id=camera_id, started_at__lt=end, ended_at__gt=start, fragment_count__gt=0
        )
        .order_by("started_at")
        .only(*_FIELDS)
    )
    return [_entry(row) for row in rows]


def live_entries(camera_id: int, *, newer_than: dt.datetime) -> list[SegmentEntry]:
    """The camera's last two segments (the live edge may have just rotated), if recent."""
    rows = list(
        Segment.objects.filter(
            camera_id=camera_id, ended_at__gt=newer_than, fragment_count__gt=0, purging=False
        )
        .order_by("-started_at")
        .only(*_FIELDS)[:2]
    )
    return [_entry(row) for row in reversed(rows)]


def _entry(row: Segment) -> SegmentEntry:
    started = row.started_at
    return SegmentEntry(
        id=row.id,
        path=row.path,
        run_id=str(row.run_id),
        started_us=int(started.timestamp()) * 1_000_000 + started.microsecond,
        init_size=row.init_size,
        fragments=row.fragments(),
        sequence=row.sequence,
        discontinuity=row.discontinuity,
    )
