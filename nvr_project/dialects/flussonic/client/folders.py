"""Folders of an organization (catalog §5.14.1-5.14.4, §6.14, and `folder_delete` of §10).

Reading: `folder_list`, `folder_get`. Writing (organization administrators, as in the dashboard's
folder tree): `folder_create`, `folder_save` (incl. moves and reordering) and `folder_delete`.
"""

import os

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from cameras.access import is_organization_admin
from cameras.models import Camera
from cameras.services import FolderNotEmpty, folder_delete
from organizations.access import access_folder, access_organization
from organizations.models import Folder, Organization
from organizations.selectors import folder_list
from organizations.services import FolderMoveInvalid
from organizations.services.folder_edit import KEEP, FloorPlanImage, FolderShift, folder_add, folder_edit

from ..collections import Collection, Field
from ..errors import InvalidBody, WatcherError
from ..openapi import INT, NUMBER, TEXT, collection, collection_parameters, component, obj, responses
from .base import WatcherClientView
from .folder_body import FOLDER_BODY_SCHEMA, NOT_GIVEN, POINTERS, FolderPatch, parse_folder_body

FOLDER_FIELDS = {
    "id": Field("id", "int"),
    "title": Field("title"),
    "organization_id": Field("organization_id", "int"),
    "parent_id": Field("parent_id", "int", nullable=True),
    "hierarchy.order_num": Field("position", "int"),
    "coordinates.latitude": Field("latitude", "float", nullable=True),
    "coordinates.longitude": Field("longitude", "float", nullable=True),
}

FOLDERS = Collection(
    fields=FOLDER_FIELDS,
    items_key="folders",
    default_sort=("parent_id", "hierarchy.order_num"),  # natural order: the tree, siblings in order
    required=("id",),
)

PLACE = obj(latitude=NUMBER, longitude=NUMBER)
FOLDER_SCHEMA = component(
    "Folder",
    obj(
        "id",  # with `select`, only what was asked for comes back, and `id` always (§3.2)
        id=INT,
        title=TEXT,
        organization_id=INT,
        parent_id=INT,
        streams_count=INT,
        coordinates=PLACE,
        floor_plan=obj(file=obj(url=TEXT, name=TEXT), bottomleft=PLACE, topleft=PLACE, topright=PLACE),
        hierarchy=obj(level=INT, order_num=INT),
    ),
)


class FolderSerializer(serializers.BaseSerializer):
    """Folder → §6.14 read form. `context`: `levels` (depth by id) and `counts` (visible cameras)."""

    def to_representation(self, folder: Folder) -> dict:
        item = {
            "id": folder.id,
            "title": folder.title,
            "organization_id": folder.organization_id,
            "streams_count": self.context["counts"].get(folder.id, 0),
            "hierarchy": {"level": self.context["levels"].get(folder.id, 0), "order_num": folder.position},
        }
        if folder.parent_id is not None:
            item["parent_id"] = folder.parent_id
        if folder.latitude is not None and folder.longitude is not None:
            item["coordinates"] = {"latitude": folder.latitude, "longitude": folder.longitude}
        floor_plan = {k: v for k, v in (folder.floor_plan_anchors or {}).items() if k in CORNERS}
        if folder.floor_plan:
            floor_plan["file"] = {
                "url": folder.floor_plan.url,
                "name": os.path.basename(folder.floor_plan.name),
            }
        if floor_plan:
            item["floor_plan"] = floor_plan
        return item


CORNERS = ("bottomleft", "topleft", "topright")


def folder_context(user, organization) -> dict:
    """Depth of every folder of the organization and its cameras the user may see: two queries."""
    parents = dict(Folder.objects.filter(organization=organization).values_list("id", "parent_id"))
    levels = {}
    for folder_id in parents:
        level, node, seen = 0, parents[folder_id], {folder_id}
        while node is not None and node not in seen:  # a cycle can only come from a bad write
            seen.add(node)
            level, node = level + 1, parents.get(node)
        levels[folder_id] = level
    visible = Camera.objects.for_user(user, organization=organization).exclude(folder=None)
    counts = dict(visible.values("folder_id").annotate(n=Count("pk")).values_list("folder_id", "n"))
    return {"levels": levels, "counts": counts}


def _may_edit_folders(user, organization: Organization) -> None:
    # §8: organization administrators (the owner among them) hold every folder-level right.
    if not is_organization_admin(user, organization):
        raise PermissionDenied("only organization administrators may create, change or delete folders")


def _folder_in(organization: Organization, folder_id: int, pointer: str) -> Folder:
    folder = Folder.objects.filter(organization=organization, pk=folder_id).first()
    if folder is None:  # missing and another organization's alike
        raise InvalidBody([(pointer, "unknown folder")])
    return folder


