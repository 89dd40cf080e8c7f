"""Streams, write side (catalog §5.2.3, §5.2.4): `stream_save` (upsert, partial merge) and `stream_delete`."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from cameras.models import Camera
from cameras.services import camera_delete, camera_update
from cameras.services.camera_save import camera_config_override_save, camera_save, may_edit_camera
from organizations.exceptions import ObjectNotFound

from ..collections import Selection
from ..errors import BadParameter, InvalidBody
from ..openapi import responses
from .stream_body import STREAM_BODY_SCHEMA, StreamPatch, parse_stream_body, pointer_for
from .streams import (
    STREAM_SCHEMA,
    StreamDetailView,
    _is_favourite,
    _last_episode_at,
    serialize_streams,
    stream_queryset,
)

PARTS = ("config_on_disk", "config_override")
PART = OpenApiParameter(
    "part", str, enum=list(PARTS), description="config_on_disk (default) or config_override"
)


def _part(request) -> str:
    part = request.query_params.get("part") or PARTS[0]
    if part not in PARTS:
        raise BadParameter("part", "part must be config_on_disk or config_override")
    return part


def stream_save(*, user, camera: Camera | None, name: str, patch: StreamPatch) -> Camera:
    """The body's change through the one camera save (cameras.services.camera_save)."""
    return camera_save(actor=user, camera=camera, name=name, change=patch)


class StreamView(StreamDetailView):
    """/streams/{name}: `stream_get`, `stream_save` (PUT) and `stream_delete` (DELETE)."""

    @extend_schema(
        operation_id="stream_save",
        parameters=[PART],
        request={"application/json": STREAM_BODY_SCHEMA},
        responses=responses(STREAM_SCHEMA, 400, 403, 404),
    )
    def put(self, request, name: str):
        part = _part(request)
        body = request.data
        patch = parse_stream_body(body)
        if "name" in body and body["name"] != name:
            raise InvalidBody([("/name", "must equal the stream name in the path")])
        camera = Camera.objects.filter(name=name).select_related("organization", "preset").first()
        if camera is not None and not self.get_queryset().filter(pk=camera.pk).exists():
            raise ObjectNotFound("stream not found")  # another tenant's, or not granted: same as missing
        if camera is None and ("name" not in body or part == "config_override"):
            raise ObjectNotFound("stream not found")  # §5.2.3: creating needs `name` in the body
        if part == "config_override":
            layer = {k: v for k, v in body.items() if k not in ("name", "$reset")}
            camera = camera_config_override_save(
                actor=self.user, camera=camera, layer=layer, reset=patch.reset
            )
        else:
            try:
                camera = stream_save(user=self.user, camera=camera, name=name, patch=patch)
            except DjangoValidationError as exc:
                detail = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
                raise InvalidBody([(pointer_for(k), m) for k, msgs in detail.items() for m in msgs]) from None
        return Response(self._stream(camera))

    @extend_schema(
        operation_id="stream_delete", parameters=[PART], responses=responses(None, 400, 403, 404, status=204)
    )
    def delete(self, request, name: str):
        part = _part(request)
        camera = self.get_queryset().filter(name=name).select_related("organization").first()
        if camera is None:
            raise ObjectNotFound("stream not found")
        may_edit_camera(self.user, camera)
        if part == "config_override":  # §5.2.4: only the runtime overrides go
            camera_update(camera=camera, actor=self.user, config_override=None)
        else:
            camera_delete(camera=camera, actor=self.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _stream(self, camera: Camera) -> dict:
        """The saved stream; an editor who may not view it (no folder grant) still gets their answer."""
        found = stream_queryset(self).filter(pk=camera.pk).first()
        if found is None:
            found = (
                Camera.objects.filter(pk=camera.pk)
                .select_related("last_change_user")
                .annotate(
                    _last_episode_at=_last_episode_at(self.request), _is_favourite=_is_favourite(self.request)
                )
                .get()
            )
        return serialize_streams(self.request, [found], Selection(None))[0]
