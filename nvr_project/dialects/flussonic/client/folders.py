"""Folders, read side (catalog §5.14.1, §5.14.3, §6.14): `folder_list` and `folder_get` of an organization."""

import os

from django.db.models import Count
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from cameras.models import Camera
from organizations.access import access_folder, access_organization
from organizations.models import Folder
from organizations.selectors import folder_list

from ..collections import Collection, Field
from .base import WatcherClientView

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


class FolderListView(WatcherClientView):
    """GET /organizations/{organization_id}/folders: the folders of the organization the caller may see."""

    @extend_schema(operation_id="folder_list", responses={200: OpenApiResponse(description="Folders")})
    def get(self, request, organization_id: int):
        organization = access_organization(self.user, organization_id)
        context = folder_context(self.user, organization)
        page = FOLDERS.page(
            request,
            folder_list(user=self.user, organization=organization),
            lambda rows, selection: FolderSerializer(rows, many=True, context=context).data,
        )
        return Response(page)


class FolderDetailView(WatcherClientView):
    """GET /organizations/{organization_id}/folders/{folder_id}: one visible folder, else 404."""

    @extend_schema(operation_id="folder_get", responses={200: OpenApiResponse(description="Folder")})
    def get(self, request, organization_id: int, folder_id: int):
        organization = access_organization(self.user, organization_id)
        folder = access_folder(self.user, organization, folder_id)
        context = folder_context(self.user, organization)
        return Response(FolderSerializer(folder, context=context).data)
