"""Storage page reads: each camera's usage and what the next retention run will do to it.

Everything comes from the index in a fixed number of aggregate queries, whatever the number of
cameras. Limits are resolved by `recordings.retention.camera_limits`, the function retention runs
with, so the page predicts what the next run (every minute) will delete.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import DurationField, ExpressionWrapper, F, Q, Sum
from django.utils import timezone

from cameras.models import Camera
from organizations.choices import Action
from recordings.playback.storage import (
    DAY,
    ProtectedFootage,
    days_between,
    format_bytes,
    format_span,
    protected_footage,
    storage_by_camera,
)

# `_policies` is the one query retention itself resolves limits with; reusing it keeps the page's
# prediction and the next run in step.
from recordings.retention import Limits, _policies, camera_limits, deletable_segments


@dataclass
class CameraStorage:
    """One camera's footage, its limits and what the next retention run does to it."""

    camera: Camera
    bytes: int
    segments: int
    oldest: dt.datetime | None
    newest: dt.datetime | None
    recorded_days: float
    limits: Limits
    deletable_bytes: int  # unprotected, closed footage: all retention may ever delete
    age_delete_bytes: int  # past the age limit and deletable
    age_delete_seconds: float
    now: dt.datetime
    bar: dict = field(default_factory=dict)  # percentages of the chart's scale

    @property
    def bytes_label(self) -> str:
        return format_bytes(self.bytes)

    @property
    def age_limit_label(self) -> str:
        return format_span(self.limits.max_age) if self.limits.max_age else ""

    @property
    def space_limit_label(self) -> str:
        return format_bytes(self.limits.max_bytes) if self.limits.max_bytes else ""

    @property
    def delete_label(self) -> str:
        return format_bytes(self.delete_bytes)

    @property
    def protected_label(self) -> str:
        return format_bytes(self.protected_bytes)

    @property
    def age_inherited(self) -> bool:
        return self.camera.dvr_depth is None and self.limits.max_age is not None

    @property
    def space_inherited(self) -> bool:
        return self.camera.dvr_space_limit is None and self.limits.max_bytes is not None

    @property
    def oldest_age(self) -> float:
        return days_between(self.oldest, self.now) * DAY

    @property
    def protected_bytes(self) -> int:
        """Footage retention may not delete: protected, kept until a date, under a protected episode,
        or the segment being written."""
        return max(0, self.bytes - self.deletable_bytes)

    @property
    def space_excess(self) -> int:
        """Bytes over the space limit once the age limit has had its turn (retention's order)."""
        if not self.limits.max_bytes:
            return 0
        return max(0, self.bytes - self.age_delete_bytes - self.limits.max_bytes)

    @property
    def space_delete_bytes(self) -> int:
        return min(self.space_excess, self.deletable_bytes - self.age_delete_bytes)

    @property
    def delete_bytes(self) -> int:
        return self.age_delete_bytes + self.space_delete_bytes

    @property
    def stuck_over_limit(self) -> int:
        """Protected footage that keeps the camera over its space limit; retention reports, not cuts."""
        return self.space_excess - self.space_delete_bytes

    @property
    def over_limit(self) -> bool:
        return self.delete_bytes > 0 or self.stuck_over_limit > 0

    @property
    def effect(self) -> str:
        """What retention will do, in one or two sentences."""
        parts = [part for part in (self._age_effect(), self._space_effect()) if part]
        if not parts:
            return "No age or space limit: footage stays until the disk's free-space floor forces it out."
        return " ".join(parts)

    def _age_effect(self) -> str:
        if not self.limits.max_age:
            return ""
        keeps = f"Keeps {format_span(self.limits.max_age)}"
        if not self.segments:
            return f"{keeps}; nothing recorded yet."
        oldest = f"oldest footage is {format_span(self.oldest_age)} old"
        if self.age_delete_bytes:
            return (
                f"{keeps}; {oldest} → about {format_span(self.age_delete_seconds)} "
                f"({format_bytes(self.age_delete_bytes)}) will be deleted at the next run."
            )
        if self.oldest_age > self.limits.max_age:
            return f"{keeps}; {oldest}, but what is older than that is protected and stays."
        return f"{keeps}; {oldest}, nothing to delete yet."

    def _space_effect(self) -> str:
        limit = self.limits.max_bytes
        if not limit:
            return ""
        used = f"Space limit {format_bytes(limit)}, {format_bytes(self.bytes)} used"
        if self.age_delete_bytes and self.bytes > limit:
            used += f" ({format_bytes(self.bytes - self.age_delete_bytes)} after the age limit)"
        if not self.space_excess:
            return f"{used}, {format_bytes(limit - self.bytes + self.age_delete_bytes)} to spare."
        sentence = f"{used} → the oldest {format_bytes(self.space_delete_bytes)} go next"
        if self.stuck_over_limit:
            sentence += f"; {format_bytes(self.stuck_over_limit)} of protected footage stays over the limit"
        return sentence + "."


