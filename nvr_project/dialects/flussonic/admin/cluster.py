"""`cluster_stats_get` (catalog §5.2.5, §6.4): the health of every camera, agent and node, in JSON or
OpenMetrics text."""

from django.db.models import Count, Q
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from cameras.models import Agent, Camera
from cameras.services.nodes import node_version
from organizations.models import SiteSettings

from ..client.streams import ALIVE_WITHIN  # a stream's `stats.alive`: the same rule
from ..openapi import responses
from .base import WatcherAdminView
from .schemas import CLUSTER_HEALTH
from .streamers import (
    DEGRADED_PERCENT,
    HEALTH,
    PARTIAL_OUTAGE_PERCENT,
    streamer_queryset,
    streamer_stats,
)


def version_number(version: str) -> int:
    """`24.01.23` → 240100023, Watcher's TAGCNUM (§6.4); missing parts count as 0."""
    parts = [int(p) if p.isdigit() else 0 for p in (version.split(".") + ["0", "0"])[:3]]
    return parts[0] * 10**7 + parts[1] * 10**5 + parts[2]


def _totals(**counts) -> dict:
    totals = {status: counts.get(status, 0) for status in HEALTH}
    totals["total"] = sum(totals.values())
    return totals


def _worst(*statuses: str) -> str:
    ranked = [s for s in statuses if s != "disabled"]
    return max(ranked, key=HEALTH.index) if ranked else "disabled"


def _load_status(percent) -> str:
    if percent is None:
        return "operational"
    if percent >= PARTIAL_OUTAGE_PERCENT:
        return "partial_outage"
    return "degradated" if percent >= DEGRADED_PERCENT else "operational"


def stream_totals(now, cameras=None) -> dict:
    """Cameras by health: disabled, alive (operational), enabled but silent (outage)."""
    cameras = Camera.objects.all() if cameras is None else cameras
    alive = Q(enabled=True, last_frame_at__gte=now - ALIVE_WITHIN)
    counts = cameras.aggregate(
        disabled=Count("pk", filter=Q(enabled=False)),
        operational=Count("pk", filter=alive),
        outage=Count("pk", filter=Q(enabled=True) & ~alive),
    )
    return _totals(**counts)


def agent_totals(now) -> dict:
    online = Q(last_seen_at__gte=now - Agent.ONLINE_WINDOW)
    return _totals(
        **Agent.objects.aggregate(operational=Count("pk", filter=online), outage=Count("pk", filter=~online))
    )


def streamer_metric(streamer, now) -> dict:
    stats = streamer_stats(streamer, now)
    online = "error" not in stats
    storage = max((p.get("usage", 0) for p in stats["partitions"]), default=None)
    bandwidth = streamer.total_bandwidth
    cameras = Camera.objects.filter(lease_owner__startswith=f"{streamer.hostname}:")
    streams = stream_totals(now, cameras)
    streams["status"] = (
        "operational"
        if not streams["outage"]
        else ("outage" if not streams["operational"] else "partial_outage")
    )
    metric = {
        "hostname": streamer.hostname,
        "uptime": stats["uptime"],
        "config": {"status": "operational"},
        "stream_metrics": streams,
        "agent_metrics": {**_totals(), "status": "operational"},
        "cpu": {"usage": stats["cpu_usage"], "status": _load_status(stats["cpu_usage"])},
        "memory": {"usage": stats["memory_usage"], "status": _load_status(stats["memory_usage"])},
        "storage": {"usage": storage or 0, "status": _load_status(storage)},
        "network": {
            "in_kbit": _network(stats["input_kbit"], bandwidth),
            "out_kbit": _network(stats["output_kbit"], bandwidth),
        },
    }
    if streamer.channel_limit == 0:
        metric["status"] = "disabled"
    elif not online:
        metric["status"] = "outage"
    else:
        metric["status"] = _worst(
            metric["cpu"]["status"],
            metric["memory"]["status"],
            metric["storage"]["status"],
            metric["network"]["in_kbit"]["status"],
            metric["network"]["out_kbit"]["status"],
        )
    return metric


