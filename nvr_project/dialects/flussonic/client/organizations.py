"""Organizations, read side (catalog §5.9.1, §5.9.3, §6.10-6.11): `organizations_list`, `organization_get`."""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from cameras.models import Camera, Mosaic
from organizations.access import access_organization
from organizations.models import Membership, Organization
from organizations.selectors import organization_list_for_user

from ..collections import Collection, Field, Selection
from .base import WatcherClientView

PERMISSION_FLAGS = {
    "can_view_stats": "can_view_stats",
    "can_edit_streams": "can_edit_cameras",
    "can_edit_users": "can_edit_users",
    "can_view_persons_lists": "can_view_persons_lists",
    "can_edit_persons_lists": "can_edit_persons_lists",
}


def _count(model):
    """A factory of `(request) -> Expression`: how many rows of `model` an organization owns."""

    def expression(request=None):
        rows = model.objects.filter(organization=OuterRef("pk")).values("organization")
        return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")), 0, output_field=IntegerField())

    return expression


ORGANIZATION_FIELDS = {
    "id": Field("id", "int"),
    "title": Field("title"),
    "is_default": Field("is_default", "bool"),
    "owner.id": Field("owner_id", "int", nullable=True),
    "limits.streams": Field("max_cameras", "int", nullable=True),
    "limits.users": Field("max_users", "int", nullable=True),
    "stats.streams": Field(_count(Camera), "int"),
    "stats.users": Field(_count(Membership), "int"),
    "stats.mosaics": Field(_count(Mosaic), "int"),
}

ORGANIZATIONS = Collection(
    fields=ORGANIZATION_FIELDS,
    items_key="organizations",
    default_sort=("id",),  # natural order (§3.2: implicit $position)
    required=("id", "title"),
)


class OrganizationSerializer(serializers.BaseSerializer):
    """Organization → §6.10, with the caller's `user_permissions`; `context["memberships"]` by org id."""

    def to_representation(self, organization: Organization) -> dict:
        item = {
            "id": organization.id,
            "title": organization.title,
            "is_default": organization.is_default,
            "stats": {
                "streams": organization._streams,
                "users": organization._users,
                "mosaics": organization._mosaics,
            },
            "limits": {},
            "user_permissions": permissions(self.context["memberships"].get(organization.id), organization),
        }
        for key, value in (("streams", organization.max_cameras), ("users", organization.max_users)):
            if value is not None:
                item["limits"][key] = value
        if organization.owner is not None:
            item["owner"] = {"id": organization.owner_id, "name": organization.owner.login}
        return item


def permissions(membership: Membership | None, organization: Organization) -> dict:
    """§6.11 for one member; an organization administrator (or the owner) holds every right (§8)."""
    if membership is None:
        return {"is_member": False, **{key: False for key in PERMISSION_FLAGS}}
    admin = membership.is_admin or organization.owner_id == membership.user_id
    flags = {key: admin or getattr(membership, field) for key, field in PERMISSION_FLAGS.items()}
    return {"is_member": True, **flags}


def organization_queryset(user):
    return (
        organization_list_for_user(user=user)
        .select_related("owner")
        .annotate(
            _streams=_count(Camera)(None), _users=_count(Membership)(None), _mosaics=_count(Mosaic)(None)
        )
    )


def serialize_organizations(user, organizations: list[Organization], selection: Selection) -> list[dict]:
    memberships = {
        m.organization_id: m
        for m in Membership.objects.filter(user=user, organization__in=[o.id for o in organizations])
    }
    return OrganizationSerializer(organizations, many=True, context={"memberships": memberships}).data


class OrganizationListView(WatcherClientView):
    """GET /organizations: the caller's organizations (every one for a domain administrator)."""

    @extend_schema(
        operation_id="organizations_list", responses={200: OpenApiResponse(description="Organizations")}
    )
    def get(self, request):
        page = ORGANIZATIONS.page(
            request,
            organization_queryset(self.user),
            lambda rows, selection: serialize_organizations(self.user, rows, selection),
        )
        return Response(page)


class OrganizationDetailView(WatcherClientView):
    """GET /organizations/{organization_id}: one of the caller's organizations, else 404."""

    @extend_schema(
        operation_id="organization_get", responses={200: OpenApiResponse(description="Organization")}
    )
    def get(self, request, organization_id: int):
        access_organization(self.user, organization_id)
        organization = organization_queryset(self.user).get(id=organization_id)
        return Response(serialize_organizations(self.user, [organization], Selection(None))[0])
