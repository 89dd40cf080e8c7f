"""Recording nodes: this process's node, its heartbeat, and enabling nodes."""

import importlib.metadata
import os
import shutil
import socket
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from cameras.models import Camera, CameraPlacement, NodeEgress, Streamer
from organizations.choices import AuditKind
from organizations.services import audit_event_record


def node_version() -> str:
    """The version this node runs (the installed package's), reported in its heartbeat."""
    try:
        return importlib.metadata.version("nvr")
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0"


def node_name() -> str:
    """This host's name as a recording node (NVR_NODE_NAME overrides the hostname)."""
    return os.environ.get("NVR_NODE_NAME") or socket.gethostname()


def _memory_usage_percent() -> int | None:
    try:
        with open("/proc/meminfo") as meminfo:
            values = {line.split(":")[0]: int(line.split()[1]) for line in meminfo}
        return round(100 * (1 - values["MemAvailable"] / values["MemTotal"]))
    except (OSError, KeyError, ValueError, ZeroDivisionError):
        return None


EGRESS_WINDOW = timedelta(seconds=60)


def _egress(streamer: Streamer, now) -> dict:
    """Output bitrate since the last heartbeat and players now, from the web processes' tallies.

    `bytes_out_total` and `egress_at` stay in `stats` for the next heartbeat's difference.
    """
    rows = NodeEgress.objects.filter(hostname=streamer.hostname, updated_at__gte=now - EGRESS_WINDOW)
    totals = rows.aggregate(bytes=Sum("bytes_total"), clients=Sum("clients"))
    all_bytes = (
        NodeEgress.objects.filter(hostname=streamer.hostname).aggregate(b=Sum("bytes_total"))["b"] or 0
    )
    previous = streamer.stats or {}
    kbit = 0
    if "egress_at" in previous:
        seconds = now.timestamp() - previous["egress_at"]
        grown = all_bytes - previous.get("bytes_out_total", 0)
        if seconds > 0 and grown > 0:
            kbit = round(grown * 8 / 1000 / seconds)
    return {
        "output_kbit": kbit,
        "total_clients": totals["clients"] or 0,
        "bytes_out_total": all_bytes,
        "egress_at": now.timestamp(),
    }


def streamer_heartbeat() -> Streamer:
    """Register this host as a built-in recording node and refresh its load and disk figures."""
    root = settings.NVR_MEDIA_ROOT
    root.mkdir(parents=True, exist_ok=True)
    disk = shutil.disk_usage(root)
    load1 = os.getloadavg()[0]
    now = timezone.now()
    streamer, _ = Streamer.objects.get_or_create(hostname=node_name(), defaults={"started_at": now})
    recording = Camera.objects.filter(
        lease_owner__startswith=f"{streamer.hostname}:", lease_expires_at__gt=now
    )
    totals = recording.aggregate(cameras=Count("pk"), kbit=Sum("bitrate"))
    egress = _egress(streamer, now)
    streamer.stats = {
        "cpu_usage": min(100, round(100 * load1 / (os.cpu_count() or 1))),
        "memory_usage": _memory_usage_percent(),
        "partitions": [
            {
                "path": str(root),
                "total_mb": disk.total // 2**20,
                "free_mb": disk.free // 2**20,
                "usage": round(100 * disk.used / disk.total) if disk.total else 0,
            }
        ],
        "recording": totals["cameras"],
        "input_kbit": totals["kbit"] or 0,
        **egress,
        "uptime": int((now - streamer.started_at).total_seconds()) if streamer.started_at else 0,
    }
    streamer.version = node_version()
    streamer.last_heartbeat_at = now
    streamer.save(update_fields=["stats", "version", "last_heartbeat_at", "updated_at"])
    return streamer


@transaction.atomic
def streamer_set_enabled(*, streamers, enabled: bool, actor) -> int:
    """Enable or disable recording nodes; the recorder stops placing cameras on a disabled node."""
    changed = Streamer.objects.filter(pk__in=[s.pk for s in streamers]).exclude(enabled=enabled)
    names = list(changed.values_list("hostname", flat=True))
    count = Streamer.objects.filter(hostname__in=names).update(enabled=enabled)
    for hostname in names:
        audit_event_record(
            kind=AuditKind.CONFIG_CHANGE,
            actor=actor,
            object_type="streamer",
            object_id=hostname,
            message=f"{'enabled' if enabled else 'disabled'} node {hostname}",
        )
    return count


