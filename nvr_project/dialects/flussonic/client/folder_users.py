"""Folder permissions of users (catalog §5.14.5-5.14.7, §6.14): `folder_users_list`, `folder_user_get/save`.

A member's permissions on a folder are what applies to its cameras: the nearest folder grant (here
or above), or everything for organization administrators. Watcher's five permissions map onto our
grant flags: can_view -> view+live, can_view_dvr -> archive+export, can_use_ptz -> ptz,
can_use_actions -> manage, dvr_depth_limit -> archive_depth_limit.
"""

from django.core.exceptions import PermissionDenied
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from accounts.models import User
from cameras.access import is_organization_admin
from organizations.access import access_folder, access_organization
from organizations.exceptions import ObjectNotFound
from organizations.folder_rights import folder_member_rights, folder_member_rights_get
from organizations.models import Folder, Membership, Organization
from organizations.selectors import membership_get
from organizations.services.folder_edit import folder_member_grant_set

from ..collections import Collection, Field
from ..errors import InvalidBody
from ..openapi import BOOL, INT, collection, collection_parameters, component, obj, responses
from .base import WatcherClientView

# API permission -> the grant field it is read from (annotated `rights_<field>` on memberships).
READ_FROM = {
    "can_view": "can_live",
    "can_view_dvr": "can_archive",
    "can_use_ptz": "can_ptz",
    "can_use_actions": "can_manage",
}
# API permission -> the grant fields it sets.
WRITES = {
    "can_view": ("can_view", "can_live"),
    "can_view_dvr": ("can_archive", "can_export"),
    "can_use_ptz": ("can_ptz",),
    "can_use_actions": ("can_manage",),
}

FOLDER_USER_FIELDS = {
    "user_id": Field("user_id", "int"),
    **{key: Field(f"rights_{field}", "bool") for key, field in READ_FROM.items()},
    "dvr_depth_limit": Field("rights_archive_depth_limit", "int"),
}

FOLDER_USERS = Collection(
    fields=FOLDER_USER_FIELDS, items_key="users", default_sort=("user_id",), required=("user_id",)
)

_PERMISSIONS = {**dict.fromkeys(READ_FROM, BOOL), "dvr_depth_limit": INT}
PERMISSIONS_SCHEMA = component("FolderPermissions", obj(**_PERMISSIONS))
ENTRY_SCHEMA = component("FolderUserEntry", obj("user_id", user_id=INT, **_PERMISSIONS))


def permissions(membership: Membership) -> dict:
    """FolderPermissions (§6.14) of a membership annotated by `folder_member_rights`."""
    found = {key: bool(getattr(membership, f"rights_{field}")) for key, field in READ_FROM.items()}
    found["dvr_depth_limit"] = int(membership.rights_archive_depth_limit or 0)
    return found


def parse_permissions_body(body) -> dict:
    """Grant fields for a FolderPermissions patch; keys left out keep their value (§4)."""
    if not isinstance(body, dict):
        raise InvalidBody([("", "the body must be a JSON object")])
    problems, flags = [], {}
    for key, fields in WRITES.items():
        if key not in body:
            continue
        if isinstance(body[key], bool):
            flags.update(dict.fromkeys(fields, body[key]))
        else:
            problems.append((f"/{key}", "must be true or false"))
    if "dvr_depth_limit" in body:
        value = body["dvr_depth_limit"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 2**31:
            problems.append(("/dvr_depth_limit", "must be a number of seconds, 0 or more (0: unlimited)"))
        else:
            flags["archive_depth_limit"] = int(value)
    if problems:
        raise InvalidBody(problems)
    return flags


def _may_manage_permissions(user, organization: Organization) -> bool:
    # §5.14.7: `can_edit_users`; organization administrators and the owner hold every right (§8).
    if is_organization_admin(user, organization):
        return True
    membership = membership_get(user=user, organization=organization)
    return membership is not None and membership.can_edit_users


def _folder(user, organization_id: int, folder_id: int, *, own_user_id: int | None = None) -> Folder:
    """The folder, for callers who may manage permissions: any folder of the organization.

    Other members reach only folders they see, and there only their own entry; the rest is a 403.
    """
    organization = access_organization(user, organization_id)
    if _may_manage_permissions(user, organization):
        folder = Folder.objects.filter(organization=organization, pk=folder_id).first()
        if folder is None:
            raise ObjectNotFound("folder not found")
        return folder
    folder = access_folder(user, organization, folder_id)
    if own_user_id is None or own_user_id != user.pk:
        raise PermissionDenied("you may not see or change the folder permissions of other users")
    return folder


class FolderUserListView(WatcherClientView):
    """GET /organizations/{organization_id}/folders/{folder_id}/users: members with rights on the folder."""

    @extend_schema(
        operation_id="folder_users_list",
        parameters=collection_parameters(FOLDER_USERS),
        responses=responses(collection(FOLDER_USERS, ENTRY_SCHEMA), 400, 403, 404),
    )
    def get(self, request, organization_id: int, folder_id: int):
        folder = _folder(self.user, organization_id, folder_id)
        page = FOLDER_USERS.page(
            request,
            folder_member_rights(folder=folder),
            lambda members, selection: [{"user_id": m.user_id, **permissions(m)} for m in members],
        )
        return Response(page)


class FolderUserView(WatcherClientView):
    """GET and PUT /organizations/{organization_id}/folders/{folder_id}/users/{user_id}."""

    @extend_schema(operation_id="folder_user_get", responses=responses(PERMISSIONS_SCHEMA, 403, 404))
    def get(self, request, organization_id: int, folder_id: int, user_id: int):
        folder = _folder(self.user, organization_id, folder_id, own_user_id=user_id)
        return Response(permissions(folder_member_rights_get(folder=folder, user_id=user_id)))

    @extend_schema(
        operation_id="folder_user_save",
        request={"application/json": PERMISSIONS_SCHEMA},
        responses=responses(PERMISSIONS_SCHEMA, 400, 403, 404),
    )
    def put(self, request, organization_id: int, folder_id: int, user_id: int):
        folder = _folder(self.user, organization_id, folder_id)
        flags = parse_permissions_body(request.data)
        member = User.objects.filter(pk=user_id, memberships__organization=folder.organization).first()
        if member is None:
            raise ObjectNotFound("user not found")
        folder_member_grant_set(folder=folder, user=member, actor=self.user, **flags)
        return Response(permissions(folder_member_rights_get(folder=folder, user_id=user_id)))


urlpatterns = [
    path(
        "organizations/<int:organization_id>/folders/<int:folder_id>/users",
        FolderUserListView.as_view(),
        name="folder_users_list",
    ),
    path(
        "organizations/<int:organization_id>/folders/<int:folder_id>/users/<int:user_id>",
        FolderUserView.as_view(),
        name="folder_user_get",  # also folder_user_save
    ),
]
