"""Mosaics (catalog §5.12, §6.15, and `mosaic_delete` of §10).

Reading: `mosaics_list`, `mosaic_get`. Writing: `mosaic_create` makes the caller's own mosaic;
`mosaic_save` and `mosaic_delete` follow `cameras/mosaics.py`: one's own mosaics, and the
organization's shared ones for its administrators only. A cell names a camera the caller may watch.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from cameras.choices import MosaicLayout
from cameras.models import Camera, Mosaic, MosaicSlot
from cameras.mosaics import CAPACITY, access_mosaic, mosaic_delete
from cameras.services.mosaics import mosaic_compose, mosaic_edit
from organizations.choices import Action
from organizations.exceptions import ObjectNotFound
from organizations.models import Organization
from organizations.selectors import organization_list_for_user
from recordings.playback.tokens import media_token_issue

from ..collections import Collection, Field
from ..errors import InvalidBody
from ..openapi import (
    BOOL,
    INT,
    TEXT,
    array,
    collection,
    collection_parameters,
    component,
    nullable,
    obj,
    responses,
)
from .base import WatcherClientView
from .streams import ALIVE_WITHIN

MOSAIC_FIELDS = {
    "id": Field("id", "int"),
    "title": Field("title"),
    "type": Field("layout"),
    "organization_id": Field("organization_id", "int"),
}

MOSAICS = Collection(fields=MOSAIC_FIELDS, items_key="mosaics", default_sort=("id",), required=("id",))
MOSAIC_SCHEMA = component(
    "Mosaic",
    obj(
        "id",  # with `select`, only what was asked for comes back, and `id` always (§3.2)
        id=INT,
        title=TEXT,
        type=TEXT,
        organization_id=INT,
        streams=array(obj(name=TEXT, title=TEXT, playback_token=TEXT, alive=BOOL)),
    ),
)
MOSAIC_BODY_SCHEMA = component(
    "MosaicWrite",
    obj(
        title=TEXT,
        type={"enum": list(MosaicLayout.values)},
        organization_id=INT,
        streams=array(nullable(obj(name=TEXT))),
    ),
)


def mosaic_queryset(user) -> QuerySet[Mosaic]:
    """The caller's own mosaics and the shared ones of their organizations (cameras/mosaics.py rules)."""
    organizations = organization_list_for_user(user=user)
    return Mosaic.objects.filter(organization__in=organizations).filter(Q(owner=user) | Q(owner__isnull=True))


class MosaicSerializer(serializers.BaseSerializer):
    """Mosaic → §6.15. `context["cells"]`: per mosaic id, position → the camera the caller may watch."""

    def to_representation(self, mosaic: Mosaic) -> dict:
        cells = self.context["cells"].get(mosaic.id, {})
        capacity = CAPACITY.get(mosaic.layout, 4)
        streams = [self._cell(cells.get(position)) for position in range(capacity)]
        while streams and not streams[-1]:
            streams.pop()  # trailing empty cells are not sent; `{}` marks an empty cell inside
        return {
            "id": mosaic.id,
            "title": mosaic.title,
            "type": mosaic.layout,
            "organization_id": mosaic.organization_id,
            "streams": streams,
        }

    def _cell(self, camera: Camera | None) -> dict:
        if camera is None:
            return {}
        now, user, session = self.context["now"], self.context["user"], self.context.get("session")
        return {
            "name": camera.name,
            "title": camera.title,
            "playback_token": media_token_issue(user=user, camera_id=camera.id, session=session),
            "alive": camera.last_frame_at is not None and now - camera.last_frame_at <= ALIVE_WITHIN,
        }


def serialize_mosaics(user, mosaics: list[Mosaic], session=None) -> list[dict]:
    """One query for the cells of every mosaic on the page; cameras out of the caller's reach are empty."""
    watchable = Camera.objects.for_user(user, Action.LIVE)
    cells: dict[int, dict[int, Camera]] = {}
    slots = MosaicSlot.objects.filter(mosaic__in=mosaics, camera__in=watchable).select_related("camera")
    for slot in slots:
        cells.setdefault(slot.mosaic_id, {})[slot.position] = slot.camera
    context = {"cells": cells, "now": timezone.now(), "user": user, "session": session}
    return MosaicSerializer(mosaics, many=True, context=context).data


POINTERS = {"title": "/title", "layout": "/type", "streams": "/streams", "organization": "/organization_id"}


def parse_mosaic_body(body) -> dict:
    """`title`, `layout`, `organization_id` and `streams` (cell names, None for `{}`) of a body.

    Keys left out are left out; read-only keys (`id`, a cell's `title`, `playback_token`, `alive`)
    and unknown ones are ignored (§4); InvalidBody lists every wrong field.
    """
    if not isinstance(body, dict):
        raise InvalidBody([("", "the body must be a JSON object")])
    problems, parsed = [], {}
    if "title" in body:
        if isinstance(body["title"], str):
            parsed["title"] = body["title"]
        else:
            problems.append(("/title", "must be a string"))
    if "type" in body:
        if body["type"] in MosaicLayout.values:
            parsed["layout"] = body["type"]
        else:
            problems.append(("/type", f"must be one of {', '.join(MosaicLayout.values)}"))
    if "organization_id" in body:
        value = body["organization_id"]
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            parsed["organization_id"] = value
        else:
            problems.append(("/organization_id", "must be an organization id"))
    if "streams" in body:
        parsed["streams"] = _cell_names(body["streams"], problems)
    if problems:
        raise InvalidBody(problems)
    return parsed


