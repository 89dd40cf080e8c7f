"""Stream placement (catalog §5.5.5-5.5.6, §6.8): `stream_layouts_get`, the history of the nodes a
stream was recorded on and why, and `preview_layout_change_for_stream_config`, a dry run."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from cameras.layout import preview_camera_change
from cameras.models import Camera, CameraPlacement
from organizations.exceptions import ObjectNotFound

from ..collections import Collection, Field
from ..computed import page_of_items
from ..errors import InvalidBody
from ..openapi import collection, collection_parameters, responses
from .base import WatcherAdminView
from .schemas import STREAM_CHANGE, STREAM_LAYOUT, changes_page

LAYOUT_FIELDS = {
    "created_at": Field("created_at", "utc_ms"),
    "ingest": Field("streamer__hostname", nullable=True),
    "change_reason": Field("change_reason"),
    "originator": Field("originator"),
}
LAYOUTS = Collection(fields=LAYOUT_FIELDS, items_key="layouts", default_sort=("-created_at",), required=())
CHANGE_FIELDS = ("name", "ingest", "change_reason", "originator", "created_at")


def stream_by_name(name: str) -> Camera:
    camera = Camera.objects.select_related("streamer").filter(name=name).first()
    if camera is None:
        raise ObjectNotFound(f"no stream {name!r}")
    return camera


def layout_body(placement: CameraPlacement) -> dict:
    item = {
        "change_reason": placement.change_reason,
        "node_layout_decisions": placement.decisions or [],
        "created_at": int(placement.created_at.timestamp() * 1000),
        "originator": placement.originator if placement.originator in ("layouter", "other") else "other",
    }
    if placement.streamer is not None:
        item["ingest"] = placement.streamer.hostname
    return item


class StreamLayoutsView(WatcherAdminView):
    """GET /streams/{name}/layouts[?created_at_gt=…&created_at_lt=…]: newest first."""

    @extend_schema(
        operation_id="stream_layouts_get",
        parameters=collection_parameters(LAYOUTS),
        responses=responses(collection(LAYOUTS, STREAM_LAYOUT), 400, 403, 404),
    )
    def get(self, request, name: str):
        camera = stream_by_name(name)
        placements = CameraPlacement.objects.filter(camera=camera).select_related("streamer")
        page = LAYOUTS.page(request, placements, lambda rows, selection: [layout_body(p) for p in rows])
        return Response(page)


class StreamPreviewView(WatcherAdminView):
    """POST /streams/{name}/preview_layout_change: where the stream would go after the change.

    Placement here depends on whether the stream records (`disabled`); other keys change nothing
    about placement and give an empty list.
    """

    @extend_schema(
        operation_id="preview_layout_change_for_stream_config",
        parameters=[
            OpenApiParameter("select", str),
            OpenApiParameter("sort", str),
            OpenApiParameter("limit", {"type": "integer", "minimum": 1}),
            OpenApiParameter("cursor", str),
        ],
        request={"application/json": {"type": "object"}},
        responses=responses(changes_page(STREAM_CHANGE), 400, 403, 404),
    )
    def post(self, request, name: str):
        camera = stream_by_name(name)
        body = request.data
        if not isinstance(body, dict):
            raise InvalidBody([("", "the body must be a JSON object")])
        disabled = body.get("disabled", not camera.enabled)
        if not isinstance(disabled, bool):
            raise InvalidBody([("/disabled", "must be a boolean")])
        change = preview_camera_change(camera, enabled=not disabled)
        rows = []
        if change is not None:
            row = {"name": camera.name, "change_reason": change["change_reason"], "originator": "layouter"}
            if change["ingest"]:
                row["ingest"] = change["ingest"]
            row["created_at"] = int(timezone.now().timestamp() * 1000)
            rows.append(row)
        return Response(
            page_of_items(request, rows, items_key="changes", fields=CHANGE_FIELDS, required=("name",))
        )
