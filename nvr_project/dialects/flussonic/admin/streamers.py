"""Streamers = our recording nodes (catalog §5.2.1-5.2.2, §5.2.5, §6.3, §6.4), read side.

A node's `stats` come from its ingest worker's heartbeat (cameras.services.nodes.streamer_heartbeat);
a node whose heartbeat is older than `Streamer.ONLINE_WINDOW` is offline: its `stats` keep the last figures
and say why in `error` and `text_alerts`.
"""

from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from cameras.models import Streamer
from organizations.exceptions import ObjectNotFound

from ..collections import Collection, Field, Selection
from ..openapi import collection, collection_parameters, responses
from .base import WatcherAdminView
from .schemas import STREAMER

# Health thresholds (catalog §6.4 leaves them to us): a load at or over the first is `degradated`,
# at or over the second `partial_outage`; an offline node is an `outage`, a node capped at 0 `disabled`.
DEGRADED_PERCENT = settings.NVR_HEALTH_DEGRADED_PERCENT
PARTIAL_OUTAGE_PERCENT = settings.NVR_HEALTH_PARTIAL_OUTAGE_PERCENT
HEALTH = ("operational", "degradated", "partial_outage", "outage", "disabled")

STREAMER_FIELDS = {
    "hostname": Field("hostname"),
    "role": Field("role"),
    "channel_limit": Field("channel_limit", "int", nullable=True),
    "total_bandwidth": Field("total_bandwidth", "int", nullable=True),
    "stats.server_version": Field("version"),
}
STREAMERS = Collection(
    fields=STREAMER_FIELDS, items_key="streamers", default_sort=("hostname",), required=("hostname",)
)


def streamer_queryset():
    """Nodes with how many cameras are pinned to each: one query for any number of nodes."""
    return Streamer.objects.annotate(_pinned=Count("cameras", distinct=True)).order_by("hostname")


def _online(streamer: Streamer, now) -> bool:
    return streamer.is_online(now)


def streamer_stats(streamer: Streamer, now) -> dict:
    """StreamerStats (§6.3.2) from the node's last heartbeat."""
    beat = streamer.stats or {}
    online = _online(streamer, now)
    stats = {
        "hostname": streamer.hostname,
        "server_version": streamer.version,
        "streamer_status": "running" if online else "starting",
        "uptime": beat.get("uptime", 0) if online else 0,
        "now": int(now.timestamp() * 1000),
        "cpu_usage": beat.get("cpu_usage") or 0,
        "memory_usage": beat.get("memory_usage") or 0,
        "input_kbit": beat.get("input_kbit", 0),
        "output_kbit": beat.get("output_kbit", 0),
        "total_clients": beat.get("total_clients", 0),
        "total_streams": max(getattr(streamer, "_pinned", 0), beat.get("recording", 0)),
        "online_streams": beat.get("recording", 0) if online else 0,
        "partitions": [
            {k: p[k] for k in ("path", "device", "total_mb", "usage", "io_util") if k in p}
            for p in beat.get("partitions", [])
        ],
        "text_alerts": {},
    }
    if streamer.started_at:
        stats["started_at"] = int(streamer.started_at.timestamp())
    if not online:
        seen = (
            f"last heartbeat {int((now - streamer.last_heartbeat_at).total_seconds())} s ago"
            if streamer.last_heartbeat_at
            else "no heartbeat yet"
        )
        stats["error"] = "offline"
        stats["text_alerts"] = {"heartbeat": f"node offline: {seen}"}
    return stats


def streamer_body(streamer: Streamer, now) -> dict:
    """Streamer (§6.3.1)."""
    body = {
        "hostname": streamer.hostname,
        "role": streamer.role,
        "stats": streamer_stats(streamer, now),
        "cluster_key": streamer.cluster_key,
        "dvrs": streamer.dvrs or [],
        "config": streamer.config or {},
        "labels": streamer.labels or {},
    }
    for key in ("channel_limit", "total_bandwidth"):
        if getattr(streamer, key) is not None:
            body[key] = getattr(streamer, key)
    if streamer.host:
        body["api_url"] = streamer.host
    return body


class StreamerListView(WatcherAdminView):
    """GET /streamers: every recording node, with its live figures."""

    @extend_schema(
        operation_id="streamers_list",
        parameters=collection_parameters(STREAMERS),
        responses=responses(collection(STREAMERS, STREAMER), 400, 403),
    )
    def get(self, request):
        now = timezone.now()
        page = STREAMERS.page(
            request, streamer_queryset(), lambda rows, selection: [streamer_body(s, now) for s in rows]
        )
        return Response(page)


class StreamerView(WatcherAdminView):
    """GET /streamers/{hostname}: one node, else 404."""

    @extend_schema(
        operation_id="streamer_get",
        parameters=[OpenApiParameter("select", str)],
        responses=responses(STREAMER, 403, 404),
    )
    def get(self, request, hostname: str):
        streamer = streamer_queryset().filter(hostname=hostname).first()
        if streamer is None:
            raise ObjectNotFound(f"no streamer {hostname!r}")
        selection = Selection(request.query_params.get("select"), ("hostname",))
        return Response(selection.project(streamer_body(streamer, timezone.now())))
