"""Presets as the administrator manages them (catalog §5.9-5.10, §6.11): every preset, deleted ones
included with `deleted_at`, created and saved here; attaching them to organizations as in the
Client API (the same views, under the Admin API's rules)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from cameras.choices import VisionAlgorithm
from cameras.models import Preset
from cameras.presets import preset_save
from organizations.exceptions import ObjectNotFound
from organizations.models import Organization

from ..client import presets as client_presets
from ..collections import Collection, Field
from ..errors import BadParameter, InvalidBody
from ..openapi import UTC_MS, collection, collection_parameters, component, responses
from .base import WatcherAdminView

ADMIN_PRESETS = Collection(
    fields={**client_presets.PRESET_FIELDS, "deleted_at": Field("deleted_at", "utc_ms", nullable=True)},
    items_key="presets",
    default_sort=("id",),
    required=("id", "title"),
    extra_params=frozenset({"organization_id"}),
)
ADMIN_PRESET_SCHEMA = component(
    "AdminPreset",
    {
        "allOf": [
            client_presets.PRESET_SCHEMA,
            {"type": "object", "properties": {"deleted_at": UTC_MS}},
        ]
    },
)
DVR_KEYS = {
    "expiration": "dvr_depth",
    "storage_limit": "dvr_space_limit",
    "episodes_expiration": "episodes_expiration",
}
MAX_INT = 2**63 - 1


def preset_body(preset: Preset) -> dict:
    item = client_presets.PresetSerializer(preset).data
    if preset.deleted_at is not None:
        item["deleted_at"] = int(preset.deleted_at.timestamp() * 1000)
    return item


def _count(value, *, nullable: bool) -> bool:
    if value is None:
        return nullable
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_INT


def parse_preset_body(body, *, creating: bool) -> dict:
    """Preset model fields from a patch; 400 with a pointer per bad field (§4: unknown keys ignored)."""
    if not isinstance(body, dict):
        raise InvalidBody([("", "the body must be a JSON object")])
    problems, fields = [], {}
    if "title" in body or creating:
        if isinstance(body.get("title"), str) and body["title"].strip():
            fields["title"] = body["title"].strip()
        else:
            problems.append(("/title", "is required (a non-empty string)"))
    for key in ("is_adjustable", "is_default"):
        if key in body:
            if isinstance(body[key], bool):
                fields[key] = body[key]
            else:
                problems.append((f"/{key}", "must be a boolean"))
    dvr = body.get("dvr")
    if dvr is not None and not isinstance(dvr, dict):
        problems.append(("/dvr", "must be an object"))
    elif dvr:
        for key, model in DVR_KEYS.items():
            if key in dvr:
                if _count(dvr[key], nullable=True):
                    fields[model] = dvr[key]
                else:
                    problems.append((f"/dvr/{key}", "must be a non-negative integer or null"))
        if "redundancy_factor" in dvr:
            if _count(dvr["redundancy_factor"], nullable=False) and dvr["redundancy_factor"] <= 32767:
                fields["redundancy_factor"] = dvr["redundancy_factor"]
            else:
                problems.append(("/dvr/redundancy_factor", "must be a non-negative integer"))
    vision = body.get("vision")
    if vision is not None and not isinstance(vision, dict):
        problems.append(("/vision", "must be an object"))
    elif vision and "alg" in vision:
        if vision["alg"] in (None, ""):
            fields["vision_alg"] = ""
        elif vision["alg"] in VisionAlgorithm.values:
            fields["vision_alg"] = vision["alg"]
        else:
            problems.append(("/vision/alg", "must be faces or plates"))
    if problems:
        raise InvalidBody(problems)
    return fields


def _save(actor, preset: Preset | None, fields: dict) -> Preset:
    try:
        return preset_save(preset=preset, actor=actor, **fields)
    except DjangoValidationError as exc:
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        raise InvalidBody([(f"/{k}" if k else "", m) for k, msgs in detail.items() for m in msgs]) from None


class PresetListView(WatcherAdminView):
    """GET /presets (all, deleted ones too; `organization_id` narrows to those allowed there), POST."""

    @extend_schema(
        operation_id="presets_list",
        parameters=[
            *collection_parameters(ADMIN_PRESETS),
            OpenApiParameter("organization_id", int, description="only presets allowed there"),
        ],
        responses=responses(collection(ADMIN_PRESETS, ADMIN_PRESET_SCHEMA), 400, 403, 404),
    )
    def get(self, request):
        presets = Preset.objects.all()
        raw = request.query_params.get("organization_id")
        if raw is not None:
            if not raw.isdigit() or int(raw) > MAX_INT:
                raise BadParameter("organization_id", "organization_id must be an integer")
            organization = Organization.objects.filter(pk=int(raw)).first()
            if organization is None:
                raise ObjectNotFound("organization not found")
            presets = presets.filter(Q(is_default=True) | Q(organizations=organization)).distinct()
        page = ADMIN_PRESETS.page(request, presets, lambda rows, _: [preset_body(p) for p in rows])
        return Response(page)

    @extend_schema(
        operation_id="presets_create",
        request={"application/json": {"type": "object"}},
        responses=responses(ADMIN_PRESET_SCHEMA, 400, 403),
    )
    def post(self, request):
        preset = _save(self.user, None, parse_preset_body(request.data, creating=True))
        return Response(preset_body(preset))


class PresetView(WatcherAdminView):
    """GET and PUT /presets/{id} (no upsert: an unknown id is 404)."""

    def _preset(self, preset_id: int) -> Preset:
        preset = Preset.objects.filter(pk=preset_id).first()
        if preset is None:
            raise ObjectNotFound("preset not found")
        return preset

    @extend_schema(operation_id="preset_get", responses=responses(ADMIN_PRESET_SCHEMA, 403, 404))
    def get(self, request, id: int):  # noqa: A002 - the catalog names the path parameter `id`
        return Response(preset_body(self._preset(id)))

    @extend_schema(
        operation_id="preset_save",
        request={"application/json": {"type": "object"}},
        responses=responses(ADMIN_PRESET_SCHEMA, 400, 403, 404),
    )
    def put(self, request, id: int):  # noqa: A002
        preset = self._preset(id)
        return Response(
            preset_body(_save(self.user, preset, parse_preset_body(request.data, creating=False)))
        )


class OrganizationPresetListView(WatcherAdminView, client_presets.OrganizationPresetListView):
    """PUT /organizations/{organization_id}/presets, as in the Client API."""


class OrganizationPresetView(WatcherAdminView, client_presets.OrganizationPresetView):
    """DELETE /organizations/{organization_id}/presets/{preset_id}, as in the Client API."""


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
