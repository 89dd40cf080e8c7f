"""Timelines from the index: recorded ranges, gaps, coverage per step, daily and hourly availability.

Everything reads `Run` rows (one per demux session, continuous by construction) and `Gap` rows:
a few rows per camera and month, one query per call whatever the number of cameras. Days and
hours are the organization's local ones, so a spring-forward day has 23 hours and a fall-back
day 25, with the repeated hour told apart by its UTC offset.
"""

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from recordings.models import Episode, Gap, Run

MIN_STEP = dt.timedelta(seconds=1)
MAX_STEP = dt.timedelta(days=1)
MAX_BUCKETS = 10_000


class TimelineError(ValueError):
    pass


Range = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True)
class Bucket:
    """A stretch of the timeline and the share of it that was recorded."""

    start: dt.datetime
    end: dt.datetime
    recorded_seconds: float

    @property
    def fraction(self) -> float:
        return self.recorded_seconds / (self.end - self.start).total_seconds()


def recorded_ranges(camera_ids: list[int], start: dt.datetime, end: dt.datetime) -> dict[int, list[Range]]:
    """Per camera, the recorded stretches within `[start, end)`, clipped, merged where they touch."""
    runs = (
        Run.objects.filter(camera_id__in=camera_ids, started_at__lt=end, ended_at__gt=start)
        .order_by("camera_id", "started_at")
        .values_list("camera_id", "started_at", "ended_at")
    )
    ranges: dict[int, list[Range]] = {camera_id: [] for camera_id in camera_ids}
    for camera_id, run_start, run_end in runs:
        clipped = (max(run_start, start), min(run_end, end))
        own = ranges[camera_id]
        if own and clipped[0] <= own[-1][1]:
            own[-1] = (own[-1][0], max(own[-1][1], clipped[1]))
        else:
            own.append(clipped)
    return ranges


def gaps(camera_ids: list[int], start: dt.datetime, end: dt.datetime) -> dict[int, list[dict]]:
    """Per camera, the outages the recorder saw within `[start, end)`, with their reasons."""
    rows = (
        Gap.objects.filter(camera_id__in=camera_ids, started_at__lt=end)
        .exclude(ended_at__lte=start)
        .order_by("camera_id", "started_at")
        .values("camera_id", "started_at", "ended_at", "reason", "detail")
    )
    found: dict[int, list[dict]] = {camera_id: [] for camera_id in camera_ids}
    for row in rows:
        found[row.pop("camera_id")].append(row)
    return found


def episodes(camera_ids: list[int], start: dt.datetime, end: dt.datetime) -> dict[int, list[dict]]:
    """Per camera, the episodes (events) overlapping `[start, end)`; an open one has no end."""
    rows = (
        Episode.objects.filter(camera_id__in=camera_ids, opened_at__lt=end)
        .exclude(closed_at__lte=start)
        .order_by("camera_id", "opened_at")
        .values("camera_id", "id", "opened_at", "closed_at", "episode_type", "title")
    )
    found: dict[int, list[dict]] = {camera_id: [] for camera_id in camera_ids}
    for row in rows:
        found[row.pop("camera_id")].append(row)
    return found


def coverage(
    camera_ids: list[int], start: dt.datetime, end: dt.datetime, step: dt.timedelta
) -> dict[int, list[Bucket]]:
    """Per camera, fixed `step` buckets from `start` with the recorded share of each."""
    if not MIN_STEP <= step <= MAX_STEP:
        raise TimelineError("`step` must be between 1 second and 1 day")
    if (end - start) / step > MAX_BUCKETS:
        raise TimelineError(f"at most {MAX_BUCKETS} buckets: choose a larger step or a shorter range")
    edges = []
    moment = start
    while moment < end:
        edges.append((moment, min(moment + step, end)))
        moment += step
    return _fill(camera_ids, edges)


def daily_availability(camera_ids: list[int], year: int, month: int, zone: str) -> dict[int, list[Bucket]]:
    """Per camera, one bucket per local day of the month (bounds are aware, in UTC)."""
    tz = ZoneInfo(zone)
    days = calendar.monthrange(year, month)[1]
    edges = [
        (
            _local_midnight(dt.date(year, month, d), tz),
            _local_midnight(dt.date(year, month, d) + dt.timedelta(days=1), tz),
        )
        for d in range(1, days + 1)
    ]
    return _fill(camera_ids, edges)


def hourly_availability(camera_ids: list[int], day: dt.date, zone: str) -> dict[int, list[Bucket]]:
    """Per camera, one bucket per local hour of `day`: 23 on a spring-forward day, 25 in autumn."""
    tz = ZoneInfo(zone)
    start, end = _local_midnight(day, tz), _local_midnight(day + dt.timedelta(days=1), tz)
    edges = []
    moment = start
    while moment < end:
        # Local hours are whole UTC hours apart in zones whose offsets are whole hours (nearly all);
        # a bucket is cut at the day's end in the others.
        edges.append((moment, min(moment + dt.timedelta(hours=1), end)))
        moment += dt.timedelta(hours=1)
    return _fill(camera_ids, edges)


def local_label(moment: dt.datetime, zone: str) -> str:
    """`HH:MM+hh:mm` in the zone: the two 02:00 of a fall-back night differ by their offset."""
    local = moment.astimezone(ZoneInfo(zone))
    return local.isoformat(timespec="minutes")


def _local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)


def _fill(camera_ids: list[int], edges: list[Range]) -> dict[int, list[Bucket]]:
    if not edges:
        return {camera_id: [] for camera_id in camera_ids}
    ranges = recorded_ranges(camera_ids, edges[0][0], edges[-1][1])
    result = {}
    for camera_id in camera_ids:
        seconds = defaultdict(float)
        own = ranges[camera_id]
        at = 0
        for index, (bucket_start, bucket_end) in enumerate(edges):
            while at < len(own) and own[at][1] <= bucket_start:
                at += 1
            scan = at
            while scan < len(own) and own[scan][0] < bucket_end:
                overlap = min(own[scan][1], bucket_end) - max(own[scan][0], bucket_start)
                seconds[index] += max(0.0, overlap.total_seconds())
                scan += 1
        result[camera_id] = [Bucket(s, e, seconds[i]) for i, (s, e) in enumerate(edges)]
    return result
