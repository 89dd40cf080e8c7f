"""Streams in the Admin API (catalog §5.5.1-5.5.4, §6.7): every stream of every organization, for
troubleshooting. The admin may not watch content, so no playback token is issued (§6.7.1); the
admin view adds `onvif.url` and `layout` (the current placement) and drops the Client API's
per-user fields (`is_favourite`, `notifications_enabled`).

Listing and saving are the Client API's operations: a domain administrator reaches every camera
there, so the same views serve, with this serializer in place of the client's.
"""

from django.db import transaction
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from cameras.models import Camera, CameraPlacement
from cameras.services import camera_update
from organizations.exceptions import ObjectNotFound

from ..client import stream_device, stream_edit, streams
from ..collections import Selection
from ..errors import InvalidBody
from ..openapi import collection, collection_parameters, component, obj, responses
from .base import WatcherAdminView
from .stream_layouts import layout_body
from .streamer_edit import labels_parse

CLIENT_ONLY = ("is_favourite", "notifications_enabled")


def parse_labels(body) -> dict | None:
    """The body's `labels`, None when absent; 400 per bad label."""
    if not isinstance(body, dict) or "labels" not in body:
        return None
    labels, problems = labels_parse(body["labels"])
    if problems:
        raise InvalidBody(problems)
    return labels


ADMIN_STREAM_SCHEMA = component(
    "AdminStream",
    {"allOf": [streams.STREAM_SCHEMA, obj(layout={"type": "object"}, labels={"type": "object"})]},
)


def serialize_admin_streams(request, cameras: list[Camera], selection: Selection) -> list[dict]:
    context = streams.stream_page_context(request, cameras, selection)
    context["tokens"] = False  # no content for the admin: neither token nor endpoint is needed
    items = streams.StreamSerializer(cameras, many=True, context=context).data
    placements = {}
    if selection.wants("layout"):
        rows = CameraPlacement.objects.filter(camera__in=cameras).select_related("streamer")
        for placement in rows.order_by("camera_id", "-created_at", "-id"):
            placements.setdefault(placement.camera_id, placement)
    for camera, item in zip(cameras, items, strict=True):
        for key in CLIENT_ONLY:
            item.pop(key, None)
        if camera.onvif_url:
            item["onvif"]["url"] = camera.onvif_url
        item["labels"] = camera.labels or {}
        if camera.id in placements:
            item["layout"] = layout_body(placements[camera.id])
    return items


class StreamListView(WatcherAdminView, streams.StreamListView):
    """GET /streams: all streams, whatever the organization."""

    @extend_schema(
        operation_id="streams_list",
        parameters=collection_parameters(streams.STREAMS),
        responses=responses(collection(streams.STREAMS, ADMIN_STREAM_SCHEMA), 400, 403),
    )
    def get(self, request):
        page = streams.STREAMS.page(
            request,
            streams.stream_queryset(self),
            lambda rows, selection: serialize_admin_streams(request, rows, selection),
        )
        return Response(page)


class StreamView(WatcherAdminView, stream_edit.StreamView):
    """GET, PUT and DELETE /streams/{name}."""

    @extend_schema(
        operation_id="stream_get",
        parameters=[streams.SELECT],
        responses=responses(ADMIN_STREAM_SCHEMA, 403, 404),
    )
    def get(self, request, name: str):
        camera = streams.stream_queryset(self).filter(name=name).first()
        if camera is None:
            raise ObjectNotFound("stream not found")
        selection = Selection(request.query_params.get("select"), ("name",))
        return Response(selection.project(serialize_admin_streams(request, [camera], selection)[0]))

    @extend_schema(
        operation_id="stream_save",
        parameters=[stream_edit.PART],
        request={"application/json": {"type": "object"}},
        responses=responses(ADMIN_STREAM_SCHEMA, 400, 403, 404),
    )
    def put(self, request, name: str):
        """The Client API's stream_save, plus the admin's placement `labels` (catalog §6.7.1)."""
        labels = parse_labels(request.data)
        with transaction.atomic():
            response = super().put(request, name)
            if labels is not None:
                camera = camera_update(camera=Camera.objects.get(name=name), actor=self.user, labels=labels)
                response = Response(self._stream(camera))
        return response

    def _stream(self, camera: Camera) -> dict:
        found = streams.stream_queryset(self).get(pk=camera.pk)
        return serialize_admin_streams(self.request, [found], Selection(None))[0]


class CameraConfigView(WatcherAdminView, stream_device.CameraConfigView):
    """GET and PUT /streams/{name}/camera_config: the camera's own settings, through ONVIF."""


class FirmwareUpdateView(WatcherAdminView, stream_device.FirmwareUpdateView):
    """PUT /streams/{name}/firmware_update."""


urlpatterns = [
    path("streams", StreamListView.as_view(), name="streams_list"),
    path("streams/<path:name>/camera_config", CameraConfigView.as_view(), name="camera_config_get"),
    path("streams/<path:name>/firmware_update", FirmwareUpdateView.as_view(), name="stream_firmware_update"),
]
# `streams/<path:name>` is routed last among the stream routes (admin/urls.py), after sub-resources.
stream_route = path("streams/<path:name>", StreamView.as_view(), name="stream_get")