def folder_save(*, user, organization: Organization, patch: FolderPatch, folder: Folder | None) -> Folder:
    """Create (`folder` None) or change a folder from a parsed body, in one service transaction."""
    parent = KEEP
    if patch.parent_id is not NOT_GIVEN:
        parent = None if patch.parent_id is None else _folder_in(organization, patch.parent_id, "/parent_id")
    shift = None
    if patch.shift is not None:
        destination = _folder_in(organization, patch.shift[1], "/hierarchy/shift/destination")
        shift = FolderShift(patch.shift[0], destination)
    fields = {}
    if patch.coordinates is not NOT_GIVEN:
        fields["latitude"], fields["longitude"] = patch.coordinates or (None, None)
    if patch.floor_plan_removed:
        fields["floor_plan_anchors"] = {}
    elif patch.corners:
        anchors = {**(folder.floor_plan_anchors if folder else {}), **patch.corners}
        fields["floor_plan_anchors"] = {k: v for k, v in anchors.items() if v is not None}
    image = KEEP if patch.image is NOT_GIVEN else (patch.image and FloorPlanImage(*patch.image))
    place = {"position": patch.order_num, "shift": shift, "floor_plan": image}
    try:
        if folder is not None:
            if patch.title is not NOT_GIVEN:
                fields["title"] = patch.title
            return folder_edit(folder=folder, actor=user, fields=fields, parent=parent, **place)
        if not patch.title:
            raise InvalidBody([("/title", "is required")])
        parent = None if parent is KEEP else parent
        return folder_add(
            organization=organization, actor=user, title=patch.title, parent=parent, fields=fields, **place
        )
    except DjangoValidationError as exc:
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        raise InvalidBody([(POINTERS.get(k, ""), m) for k, msgs in detail.items() for m in msgs]) from None
    except FolderMoveInvalid as exc:
        pointer = "/hierarchy/shift/destination" if shift is not None else "/parent_id"
        raise InvalidBody([(pointer, str(exc))]) from None


def _folder_response(user, organization: Organization, folder: Folder) -> Response:
    context = folder_context(user, organization)
    return Response(FolderSerializer(folder, context=context).data)


class FolderListView(WatcherClientView):
    """GET /organizations/{organization_id}/folders: the folders of the organization the caller may see.

    POST: `folder_create`, the new folder last among its siblings unless `hierarchy` places it.
    """

    @extend_schema(
        operation_id="folder_list",
        parameters=collection_parameters(FOLDERS),
        responses=responses(collection(FOLDERS, FOLDER_SCHEMA), 400, 404),
    )
    def get(self, request, organization_id: int):
        organization = access_organization(self.user, organization_id)
        context = folder_context(self.user, organization)
        page = FOLDERS.page(
            request,
            folder_list(user=self.user, organization=organization),
            lambda rows, selection: FolderSerializer(rows, many=True, context=context).data,
        )
        return Response(page)

    @extend_schema(
        operation_id="folder_create",
        request={"application/json": FOLDER_BODY_SCHEMA},
        responses=responses(FOLDER_SCHEMA, 400, 403, 404),
    )
    def post(self, request, organization_id: int):
        organization = access_organization(self.user, organization_id)
        _may_edit_folders(self.user, organization)
        patch = parse_folder_body(request.data)
        folder = folder_save(user=self.user, organization=organization, patch=patch, folder=None)
        return _folder_response(self.user, organization, folder)


class FolderDetailView(WatcherClientView):
    """GET /organizations/{organization_id}/folders/{folder_id}: one visible folder, else 404.

    PUT: `folder_save` (a partial merge; `hierarchy.shift`, `parent_id` or `hierarchy.order_num`
    move and reorder). DELETE: `folder_delete`, of an empty folder only.
    """

    @extend_schema(operation_id="folder_get", responses=responses(FOLDER_SCHEMA, 404))
    def get(self, request, organization_id: int, folder_id: int):
        organization = access_organization(self.user, organization_id)
        folder = access_folder(self.user, organization, folder_id)
        context = folder_context(self.user, organization)
        return Response(FolderSerializer(folder, context=context).data)

    @extend_schema(
        operation_id="folder_save",
        request={"application/json": FOLDER_BODY_SCHEMA},
        responses=responses(FOLDER_SCHEMA, 400, 403, 404),
    )
    def put(self, request, organization_id: int, folder_id: int):
        organization = access_organization(self.user, organization_id)
        folder = access_folder(self.user, organization, folder_id)
        _may_edit_folders(self.user, organization)
        patch = parse_folder_body(request.data)
        folder = folder_save(user=self.user, organization=organization, patch=patch, folder=folder)
        return _folder_response(self.user, organization, folder)

    @extend_schema(operation_id="folder_delete", responses=responses(None, 403, 404, 409, status=204))
    def delete(self, request, organization_id: int, folder_id: int):
        """As in Watcher's UI, only an empty folder goes: move its cameras and subfolders out first."""
        organization = access_organization(self.user, organization_id)
        folder = access_folder(self.user, organization, folder_id)
        _may_edit_folders(self.user, organization)
        try:
            folder_delete(folder=folder, actor=self.user)
        except FolderNotEmpty as exc:
            raise WatcherError(str(exc), http_status=status.HTTP_409_CONFLICT, code="not_empty") from None
        return Response(status=status.HTTP_204_NO_CONTENT)
