"""Storage accounting: bytes and days of footage per camera, organization and node, from the index;
protected footage; the recording nodes' disks as their heartbeats report them."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from cameras.models import Streamer
from recordings.models import Episode, Run, Segment

DAY = 86400
MB = 2**20  # the heartbeat reports disks in MiB
# cameras/admin/nodes.py calls a node online within the same window: three missed 10 s heartbeats.


def storage_by_camera(camera_ids: list[int]) -> dict[int, dict]:
    """Per camera: bytes, segments, oldest and newest footage, and days actually recorded.

    Two queries whatever the number of cameras.
    """
    rows = (
        Segment.objects.filter(camera_id__in=camera_ids, purging=False)
        .values("camera_id")
        .annotate(bytes=Sum("bytes"), segments=Count("id"), oldest=Min("started_at"), newest=Max("ended_at"))
    )
    # Summed in the database: a camera has a run per reconnect, and reading them all was a third
    # of a `streams_list` page (bench/api.py).
    span = ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField())
    runs = Run.objects.filter(camera_id__in=camera_ids).values("camera_id").annotate(recorded=Sum(span))
    recorded = defaultdict(float)
    for row in runs:
        recorded[row["camera_id"]] = row["recorded"].total_seconds() if row["recorded"] else 0.0
    empty = {"bytes": 0, "segments": 0, "oldest": None, "newest": None}
    found = {camera_id: dict(empty) for camera_id in camera_ids}
    for row in rows:
        found[row.pop("camera_id")] = row
    for camera_id, usage in found.items():
        usage["recorded_days"] = recorded[camera_id] / 86400
    return found


def storage_totals(group_by: str, *, organization_id: int | None = None) -> dict:
    """Bytes and segments per organization (`"organization"`) or per recording node (`"node"`).

    With `organization_id`, only that organization's footage is counted (a tenant's share of a node).
    """
    key = {"organization": "camera__organization_id", "node": "streamer_id"}[group_by]
    segments = Segment.objects.filter(purging=False)
    if organization_id is not None:
        segments = segments.filter(camera__organization_id=organization_id)
    rows = segments.values(key).annotate(bytes=Sum("bytes"), segments=Count("id"))
    return {row[key]: {"bytes": row["bytes"] or 0, "segments": row["segments"]} for row in rows}


def days_between(oldest: dt.datetime | None, newest: dt.datetime | None) -> float:
    return (newest - oldest).total_seconds() / 86400 if oldest and newest else 0.0


def format_bytes(size: int | None) -> str:
    """Decimal units, as disks are labelled and as the camera form asks for GB."""
    size = size or 0
    for unit, factor in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if size >= factor:
            value = size / factor
            text = f"{value:.1f}" if value < 100 else f"{value:.0f}"
            return f"{text.removesuffix('.0')} {unit}"
    return f"{size} B"


def format_span(seconds: float) -> str:
    """A stretch of time the way an operator says it: 2.3 days, 5 hours, 12 min, 40 s."""
    if seconds >= DAY:
        days = f"{seconds / DAY:.1f}".removesuffix(".0")
        return f"{days} day{'' if days == '1' else 's'}"
    if seconds >= 3600:
        hours = f"{seconds / 3600:.1f}".removesuffix(".0")
        return f"{hours} hour{'' if hours == '1' else 's'}"
    if seconds >= 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"


@dataclass
class NodeDisk:
    """A recording node's media disk as its last heartbeat reported it."""

    node: Streamer
    online: bool
    path: str
    total: int
    free: int
    floor: int
    organization_bytes: int  # footage of the current organization indexed on this node

    @property
    def used(self) -> int:
        return max(0, self.total - self.free)

    @property
    def used_percent(self) -> float:
        return 100 * self.used / self.total if self.total else 0

    @property
    def floor_percent(self) -> float:
        """Where the floor sits on a used-space bar: used beyond it forces deletions."""
        return 100 * (self.total - self.floor) / self.total if self.total else 0

    @property
    def below_floor(self) -> bool:
        return self.total > 0 and self.free < self.floor

    @property
    def labels(self) -> dict:
        return {
            name: format_bytes(getattr(self, name))
            for name in ("total", "free", "used", "floor", "organization_bytes")
        }


def node_disks(*, organization, now: dt.datetime | None = None) -> list[NodeDisk]:
    """Every recording node's disks, with the free-space floor retention keeps and this tenant's share.

    Nodes without a reported disk (foreign nodes, or before their first heartbeat) come with
    `total=0`. For staff and organization administrators only; the caller decides.
    """
    now = now or timezone.now()
    shares = storage_totals("node", organization_id=organization.id)
    disks = []
    for node in Streamer.objects.order_by("hostname"):
        online = node.is_online(now)
        share = shares.get(node.id, {}).get("bytes", 0)
        partitions = (node.stats or {}).get("partitions") or [{}]
        for partition in partitions:
            total = int(partition.get("total_mb") or 0) * MB
            disks.append(
                NodeDisk(
                    node=node,
                    online=online,
                    path=partition.get("path", ""),
                    total=total,
                    free=int(partition.get("free_mb") or 0) * MB,
                    floor=_free_floor(total),
                    organization_bytes=share,
                )
            )
    return disks