STREAMER_WRITABLE = (
    "role",
    "channel_limit",
    "cluster_key",
    "config",
    "total_bandwidth",
    "labels",
    "dvrs",
    "host",
)


@transaction.atomic
def streamer_save(*, hostname: str, actor, **fields) -> tuple[Streamer, bool]:
    """Create or update a node's settings (Watcher `streamer_save`); returns (node, created).

    A `channel_limit` of 0 (or `enabled=False`) drains the node: its recorders lose their leases at
    the next renewal and the other nodes take its cameras (recordings.recorder.lease).
    """
    unknown = set(fields) - set(STREAMER_WRITABLE) - {"enabled"}
    if unknown:
        raise ValueError(f"not writable: {', '.join(sorted(unknown))}")
    streamer, created = Streamer.objects.select_for_update().get_or_create(hostname=hostname)
    changed = [name for name, value in fields.items() if getattr(streamer, name) != value]
    for name, value in fields.items():
        setattr(streamer, name, value)
    streamer.save()
    if created or changed:
        audit_event_record(
            kind=AuditKind.CONFIG_CHANGE,
            actor=actor,
            object_type="streamer",
            object_id=hostname,
            message=f"{'registered' if created else 'changed'} node {hostname}"
            + (f": {', '.join(sorted(changed))}" if changed and not created else ""),
        )
    return streamer, created


def _why_moved(previous) -> str:
    """Watcher's `change_reason` for a camera leaving its previous node (catalog §6.8.1)."""
    if previous is None:
        return "not_distributed"
    node = previous.streamer
    if node is None:
        return "node_deleted"
    if not node.enabled or node.channel_limit == 0:
        return "node_channel_limit_exceeded"
    if not node.is_online():
        return "node_become_offline"
    return "relayout_by_api"


def placement_record(*, camera: Camera, hostname: str) -> CameraPlacement | None:
    """Append where a recorder starts recording `camera`, when that differs from the last placement.

    `decisions` keeps each node's verdict at that moment (Watcher `node_layout_decisions`).
    """
    streamer, _ = Streamer.objects.get_or_create(hostname=hostname)
    previous = CameraPlacement.objects.filter(camera=camera).select_related("streamer").first()
    if previous is not None and previous.streamer_id == streamer.id:
        return None
    now = timezone.now()
    decisions = []
    for node in Streamer.objects.order_by("hostname"):
        reasons = []
        if not node.is_online(now):
            reasons.append("node_offline")
        if not node.enabled or node.channel_limit == 0:
            reasons.append("node_channel_limit_exceeded")
        decisions.append(
            {"role": node.role, "hostname": node.hostname, "node_decision": not reasons, "reasons": reasons}
        )
    return CameraPlacement.objects.create(
        camera=camera, streamer=streamer, change_reason=_why_moved(previous), decisions=decisions
    )


class StreamerInUse(Exception):
    """A node that records now or still holds footage cannot be deleted."""


@transaction.atomic
def streamer_delete(*, streamer: Streamer, actor) -> None:
    """Forget a recording node that is offline and holds no footage; cameras pinned to it float.

    An online node would register again at its next heartbeat, and deleting one that holds
    segments would lose where that footage lives: both are refused.
    """
    from recordings.models import Segment  # recordings depends on cameras, not the reverse

    now = timezone.now()
    if streamer.is_online(now):
        raise StreamerInUse(
            f"node {streamer.hostname} is online: drain it (channel_limit 0) and stop its worker"
        )
    held = Segment.objects.filter(streamer=streamer).count()
    if held:
        raise StreamerInUse(f"node {streamer.hostname} still holds {held} segments of footage")
    hostname = streamer.hostname
    streamer.delete()
    audit_event_record(
        kind=AuditKind.CONFIG_CHANGE,
        actor=actor,
        object_type="streamer",
        object_id=hostname,
        message=f"deleted node {hostname}",
    )