def _network(kbit: int, bandwidth: int | None) -> dict:
    percent = round(100 * kbit / bandwidth) if bandwidth else None
    return {"usage": kbit, "status": _load_status(percent)}


def cluster_health(now) -> dict:
    """ClusterHealth (§6.4)."""
    metrics = [streamer_metric(s, now) for s in streamer_queryset()]
    streamer_counts = {}
    for metric in metrics:
        streamer_counts[metric["status"]] = streamer_counts.get(metric["status"], 0) + 1
    return {
        "version": version_number(node_version()),
        "server_id": str(SiteSettings.load().server_id),
        "collected_at": int(now.timestamp() * 1000),
        "stream_metrics_total": stream_totals(now),
        "agent_metrics_total": agent_totals(now),
        "streamer_metrics_total": _totals(**streamer_counts),
        "streamer_bitrate_metrics_total": {
            "input_kbit": sum(m["network"]["in_kbit"]["usage"] for m in metrics),
            "output_kbit": sum(m["network"]["out_kbit"]["usage"] for m in metrics),
        },
        "streamer_metrics": metrics,
    }


def openmetrics(health: dict) -> str:
    """The same counters as OpenMetrics text (metric names are ours: the catalog leaves them open)."""
    lines = []

    def gauge(name: str, help_text: str, samples: list[tuple[dict, float]]):
        lines.append(f"# TYPE {name} gauge")
        lines.append(f"# HELP {name} {help_text}")
        for labels, value in samples:
            rendered = ",".join(f'{k}="{v}"' for k, v in labels.items())
            lines.append(f"{name}{{{rendered}}} {value}" if rendered else f"{name} {value}")

    for kind in ("stream", "agent", "streamer"):
        totals = health[f"{kind}_metrics_total"]
        gauge(f"watcher_{kind}s", f"{kind}s by health status", [({"status": s}, totals[s]) for s in HEALTH])
    bitrate = health["streamer_bitrate_metrics_total"]
    gauge("watcher_cluster_input_kbit", "cluster input bitrate, kbit/s", [({}, bitrate["input_kbit"])])
    gauge("watcher_cluster_output_kbit", "cluster output bitrate, kbit/s", [({}, bitrate["output_kbit"])])
    for name, key in (
        ("cpu_usage_percent", "cpu"),
        ("memory_usage_percent", "memory"),
        ("storage_usage_percent", "storage"),
    ):
        gauge(
            f"watcher_streamer_{name}",
            f"node {key} usage, percent",
            [({"hostname": m["hostname"]}, m[key]["usage"]) for m in health["streamer_metrics"]],
        )
    gauge(
        "watcher_streamer_up",
        "1 if the node is not in outage",
        [({"hostname": m["hostname"]}, int(m["status"] != "outage")) for m in health["streamer_metrics"]],
    )
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


class OpenMetricsRenderer(BaseRenderer):
    """`?format=openmetrics` (DRF's format override) or an Accept header asking for OpenMetrics."""

    media_type = "application/openmetrics-text"
    format = "openmetrics"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if "errors" in data:  # an error raised before the view ran stays JSON
            return JSONRenderer().render(data)
        return openmetrics(data).encode()


class ClusterStatsView(WatcherAdminView):
    """GET /cluster/stats[?format=openmetrics]."""

    renderer_classes = [JSONRenderer, OpenMetricsRenderer]

    @extend_schema(
        operation_id="cluster_stats_get",
        parameters=[OpenApiParameter("format", str, enum=["openmetrics"], required=False)],
        responses={
            **responses(CLUSTER_HEALTH, 403, 404),
            (200, "application/openmetrics-text"): OpenApiResponse(
                {"type": "string"}, description="the same counters as OpenMetrics text"
            ),
        },
    )
    def get(self, request):
        response = Response(cluster_health(timezone.now()))
        if request.accepted_renderer.format == "openmetrics":
            response.content_type = f"{OpenMetricsRenderer.media_type}; version=1.0.0; charset=utf-8"
        return response
