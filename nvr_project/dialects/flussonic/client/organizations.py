"""Organizations (catalog §5.9.1-5.9.5, §6.10-6.11): list, get, create, save and delete."""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from cameras.models import Camera, Mosaic
from cameras.services.organizations import OrganizationInUse, organization_delete
from organizations.access import access_organization
from organizations.exceptions import ObjectNotFound
from organizations.models import Membership, Organization
from organizations.selectors import is_admin_membership, organization_list_for_user
from organizations.services.organization_edit import (
    UNCHANGED,
    member_candidate_get,
    organization_create_by,
    organization_update,
)

from ..collections import Collection, Field, Selection
from ..errors import InvalidBody, WatcherError
from ..openapi import (
    BOOL,
    INT,
    TEXT,
    collection,
    collection_parameters,
    component,
    nullable,
    obj,
    ref,
    responses,
)
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


PERMISSIONS_SCHEMA = component(
    "OrganizationPermissions", obj(is_member=BOOL, **dict.fromkeys(PERMISSION_FLAGS, BOOL))
)
ORGANIZATION_SCHEMA = component(
    "Organization",
    obj(
        "id",
        "title",
        id=INT,
        title=TEXT,
        is_default=BOOL,
        stats=obj(streams=INT, users=INT, mosaics=INT),
        limits=obj(streams=INT, users=INT),
        owner=obj(id=INT, name=TEXT),
        user_permissions=ref("OrganizationPermissions"),
    ),
)
LIMIT = nullable({"type": "integer", "minimum": 0, "maximum": 2**31 - 1})
ORGANIZATION_BODY_SCHEMA = component(
    "OrganizationBody",
    obj(
        "title",
        title={"type": "string", "minLength": 1, "maxLength": 200},
        limits=obj(streams=LIMIT, users=LIMIT),
        owner=obj("id", id=INT),
    ),
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
    admin = is_admin_membership(membership, organization)
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


def _limit(value, pointer: str, problems: list) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
        return value
    problems.append((pointer, "must be a non-negative integer, or null for no limit"))
    return None


def parse_organization_body(body) -> tuple[dict, int | None | object]:
    """(organization_update keyword arguments, owner id or UNCHANGED); 400 per bad field (§4).

    `title` is required on create and on save (§5.9.2, §5.9.4); `limits` and `owner.id` are
    patches; read-only keys (`id`, `stats`, `is_default`, `user_permissions`, `owner.name`) and
    unknown keys are ignored.
    """
    if not isinstance(body, dict):
        raise InvalidBody([("", "the body must be a JSON object")])
    problems, fields = [], {}
    title = body.get("title")
    if "title" not in body:
        problems.append(("/title", "title is required"))
    elif not isinstance(title, str) or not title.strip():
        problems.append(("/title", "must be a non-empty string"))
    else:
        fields["title"] = title.strip()
    limits = body.get("limits", {})
    if not isinstance(limits, dict):
        problems.append(("/limits", "must be an object"))
    else:
        for key, field in (("streams", "max_cameras"), ("users", "max_users")):
            if key in limits:
                fields[field] = _limit(limits[key], f"/limits/{key}", problems)
    owner_id = UNCHANGED
    if "owner" in body:
        owner = body["owner"]
        given = owner.get("id") if isinstance(owner, dict) else None
        if not isinstance(given, int) or isinstance(given, bool):
            problems.append(("/owner/id", "owner must be an object with an integer id"))
        else:
            owner_id = given
    if problems:
        raise InvalidBody(problems)
    return fields, owner_id


def _owner(user, owner_id):
    """The user named by `owner.id`, among those the caller may hand an organization to."""
    if owner_id is UNCHANGED:
        return UNCHANGED
    try:
        return member_candidate_get(actor=user, user_id=owner_id)
    except ObjectNotFound:
        raise InvalidBody([("/owner/id", "unknown user")]) from None


def organization_response(user, organization_id: int) -> Response:
    organization = organization_queryset(user).get(id=organization_id)
    return Response(serialize_organizations(user, [organization], Selection(None))[0])


ORGANIZATION_BODY = {"application/json": ORGANIZATION_BODY_SCHEMA}


class OrganizationListView(WatcherClientView):
    """GET /organizations: the caller's organizations (every one for a domain administrator).

    POST /organizations: a domain administrator creates one (§5.9.2).
    """

    @extend_schema(
        operation_id="organizations_list",
        parameters=collection_parameters(ORGANIZATIONS),
        responses=responses(collection(ORGANIZATIONS, ORGANIZATION_SCHEMA), 400),
    )
    def get(self, request):
        page = ORGANIZATIONS.page(
            request,
            organization_queryset(self.user),
            lambda rows, selection: serialize_organizations(self.user, rows, selection),
        )
        return Response(page)

    @extend_schema(
        operation_id="organization_create",
        request=ORGANIZATION_BODY,
        responses=responses(ORGANIZATION_SCHEMA, 400, 403),
    )
    def post(self, request):
        fields, owner_id = parse_organization_body(request.data)
        owner = _owner(self.user, owner_id)
        organization = organization_create_by(
            actor=self.user, owner=None if owner is UNCHANGED else owner, **fields
        )
        return organization_response(self.user, organization.id)


class OrganizationDetailView(WatcherClientView):
    """GET, PUT and DELETE /organizations/{organization_id}: one of the caller's organizations, else 404."""

    @extend_schema(operation_id="organization_get", responses=responses(ORGANIZATION_SCHEMA, 404))
    def get(self, request, organization_id: int):
        access_organization(self.user, organization_id)
        return organization_response(self.user, organization_id)

    @extend_schema(
        operation_id="organization_save",
        request=ORGANIZATION_BODY,
        responses=responses(ORGANIZATION_SCHEMA, 400, 403, 404),
    )
    def put(self, request, organization_id: int):
        """A partial save: `limits` (domain administrators) and `owner` change only when sent."""
        organization = access_organization(self.user, organization_id)
        fields, owner_id = parse_organization_body(request.data)
        organization_update(
            organization=organization, actor=self.user, owner=_owner(self.user, owner_id), **fields
        )
        return organization_response(self.user, organization_id)

    @extend_schema(operation_id="organization_delete", responses=responses(None, 403, 404, 409, status=204))
    def delete(self, request, organization_id: int):
        organization = access_organization(self.user, organization_id)
        try:
            organization_delete(organization=organization, actor=self.user)
        except OrganizationInUse as exc:
            raise WatcherError(str(exc), http_status=status.HTTP_409_CONFLICT, code="in_use") from None
        return Response(status=status.HTTP_204_NO_CONTENT)
