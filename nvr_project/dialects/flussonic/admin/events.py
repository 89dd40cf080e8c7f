"""`events_list` (catalog §5.8, §6.13): the audit log — Admin API calls, logins, camera status and
configuration changes — as Watcher events."""

import json

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from organizations.models import AuditEvent

from ..collections import Collection, Field
from ..openapi import collection, collection_parameters, responses
from .base import WatcherAdminView
from .schemas import EVENT

EVENT_FIELDS = {
    "event_id": Field("id", "int"),
    "event": Field("kind"),
    "utc_ms": Field("created_at", "utc_ms"),
    "path": Field("path"),
    "operation_id": Field("operation_id"),
    "status": Field("status", "int", nullable=True),
    "duration": Field("duration_us", "int", nullable=True),
    "ip": Field("ip_address", "ip", nullable=True),
    "originator": Field("originator"),
    "trace_id": Field("trace_id"),
    "request_id": Field("request_id"),
}
EVENTS = Collection(fields=EVENT_FIELDS, items_key="events", default_sort=("-event_id",), required=("event",))


def event_body(row: AuditEvent) -> dict:
    """AuditEvent → Event (§6.13). Events that are not API calls carry what changed in `payload`."""
    item = {
        "event": row.kind,
        "event_id": row.id,
        "created_at": row.created_at.isoformat().replace("+00:00", "Z"),
        "utc_ms": int(row.created_at.timestamp() * 1000),
    }
    optional = {
        "path": row.path,
        "qs": row.query_string,
        "ip": row.ip_address,
        "user_agent": row.user_agent,
        "originator": row.originator,
        "operation_id": row.operation_id,
        "status": row.status,
        "duration": row.duration_us,
        "request_id": row.request_id,
        "trace_id": row.trace_id,
        "server": row.server,
    }
    item.update({k: v for k, v in optional.items() if v not in ("", None)})
    if row.payload.get("body"):
        item["payload"] = row.payload["body"]
    elif row.kind != "api_call":
        what = {"message": row.message, "object_type": row.object_type, "object_id": row.object_id}
        if row.actor_id:
            what["user_id"] = row.actor_id
        item["payload"] = json.dumps({k: v for k, v in what.items() if v not in ("", None)})
    return item


class EventListView(WatcherAdminView):
    """GET /events: newest first by default."""

    @extend_schema(
        operation_id="events_list",
        parameters=collection_parameters(EVENTS),
        responses=responses(collection(EVENTS, EVENT), 400, 403),
    )
    def get(self, request):
        page = EVENTS.page(
            request, AuditEvent.objects.all(), lambda rows, selection: [event_body(r) for r in rows]
        )
        return Response(page)
