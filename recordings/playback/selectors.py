"""Index reads for playback: the segments a range or the live edge needs, in one query each."""

import datetime as dt

from django.db.models import Max, Min, Sum

from recordings.models import Run, Segment

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


def segment_entry(camera_id: int, segment_id: int) -> SegmentEntry | None:
    """One segment of the camera with its fragments, or None."""
    row = Segment.objects.filter(camera_id=camera_id, pk=segment_id, purging=False).only(*_FIELDS).first()
    return _entry(row) if row is not None else None


def segment_latest(camera_id: int) -> dict | None:
    """Codecs, size, bytes and duration of the camera's latest segment (what it records now)."""
    return (
        Segment.objects.filter(camera_id=camera_id, purging=False, fragment_count__gt=0)
        .order_by("-started_at")
        .values("video_codec", "audio_codec", "width", "height", "fps", "bytes", "started_at", "ended_at")
        .first()
    )


def recording_totals(camera_id: int) -> dict:
    """First and last recorded instants and bytes on disk of the camera (None and 0 when empty)."""
    return Segment.objects.filter(camera_id=camera_id, purging=False).aggregate(
        first=Min("started_at"), last=Max("ended_at"), bytes=Sum("bytes", default=0)
    )


def protected_ranges(
    camera_id: int, start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Stretches of `[start, end)` under protected segments (kept by retention), merged where they touch."""
    rows = (
        Segment.objects.filter(camera_id=camera_id, protected=True, started_at__lt=end, ended_at__gt=start)
        .order_by("started_at")
        .values_list("started_at", "ended_at")
    )
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for first, last in rows:
        first, last = max(first, start), min(last, end)
        if merged and first <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def run_list(
    camera_id: int,
    *,
    started_at_lte: dt.datetime | None = None,
    ended_at_gte: dt.datetime | None = None,
    started_after: dt.datetime | None = None,
    limit: int = 100,
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The camera's runs (continuous recorded stretches) oldest first, filtered and paged by start."""
    runs = Run.objects.filter(camera_id=camera_id)
    if started_at_lte is not None:
        runs = runs.filter(started_at__lte=started_at_lte)
    if ended_at_gte is not None:
        runs = runs.filter(ended_at__gte=ended_at_gte)
    if started_after is not None:
        runs = runs.filter(started_at__gt=started_after)
    return list(runs.order_by("started_at").values_list("started_at", "ended_at")[:limit])