@dataclass
class StorageOverview:
    cameras: list[CameraStorage]
    bytes: int
    segments: int
    delete_bytes: int
    protected_bytes: int
    over_limit: int  # cameras the next run trims or that protected footage keeps over their limit

    @property
    def bytes_label(self) -> str:
        return format_bytes(self.bytes)

    @property
    def delete_label(self) -> str:
        return format_bytes(self.delete_bytes)

    @property
    def protected_label(self) -> str:
        return format_bytes(self.protected_bytes)


def storage_overview(*, user, organization, now: dt.datetime | None = None) -> StorageOverview:
    """Usage and retention effect of each camera of `organization` the user may view, largest first."""
    now = now or timezone.now()
    cameras = list(
        Camera.objects.for_user(user, Action.VIEW, organization=organization)
        .only("id", "name", "title", "organization_id", "streamer_id", "dvr_depth", "dvr_space_limit")
        .order_by("position", "name")
    )
    ids = [camera.id for camera in cameras]
    usage = storage_by_camera(ids)
    policies = _policies()
    limits = {camera.id: camera_limits(camera, policies) for camera in cameras}
    deletable = _deletable_by_camera(ids)
    aged = _age_deletable_by_camera(limits, now)
    rows = [
        CameraStorage(
            camera=camera,
            bytes=usage[camera.id]["bytes"] or 0,
            segments=usage[camera.id]["segments"],
            oldest=usage[camera.id]["oldest"],
            newest=usage[camera.id]["newest"],
            recorded_days=usage[camera.id]["recorded_days"],
            limits=limits[camera.id],
            deletable_bytes=deletable.get(camera.id, 0),
            age_delete_bytes=aged.get(camera.id, (0, 0.0))[0],
            age_delete_seconds=aged.get(camera.id, (0, 0.0))[1],
            now=now,
        )
        for camera in cameras
    ]
    rows.sort(key=lambda row: -row.bytes)
    _scale_bars(rows)
    return StorageOverview(
        cameras=rows,
        bytes=sum(row.bytes for row in rows),
        segments=sum(row.segments for row in rows),
        delete_bytes=sum(row.delete_bytes for row in rows),
        protected_bytes=sum(row.protected_bytes for row in rows),
        over_limit=sum(1 for row in rows if row.over_limit),
    )


def _deletable_by_camera(camera_ids: list[int]) -> dict[int, int]:
    rows = (
        deletable_segments()
        .filter(camera_id__in=camera_ids)
        .order_by()
        .values("camera_id")
        .annotate(total=Sum("bytes"))
    )
    return {row["camera_id"]: row["total"] or 0 for row in rows}


def _age_deletable_by_camera(limits: dict[int, Limits], now: dt.datetime) -> dict[int, tuple[int, float]]:
    """Bytes and seconds of footage past each camera's age limit that retention may delete: one query."""
    by_age = defaultdict(list)
    for camera_id, limit in limits.items():
        if limit.max_age:
            by_age[limit.max_age].append(camera_id)
    if not by_age:
        return {}
    # One condition per distinct limit, not per camera: SQLite caps the depth of an OR chain.
    past = Q(pk__in=[])
    for max_age, camera_ids in by_age.items():
        past |= Q(camera_id__in=camera_ids, ended_at__lt=now - dt.timedelta(seconds=max_age))
    length = ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField())
    rows = (
        deletable_segments()
        .filter(past)
        .order_by()
        .values("camera_id")
        .annotate(total=Sum("bytes"), length=Sum(length))
    )
    return {
        row["camera_id"]: (row["total"] or 0, row["length"].total_seconds() if row["length"] else 0.0)
        for row in rows
    }


def _scale_bars(rows: list[CameraStorage]) -> None:
    """Bar pieces as percentages of the largest camera: deleted next, kept, protected; the limit mark."""
    scale = max((row.bytes for row in rows), default=0)
    for row in rows:
        if not scale:
            row.bar = {"delete": 0, "kept": 0, "protected": 0, "limit": None}
            continue
        delete, protected = row.delete_bytes, row.protected_bytes
        kept = max(0, row.bytes - delete - protected)
        limit = row.limits.max_bytes
        row.bar = {
            "delete": 100 * delete / scale,
            "kept": 100 * kept / scale,
            "protected": 100 * protected / scale,
            "limit": 100 * limit / scale if limit and limit <= scale else None,
        }


def storage_protected(overview: StorageOverview, *, now: dt.datetime | None = None) -> list[tuple]:
    """`(camera, ProtectedFootage)` for each camera of the overview with protected footage, by title."""
    found: dict[int, ProtectedFootage] = protected_footage(
        [row.camera.id for row in overview.cameras], now=now
    )
    cameras = sorted(
        (row.camera for row in overview.cameras), key=lambda camera: camera.display_title.lower()
    )
    return [(camera, found[camera.id]) for camera in cameras if camera.id in found]
