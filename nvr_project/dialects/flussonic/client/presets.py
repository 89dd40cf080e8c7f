"""Presets (catalog §5.10, §6.16) and attaching them to organizations (§5.9.9-5.9.10)."""

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from cameras.models import Preset
from cameras.presets import (
    PresetInUse,
    organization_preset_attach,
    organization_preset_detach,
    preset_get_usable,
    preset_list_usable,
)
from organizations.access import access_organization

from ..collections import Collection, Field
from ..errors import BadParameter, InvalidBody, WatcherError
from ..openapi import BOOL, INT, TEXT, collection, collection_parameters, component, obj, responses
from .base import WatcherClientView

PRESET_FIELDS = {
    "id": Field("id", "int"),
    "title": Field("title"),
    "is_adjustable": Field("is_adjustable", "bool"),
    "is_default": Field("is_default", "bool"),
    "dvr.expiration": Field("dvr_depth", "int", nullable=True),
    "dvr.storage_limit": Field("dvr_space_limit", "int", nullable=True),
    "dvr.episodes_expiration": Field("episodes_expiration", "int", nullable=True),
    "dvr.redundancy_factor": Field("redundancy_factor", "int"),
    "vision.alg": Field("vision_alg"),
}

PRESETS = Collection(
    fields=PRESET_FIELDS,
    items_key="presets",
    default_sort=("id",),
    required=("id", "title"),
    extra_params=frozenset({"organization_id"}),
)


PRESET_SCHEMA = component(
    "Preset",
    obj(
        "id",
        "title",
        id=INT,
        title=TEXT,
        is_adjustable=BOOL,
        is_default=BOOL,
        dvr=obj(redundancy_factor=INT, expiration=INT, storage_limit=INT, episodes_expiration=INT),
        vision=obj(alg={"type": "string", "enum": ["faces", "plates"]}),
    ),
)
ORGANIZATION_PRESET_BODY = component("OrganizationPresetBody", obj("preset_id", preset_id=INT))


class PresetSerializer(serializers.BaseSerializer):
    """Preset → §6.16; `dvr` keys without a value are left out, as in a stream's `dvr`."""

    def to_representation(self, preset: Preset) -> dict:
        dvr = {"redundancy_factor": preset.redundancy_factor}
        for key, value in (
            ("expiration", preset.dvr_depth),
            ("storage_limit", preset.dvr_space_limit),
            ("episodes_expiration", preset.episodes_expiration),
        ):
            if value is not None:
                dvr[key] = value
        return {
            "id": preset.id,
            "title": preset.title,
            "is_adjustable": preset.is_adjustable,
            "is_default": preset.is_default,
            "dvr": dvr,
            "vision": {"alg": preset.vision_alg} if preset.vision_alg else {},
        }


class PresetListView(WatcherClientView):
    """GET /presets: presets usable in the caller's organizations, or in `organization_id` only."""

    @extend_schema(
        operation_id="presets_list",
        parameters=[
            *collection_parameters(PRESETS),
            OpenApiParameter("organization_id", int, description="only presets allowed there"),
        ],
        responses=responses(collection(PRESETS, PRESET_SCHEMA), 400, 404),
    )
    def get(self, request):
        organization = None
        raw = request.query_params.get("organization_id")
        if raw is not None:
            try:
                organization_id = int(raw)
            except ValueError:
                raise BadParameter("organization_id", "organization_id must be an integer") from None
            organization = access_organization(self.user, organization_id)
        presets = preset_list_usable(user=self.user, organization=organization)
        page = PRESETS.page(request, presets, lambda rows, _: PresetSerializer(rows, many=True).data)
        return Response(page)


class PresetView(WatcherClientView):
    """GET /presets/{id}: a preset usable in one of the caller's organizations, else 404."""

    @extend_schema(operation_id="preset_get", responses=responses(PRESET_SCHEMA, 404))
    def get(self, request, id: int):  # noqa: A002 - the catalog names the path parameter `id`
        return Response(PresetSerializer(preset_get_usable(user=self.user, preset_id=id)).data)


class OrganizationPresetListView(WatcherClientView):
    """PUT /organizations/{organization_id}/presets: allow a preset there (domain administrators)."""

    @extend_schema(
        operation_id="organization_preset_save",
        request={"application/json": ORGANIZATION_PRESET_BODY},
        responses=responses(PRESET_SCHEMA, 400, 403, 404),
    )
    def put(self, request, organization_id: int):
        organization = access_organization(self.user, organization_id)
        body = request.data
        preset_id = body.get("preset_id") if isinstance(body, dict) else None
        if not isinstance(preset_id, int) or isinstance(preset_id, bool):
            raise InvalidBody([("/preset_id", "preset_id must be an integer")])
        preset = organization_preset_attach(organization=organization, preset_id=preset_id, actor=self.user)
        return Response(PresetSerializer(preset).data)


class OrganizationPresetView(WatcherClientView):
    """DELETE /organizations/{organization_id}/presets/{preset_id}: no longer allow it there."""

    @extend_schema(
        operation_id="delete_organization_preset", responses=responses(None, 403, 404, 409, status=204)
    )
    def delete(self, request, organization_id: int, preset_id: int):
        organization = access_organization(self.user, organization_id)
        try:
            organization_preset_detach(organization=organization, preset_id=preset_id, actor=self.user)
        except PresetInUse as exc:
            raise WatcherError(str(exc), http_status=status.HTTP_409_CONFLICT, code="in_use") from None
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("presets", PresetListView.as_view(), name="presets_list"),
    path("presets/<int:id>", PresetView.as_view(), name="preset_get"),
    path(
        "organizations/<int:organization_id>/presets",
        OrganizationPresetListView.as_view(),
        name="organization_preset_save",
    ),
    path(
        "organizations/<int:organization_id>/presets/<int:preset_id>",
        OrganizationPresetView.as_view(),
        name="delete_organization_preset",
    ),
]
