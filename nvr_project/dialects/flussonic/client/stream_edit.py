"""Streams, write side (catalog §5.2.3, §5.2.4): `stream_save` (upsert, partial merge) and `stream_delete`."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from cameras.access import can_add_cameras
from cameras.models import Camera, Preset
from cameras.services import (
    camera_create,
    camera_delete,
    camera_favourite_set,
    camera_inputs_set,
    camera_set_enabled,
    camera_transfer,
    camera_update,
)
from organizations.exceptions import ObjectNotFound
from organizations.models import Folder, Organization
from organizations.selectors import organization_list_for_user

from ..collections import Selection
from ..errors import BadParameter, InvalidBody
from ..openapi import responses
from .stream_body import STREAM_BODY_SCHEMA, StreamPatch, favourite_only, parse_stream_body, pointer_for
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
ADJUSTABLE_ONLY = ("dvr_depth", "dvr_space_limit", "episodes_expiration", "redundancy_factor", "vision")


def _part(request) -> str:
    part = request.query_params.get("part") or PARTS[0]
    if part not in PARTS:
        raise BadParameter("part", "part must be config_on_disk or config_override")
    return part


def _may_edit(user, camera: Camera) -> None:
    if not can_add_cameras(user, camera.organization):  # §5.2.3: can_edit_streams in its organization
        raise PermissionDenied("you may not edit streams in this organization")


def _reachable_organization(user, organization_id: int) -> Organization:
    organization = organization_list_for_user(user=user).filter(pk=organization_id).first()
    if organization is None:  # missing and foreign alike
        raise InvalidBody([("/organization_id", "unknown organization")])
    return organization


def _creation_organization(user, patch: StreamPatch) -> Organization:
    if patch.organization_id is not None:
        organization = _reachable_organization(user, patch.organization_id)
    else:
        organizations = list(organization_list_for_user(user=user)[:2])
        if len(organizations) != 1:
            raise InvalidBody([("/organization_id", "is required: you belong to several organizations")])
        organization = organizations[0]
    if not can_add_cameras(user, organization):
        raise PermissionDenied("you may not create streams in this organization")
    return organization


def _references(patch: StreamPatch, organization: Organization, current_preset: Preset | None) -> dict:
    """Folder and preset as model fields, checked against the (target) organization."""
    fields = {}
    if patch.folder_id is not False:
        folder = None
        if patch.folder_id is not None:
            folder = Folder.objects.filter(pk=patch.folder_id, organization=organization).first()
            if folder is None:
                raise InvalidBody([("/folder_id", "unknown folder")])
        fields["folder"] = folder
    if patch.preset_id is not False:
        preset = None
        if patch.preset_id is not None:
            usable = Preset.objects.filter(deleted_at__isnull=True, pk=patch.preset_id)
            preset = (usable.filter(is_default=True) | usable.filter(organizations=organization)).first()
            if preset is None:
                raise InvalidBody([("/preset_id", "unknown preset")])
        fields["preset"] = preset
    preset = fields.get("preset", current_preset)
    if preset is not None and not preset.is_adjustable:
        return {**fields, **{k: v for k, v in patch.fields.items() if k not in ADJUSTABLE_ONLY}}
    return {**fields, **patch.fields}


def _merge(base: dict, patch: dict) -> dict:
    merged = dict(base)
    for key, value in patch.items():
        merged[key] = (
            _merge(merged[key], value)
            if isinstance(value, dict) and isinstance(merged.get(key), dict)
            else value
        )
    return merged


def stream_save(*, user, camera: Camera | None, name: str, patch: StreamPatch) -> Camera:
    """Create or change one camera from a parsed body, in one transaction (the services nest in it)."""
    with transaction.atomic():
        if camera is None:
            organization = _creation_organization(user, patch)
            camera = camera_create(organization=organization, actor=user, name=name)
        elif favourite_only(patch):
            camera_favourite_set(camera=camera, user=user, favourite=patch.favourite)
            return camera
        else:
            _may_edit(user, camera)
            if patch.organization_id is not None and patch.organization_id != camera.organization_id:
                target = _reachable_organization(user, patch.organization_id)
                camera = camera_transfer(camera=camera, organization=target, actor=user)
        fields = _references(patch, camera.organization, camera.preset)
        if "vision" in fields and not patch.reset:
            fields["vision"] = _merge(camera.vision or {}, fields["vision"])  # §5.2.3: deep merge
        camera_update(camera=camera, actor=user, **fields)
        if patch.inputs is not None:
            camera_inputs_set(camera=camera, inputs=patch.inputs)
        if patch.enabled is not None and patch.enabled != camera.enabled:
            camera_set_enabled(camera=camera, enabled=patch.enabled, actor=user)
        if patch.favourite is not None:
            camera_favourite_set(camera=camera, user=user, favourite=patch.favourite)
    return camera


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
            _may_edit(self.user, camera)
            layer = {k: v for k, v in body.items() if k not in ("name", "$reset")}
            override = layer if patch.reset else _merge(camera.config_override or {}, layer)
            camera = camera_update(camera=camera, actor=self.user, config_override=override)
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
        _may_edit(self.user, camera)
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
