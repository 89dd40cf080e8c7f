"""Organization members (catalog §5.9.6-5.9.8, §6.11): list, get, and save (add or update) a member."""

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from organizations.access import access_organization
from organizations.exceptions import ObjectNotFound
from organizations.models import FolderGrant, Membership, Organization
from organizations.selectors import ADMIN_MEMBERSHIP
from organizations.services.organization_edit import can_edit_users, member_candidate_get, member_save

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
    obj,
    ref,
    responses,
)
from .base import WatcherClientView
from .organizations import PERMISSION_FLAGS, permissions


def _effective(flag: str):
    """A field factory: the flag as the API shows it (administrators and the owner hold every right)."""

    def expression(request=None):
        held = ADMIN_MEMBERSHIP | Q(**{flag: True})
        return ExpressionWrapper(held, output_field=BooleanField())

    return expression


MEMBER_FIELDS = {
    "id": Field("user_id", "int"),
    "name": Field("user__login"),
    "email": Field("user__email"),
    **{f"permissions.organization.{k}": Field(_effective(v), "bool") for k, v in PERMISSION_FLAGS.items()},
}

MEMBERS = Collection(fields=MEMBER_FIELDS, items_key="users", default_sort=("id",), required=("id",))

FOLDER_GRANT = obj(
    id=INT, can_view=BOOL, can_view_dvr=BOOL, dvr_depth_limit=INT, can_use_ptz=BOOL, can_use_actions=BOOL
)
MEMBER_SCHEMA = component(
    "OrganizationUser",
    obj(
        "id",
        id=INT,
        name=TEXT,
        email=TEXT,
        permissions=obj(organization=ref("OrganizationPermissions"), folders=array(FOLDER_GRANT)),
    ),
)
MEMBER_BODY_SCHEMA = component("OrganizationUserBody", obj(**dict.fromkeys(PERMISSION_FLAGS, BOOL)))


def folder_permissions(grant: FolderGrant) -> dict:
    """A folder grant as §6.14 FolderPermissions (the mapping in organizations.models.grants)."""
    return {
        "id": grant.folder_id,
        "can_view": grant.can_live,
        "can_view_dvr": grant.can_archive,
        "dvr_depth_limit": grant.archive_depth_limit,
        "can_use_ptz": grant.can_ptz,
        "can_use_actions": grant.can_manage,
    }


def serialize_members(organization: Organization, memberships: list[Membership]) -> list[dict]:
    """Memberships → OrganizationUser (§6.11), with each member's folder grants in this organization."""
    grants: dict[int, list[dict]] = {}
    rows = FolderGrant.objects.filter(
        folder__organization=organization, user__in=[m.user_id for m in memberships]
    ).order_by("folder_id")
    for grant in rows:
        grants.setdefault(grant.user_id, []).append(folder_permissions(grant))
    return [
        {
            "id": m.user_id,
            "name": m.user.login,
            "email": m.user.email,
            "permissions": {
                "organization": permissions(m, organization),
                "folders": grants.get(m.user_id, []),
            },
        }
        for m in memberships
    ]


def _members(organization: Organization):
    return Membership.objects.filter(organization=organization).select_related("user")


def _require_user_manager(user, organization: Organization) -> None:
    # A member without the right is told so (403); other tenants never got this far (404).
    if not can_edit_users(user, organization):
        raise PermissionDenied("you may not manage the users of this organization")


def parse_member_body(body) -> dict:
    """Membership flags from a §5.9.8 body; `is_member` and unknown keys are ignored (§4)."""
    if not isinstance(body, dict):
        raise InvalidBody([("", "the body must be a JSON object")])
    problems, flags = [], {}
    for key, field in PERMISSION_FLAGS.items():
        if key in body:
            if isinstance(body[key], bool):
                flags[field] = body[key]
            else:
                problems.append((f"/{key}", "must be a boolean"))
    if problems:
        raise InvalidBody(problems)
    return flags


class OrganizationUserListView(WatcherClientView):
    """GET /organizations/{organization_id}/users: its members, for those who manage them."""

    @extend_schema(
        operation_id="organization_users_list",
        parameters=collection_parameters(MEMBERS),
        responses=responses(collection(MEMBERS, MEMBER_SCHEMA), 400, 403, 404),
    )
    def get(self, request, organization_id: int):
        organization = access_organization(self.user, organization_id)
        _require_user_manager(self.user, organization)
        page = MEMBERS.page(
            request, _members(organization), lambda rows, _: serialize_members(organization, rows)
        )
        return Response(page)


class OrganizationUserView(WatcherClientView):
    """GET and PUT /organizations/{organization_id}/users/{user_id}: one member, or adding one."""

    @extend_schema(operation_id="organization_user_get", responses=responses(MEMBER_SCHEMA, 403, 404))
    def get(self, request, organization_id: int, user_id: int):
        """A member's own entry is open to them; other members' need `can_edit_users`."""
        organization = access_organization(self.user, organization_id)
        membership = _members(organization).filter(user_id=user_id).first()
        if membership is None:
            raise ObjectNotFound("user not found in this organization")
        if membership.user_id != self.user.pk:
            _require_user_manager(self.user, organization)
        return Response(serialize_members(organization, [membership])[0])

    @extend_schema(
        operation_id="organization_user_save",
        request={"application/json": MEMBER_BODY_SCHEMA},
        responses=responses(MEMBER_SCHEMA, 400, 403, 404),
    )
    def put(self, request, organization_id: int, user_id: int):
        """Sets the flags sent and keeps the others; adds the user first when not a member yet."""
        organization = access_organization(self.user, organization_id)
        _require_user_manager(self.user, organization)
        flags = parse_member_body(request.data)
        membership = _members(organization).filter(user_id=user_id).first()
        user = membership.user if membership else member_candidate_get(actor=self.user, user_id=user_id)
        member_save(organization=organization, user=user, actor=self.user, **flags)
        membership = _members(organization).get(user=user)
        return Response(serialize_members(organization, [membership])[0])


urlpatterns = [
    path(
        "organizations/<int:organization_id>/users",
        OrganizationUserListView.as_view(),
        name="organization_users_list",
    ),
    path(
        "organizations/<int:organization_id>/users/<int:user_id>",
        OrganizationUserView.as_view(),
        name="organization_user_get",
    ),
]
