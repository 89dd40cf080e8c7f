"""`agents_list` (catalog §5.7, §6.12): Flussonic Agents that have connected at least once, with the
streams that use them in their inputs."""

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from cameras.models import Agent, Camera

from ..collections import Collection, Field
from ..openapi import collection, collection_parameters, responses
from .base import WatcherAdminView
from .schemas import AGENT


def _stream_of_agent(field: str):
    def expression(request=None):
        cameras = Camera.objects.filter(agent_id=OuterRef("agent_id")).order_by("name")
        return Subquery(cameras.values(field)[:1])

    return expression


AGENT_FIELDS = {
    "id": Field("agent_id"),
    "serial": Field("serial"),
    "model": Field("model"),
    "organization_id": Field("organization_id", "int", nullable=True),
    "stream": Field(_stream_of_agent("name"), nullable=True),  # a filter: stream_is=null, stream=NAME
    "title": Field(_stream_of_agent("title"), nullable=True),  # a filter: title_like (first stream)
}
AGENTS = Collection(fields=AGENT_FIELDS, items_key="agents", default_sort=("id",), required=("id",))


def agent_body(agent: Agent, streams: list[Camera], now) -> dict:
    stats = dict(agent.stats or {})
    connection = dict(stats.get("endpoint_connection") or {})
    connection["alive"] = agent.is_online(now)
    if agent.last_seen_at is not None:
        connection.setdefault("status_changed_at", int(agent.last_seen_at.timestamp()))
    stats["endpoint_connection"] = connection
    return {
        "id": agent.agent_id,
        "key": agent.key,
        "serial": agent.serial,
        "model": agent.model,
        "stats": stats,
        "streams": [
            {
                "name": camera.name,
                "title": camera.title,
                "comment": camera.comment,
                "organization": {"id": camera.organization_id, "title": camera.organization.title},
            }
            for camera in streams
        ],
    }


def serialize_agents(agents: list[Agent]) -> list[dict]:
    """One query for the streams of every agent on the page."""
    by_agent: dict[str, list[Camera]] = {}
    cameras = Camera.objects.filter(agent_id__in=[a.agent_id for a in agents]).select_related("organization")
    for camera in cameras.order_by("name"):
        by_agent.setdefault(camera.agent_id, []).append(camera)
    now = timezone.now()
    return [agent_body(agent, by_agent.get(agent.agent_id, []), now) for agent in agents]


class AgentListView(WatcherAdminView):
    """GET /agents[?organization_id=…&stream_is=null&title_like=…]."""

    @extend_schema(
        operation_id="agents_list",
        parameters=collection_parameters(AGENTS),
        responses=responses(collection(AGENTS, AGENT), 400, 403),
    )
    def get(self, request):
        page = AGENTS.page(request, Agent.objects.all(), lambda rows, selection: serialize_agents(rows))
        return Response(page)