def _cell_names(cells, problems: list) -> list[str | None]:
    if not isinstance(cells, list):
        problems.append(("/streams", "must be an array of cells"))
        return []
    names, seen = [], {}
    for index, cell in enumerate(cells):
        name = cell.get("name") if isinstance(cell, dict) else None
        if cell is not None and not isinstance(cell, dict):
            problems.append((f"/streams/{index}", 'must be an object: {} or {"name": ...}'))
        elif name is not None and (not isinstance(name, str) or not name):
            problems.append((f"/streams/{index}/name", "must be a stream name"))
        elif name is not None and name in seen:
            problems.append((f"/streams/{index}/name", f"is already in cell {seen[name]}"))
        elif name is not None:
            seen[name] = index
        names.append(name if isinstance(name, str) and name else None)
    return names


def _cells(user, organization: Organization, names: list[str | None]) -> list[Camera | None]:
    """The cameras the cells name; each must be one the caller may watch in the organization."""
    watchable = Camera.objects.for_user(user, Action.LIVE, organization=organization)
    found = {c.name: c for c in watchable.filter(name__in=[n for n in names if n])}
    missing = [(f"/streams/{i}/name", "unknown stream") for i, n in enumerate(names) if n and n not in found]
    if missing:
        raise InvalidBody(missing)
    return [found[n] if n else None for n in names]


def _creation_organization(user, organization_id: int | None) -> Organization:
    reachable = organization_list_for_user(user=user)
    if organization_id is not None:
        organization = reachable.filter(pk=organization_id).first()
        if organization is None:  # missing and foreign alike
            raise InvalidBody([("/organization_id", "unknown organization")])
        return organization
    organizations = list(reachable[:2])
    if len(organizations) != 1:
        raise InvalidBody([("/organization_id", "is required: you belong to several organizations")])
    return organizations[0]


def _invalid(exc: DjangoValidationError) -> InvalidBody:
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
    return InvalidBody([(POINTERS.get(k, ""), m) for k, msgs in detail.items() for m in msgs])


def _editable(user, mosaic_id: int) -> Mosaic:
    """A mosaic the caller sees (else 404) and may change (else 403: a shared one, not an admin)."""
    mosaic = mosaic_queryset(user).filter(pk=mosaic_id).select_related("organization").first()
    if mosaic is None:
        raise ObjectNotFound("mosaic not found")
    return access_mosaic(user, mosaic.pk, organization=mosaic.organization, edit=True)


class MosaicListView(WatcherClientView):
    """GET /mosaics: the caller's mosaics and their organizations' shared ones. POST: `mosaic_create`."""

    @extend_schema(
        operation_id="mosaics_list",
        parameters=collection_parameters(MOSAICS),
        responses=responses(collection(MOSAICS, MOSAIC_SCHEMA), 400),
    )
    def get(self, request):
        page = MOSAICS.page(
            request,
            mosaic_queryset(self.user),
            lambda rows, selection: serialize_mosaics(self.user, rows, self.session),
        )
        return Response(page)

    @extend_schema(
        operation_id="mosaic_create",
        request={"application/json": MOSAIC_BODY_SCHEMA},
        responses=responses(MOSAIC_SCHEMA, 400),
    )
    def post(self, request):
        """The new mosaic is the caller's own (sharing with the organization is the dashboard's)."""
        body = parse_mosaic_body(request.data)
        organization = _creation_organization(self.user, body.get("organization_id"))
        if not body.get("title", "").strip():
            raise InvalidBody([("/title", "is required")])
        cameras = _cells(self.user, organization, body["streams"]) if "streams" in body else None
        try:
            mosaic = mosaic_compose(
                organization=organization,
                actor=self.user,
                title=body["title"],
                layout=body.get("layout", MosaicLayout.L2X2),
                cameras=cameras,
            )
        except DjangoValidationError as exc:
            raise _invalid(exc) from None
        return Response(serialize_mosaics(self.user, [mosaic], self.session)[0])


class MosaicDetailView(WatcherClientView):
    """GET /mosaics/{mosaic_id}: one mosaic the caller may see, else 404. PUT: `mosaic_save`
    (a partial merge; `streams`, when sent, is the whole cell list). DELETE: `mosaic_delete`."""

    @extend_schema(operation_id="mosaic_get", responses=responses(MOSAIC_SCHEMA, 404))
    def get(self, request, mosaic_id: int):
        mosaic = mosaic_queryset(self.user).filter(pk=mosaic_id).first()
        if mosaic is None:
            raise ObjectNotFound("mosaic not found")
        return Response(serialize_mosaics(self.user, [mosaic], self.session)[0])

    @extend_schema(
        operation_id="mosaic_save",
        request={"application/json": MOSAIC_BODY_SCHEMA},
        responses=responses(MOSAIC_SCHEMA, 400, 403, 404),
    )
    def put(self, request, mosaic_id: int):
        mosaic = _editable(self.user, mosaic_id)
        body = parse_mosaic_body(request.data)
        if body.get("organization_id", mosaic.organization_id) != mosaic.organization_id:
            raise InvalidBody([("/organization_id", "a mosaic stays in its organization")])
        cameras = _cells(self.user, mosaic.organization, body["streams"]) if "streams" in body else None
        try:
            mosaic = mosaic_edit(
                mosaic=mosaic, title=body.get("title"), layout=body.get("layout"), cameras=cameras
            )
        except DjangoValidationError as exc:
            raise _invalid(exc) from None
        return Response(serialize_mosaics(self.user, [mosaic], self.session)[0])

    @extend_schema(operation_id="mosaic_delete", responses=responses(None, 403, 404, status=204))
    def delete(self, request, mosaic_id: int):
        mosaic_delete(mosaic=_editable(self.user, mosaic_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
