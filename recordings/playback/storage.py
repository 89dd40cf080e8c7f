"""Storage accounting from the index: bytes and days of footage per camera, organization and node."""

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Max, Min, Sum

from recordings.models import Run, Segment


def storage_by_camera(camera_ids: list[int]) -> dict[int, dict]:
    """Per camera: bytes, segments, oldest and newest footage, and days actually recorded.

    Two queries whatever the number of cameras.
    """
    rows = (
        Segment.objects.filter(camera_id__in=camera_ids, purging=False)
        .values("camera_id")
        .annotate(bytes=Sum("bytes"), segments=Count("id"), oldest=Min("started_at"), newest=Max("ended_at"))
    )
    recorded = defaultdict(float)
    for camera_id, started, ended in Run.objects.filter(camera_id__in=camera_ids).values_list(
        "camera_id", "started_at", "ended_at"
    ):
        recorded[camera_id] += (ended - started).total_seconds()
    empty = {"bytes": 0, "segments": 0, "oldest": None, "newest": None}
    found = {camera_id: dict(empty) for camera_id in camera_ids}
    for row in rows:
        found[row.pop("camera_id")] = row
    for camera_id, usage in found.items():
        usage["recorded_days"] = recorded[camera_id] / 86400
    return found


def storage_totals(group_by: str) -> dict:
    """Bytes and segments per organization (`"organization"`) or per recording node (`"node"`)."""
    field = {"organization": "camera__organization_id", "node": "streamer_id"}[group_by]
    rows = (
        Segment.objects.filter(purging=False).values(field).annotate(bytes=Sum("bytes"), segments=Count("id"))
    )
    return {row[field]: {"bytes": row["bytes"] or 0, "segments": row["segments"]} for row in rows}


def days_between(oldest: dt.datetime | None, newest: dt.datetime | None) -> float:
    return (newest - oldest).total_seconds() / 86400 if oldest and newest else 0.0
