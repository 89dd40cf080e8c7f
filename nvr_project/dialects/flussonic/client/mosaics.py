"""Mosaics, read side (catalog §5.12.1, §5.12.3, §6.15): `mosaics_list` and `mosaic_get`."""

from django.db.models import Q, QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from cameras.models import Camera, Mosaic, MosaicSlot
from cameras.mosaics import CAPACITY
from organizations.choices import Action
from organizations.exceptions import ObjectNotFound
from organizations.selectors import organization_list_for_user
from recordings.playback.tokens import media_token_issue

from ..collections import Collection, Field
from .base import WatcherClientView
from .streams import ALIVE_WITHIN

MOSAIC_FIELDS = {
    "id": Field("id", "int"),
    "title": Field("title"),
    "type": Field("layout"),
    "organization_id": Field("organization_id", "int"),
}

MOSAICS = Collection(fields=MOSAIC_FIELDS, items_key="mosaics", default_sort=("id",), required=("id",))


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
        now, user = self.context["now"], self.context["user"]
        return {
            "name": camera.name,
            "title": camera.title,
            "playback_token": media_token_issue(user_id=user.pk, camera_id=camera.id),
            "alive": camera.last_frame_at is not None and now - camera.last_frame_at <= ALIVE_WITHIN,
        }


def serialize_mosaics(user, mosaics: list[Mosaic]) -> list[dict]:
    """One query for the cells of every mosaic on the page; cameras out of the caller's reach are empty."""
    watchable = Camera.objects.for_user(user, Action.LIVE)
    cells: dict[int, dict[int, Camera]] = {}
    slots = MosaicSlot.objects.filter(mosaic__in=mosaics, camera__in=watchable).select_related("camera")
    for slot in slots:
        cells.setdefault(slot.mosaic_id, {})[slot.position] = slot.camera
    context = {"cells": cells, "now": timezone.now(), "user": user}
    return MosaicSerializer(mosaics, many=True, context=context).data


class MosaicListView(WatcherClientView):
    """GET /mosaics: the caller's mosaics and their organizations' shared ones."""

    @extend_schema(operation_id="mosaics_list", responses={200: OpenApiResponse(description="Mosaics")})
    def get(self, request):
        page = MOSAICS.page(
            request, mosaic_queryset(self.user), lambda rows, selection: serialize_mosaics(self.user, rows)
        )
        return Response(page)


class MosaicDetailView(WatcherClientView):
    """GET /mosaics/{mosaic_id}: one mosaic the caller may see, else 404."""

    @extend_schema(operation_id="mosaic_get", responses={200: OpenApiResponse(description="Mosaic")})
    def get(self, request, mosaic_id: int):
        mosaic = mosaic_queryset(self.user).filter(pk=mosaic_id).first()
        if mosaic is None:
            raise ObjectNotFound("mosaic not found")
        return Response(serialize_mosaics(self.user, [mosaic])[0])