def free_floor_rule() -> str:
    """The floor retention keeps on a media disk, as the operator configured it."""
    rule = format_bytes(settings.NVR_MIN_FREE_BYTES)
    if settings.NVR_MIN_FREE_PERCENT:
        rule = f"the larger of {rule} and {settings.NVR_MIN_FREE_PERCENT} % of the disk"
    return rule


def _free_floor(total: int) -> int:
    # retention.free_floor_bytes measures the local disk; a remote node's total comes from its heartbeat.
    return max(settings.NVR_MIN_FREE_BYTES, total * settings.NVR_MIN_FREE_PERCENT // 100)


@dataclass
class ProtectedRange:
    """Back-to-back protected segments of one camera, kept for the same reason."""

    start: dt.datetime
    end: dt.datetime
    bytes: int
    segments: int
    protected: bool  # flagged protected; otherwise kept until `keep_until`
    keep_until: dt.datetime | None

    @property
    def span_label(self) -> str:
        return format_span((self.end - self.start).total_seconds())

    @property
    def bytes_label(self) -> str:
        return format_bytes(self.bytes)


@dataclass
class ProtectedEpisode:
    episode: Episode
    bytes: int  # footage under it

    @property
    def span_label(self) -> str:
        closed = self.episode.closed_at
        return format_span((closed - self.episode.opened_at).total_seconds()) if closed else ""

    @property
    def bytes_label(self) -> str:
        return format_bytes(self.bytes)


@dataclass
class ProtectedFootage:
    """One camera's footage retention may not delete: segments and protected episodes."""

    camera_id: int
    bytes: int = 0
    segments: int = 0
    ranges: list[ProtectedRange] = field(default_factory=list)
    episodes: list[ProtectedEpisode] = field(default_factory=list)
    more_ranges: bool = False  # ranges past the row cap are counted in bytes but not listed

    @property
    def bytes_label(self) -> str:
        return format_bytes(self.bytes)


def protected_footage(
    camera_ids: list[int], *, now: dt.datetime | None = None, max_rows: int = 2000, max_episodes: int = 200
) -> dict[int, ProtectedFootage]:
    """Protected segments (flagged, or kept until a future date) as ranges, and protected episodes.

    Cameras with nothing protected are left out. Three queries; the listed rows are capped, the
    totals are not.
    """
    now = now or timezone.now()
    kept = Segment.objects.filter(camera_id__in=camera_ids, purging=False).filter(
        Q(protected=True) | Q(retention_until__gt=now)
    )
    found: dict[int, ProtectedFootage] = {}
    for row in kept.order_by().values("camera_id").annotate(total=Sum("bytes"), count=Count("id")):
        found[row["camera_id"]] = ProtectedFootage(row["camera_id"], row["total"] or 0, row["count"])
    rows = kept.order_by("camera_id", "started_at").values_list(
        "camera_id", "started_at", "ended_at", "bytes", "protected", "retention_until"
    )[: max_rows + 1]
    for index, (camera_id, start, end, size, flagged, until) in enumerate(rows):
        footage = found[camera_id]
        if index == max_rows:
            footage.more_ranges = True
            break
        last = footage.ranges[-1] if footage.ranges else None
        keep_until = None if flagged else until
        if last and last.protected == flagged and last.keep_until == keep_until and start <= last.end:
            last.end, last.bytes, last.segments = max(last.end, end), last.bytes + size, last.segments + 1
        else:
            footage.ranges.append(ProtectedRange(start, end, size, 1, flagged, keep_until))
    for episode in _protected_episodes(camera_ids, now)[:max_episodes]:
        footage = found.setdefault(episode.camera_id, ProtectedFootage(episode.camera_id))
        footage.episodes.append(ProtectedEpisode(episode, episode.footage_bytes))
    return found


def _protected_episodes(camera_ids: list[int], now: dt.datetime):
    """Protected episodes, newest first, each with the bytes of the footage under it."""
    under = (
        Segment.objects.filter(
            camera_id=OuterRef("camera_id"),
            purging=False,
            started_at__lt=Coalesce(OuterRef("closed_at"), now),
            ended_at__gt=OuterRef("opened_at"),
        )
        .order_by()
        .values("camera_id")
        .annotate(total=Sum("bytes"))
        .values("total")
    )
    return (
        Episode.objects.filter(camera_id__in=camera_ids, protected=True)
        .annotate(footage_bytes=Coalesce(Subquery(under), 0))
        .order_by("-opened_at", "-id")
    )
