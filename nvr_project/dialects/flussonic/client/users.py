"""Users (catalog §5.13, §6.12, §10 `user_delete`): the accounts a caller manages, and their reach.

Who is visible and who may change what is decided in `accounts.services.users_admin`; this module
translates Watcher's User (`name`, `disabled`, `access_level`) to our account and back.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import BooleanField, Case, CharField, ExpressionWrapper, Q, Value, When
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from accounts.choices import Role
from accounts.models import User
from accounts.services.users_admin import (
    can_manage_users,
    folder_grants_effective,
    organization_ids_editable,
    user_create_in_organization,
    user_delete,
    user_get_for_actor,
    user_list_for_actor,
    user_update,
)
from organizations.access import access_organization
from organizations.models import Membership, Organization
from organizations.selectors import folder_list, organization_list_for_user

from ..collections import Collection, Field, Selection
from ..errors import BadParameter, InvalidBody
from ..openapi import (
    BOOL,
    FREE,
    INT,
    NUMBER,
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
from .folders import FOLDERS, FolderSerializer, folder_context
from .organizations import ORGANIZATIONS, organization_queryset, permissions, serialize_organizations
from .profile import TEXT_FIELDS  # a user's text fields are the profile's

POINTERS = {model: f"/{api}" for api, model in TEXT_FIELDS.items()} | {
    "max_sessions": "/max_sessions",
    "readonly": "/readonly",
    "is_active": "/disabled",
    "role": "/access_level",
    "password": "/password",
}
ACCESS_LEVELS = {"generic": False, "admin": True}


def _disabled(request=None):
    return ExpressionWrapper(Q(is_active=False), output_field=BooleanField())


def _access_level(request=None):
    return Case(
        When(role=Role.ADMIN, then=Value("admin")), default=Value("generic"), output_field=CharField()
    )


USERS = Collection(
    fields={
        "id": Field("id", "int"),
        "name": Field("login"),
        "fullname": Field("fullname"),
        "email": Field("email"),
        "phone": Field("phone"),
        "locale": Field("locale"),
        "note": Field("note"),
        "max_sessions": Field("max_sessions", "int"),
        "disabled": Field(_disabled, "bool"),
        "readonly": Field("readonly", "bool"),
        "access_level": Field(_access_level),
    },
    items_key="users_list",  # sic (§11.5): not `users` as in the organization and folder lists
    default_sort=("id",),
    required=("id",),
    search=lambda users, q: users.filter(
        Q(login__icontains=q) | Q(fullname__icontains=q) | Q(email__icontains=q)
    ),
    extra_params=frozenset({"organization_id"}),
)


MAX_ID = 2**63 - 1  # beyond a 64-bit key nothing can match; reject before the database sees it
MAX_SESSIONS = 2**31 - 1
ACCESS_LEVEL = {"type": "string", "enum": list(ACCESS_LEVELS)}
PERMISSIONS = obj(
    is_member=BOOL,
    can_view_stats=BOOL,
    can_edit_streams=BOOL,
    can_edit_users=BOOL,
    can_view_persons_lists=BOOL,
    can_edit_persons_lists=BOOL,
)
USER_SCHEMA = component(
    "User",
    obj(
        "id",
        id=INT,
        **{api: TEXT for api in TEXT_FIELDS},
        max_sessions=INT,
        disabled=BOOL,
        readonly=BOOL,
        access_level=ACCESS_LEVEL,
        organizations=array(obj(id=INT, title=TEXT, owner=obj(id=INT, name=TEXT), permissions=PERMISSIONS)),
    ),
)
USER_BODY_FIELDS = {
    **{api: TEXT for api in TEXT_FIELDS},
    "password": nullable(TEXT),
    "max_sessions": {"type": "integer", "minimum": 0, "maximum": MAX_SESSIONS},
    "disabled": BOOL,
    "readonly": BOOL,
    "access_level": ACCESS_LEVEL,
}
USER_SAVE_BODY = component("UserSaveBody", obj(**USER_BODY_FIELDS))
USER_CREATE_BODY = component(
    "UserCreateBody",
    obj(
        "name",
        **USER_BODY_FIELDS,
        organization_id=nullable({"type": "integer", "minimum": 1}),
        # Watcher clients send the User shape's list; one entry, used when organization_id is absent.
        organizations={
            "type": "array",
            "maxItems": 1,
            "items": obj("id", id={"type": "integer", "minimum": 1}),
        },
    ),
)
# The Organization of §6.10 as `user_organizations_list` returns it (the user's `user_permissions`).
USER_ORGANIZATION = obj(
    "id",
    "title",
    id=INT,
    title=TEXT,
    is_default=BOOL,
    stats=obj(streams=INT, users=INT, mosaics=INT),
    limits=obj(streams=INT, users=INT),
    owner=obj(id=INT, name=TEXT),
    user_permissions=PERMISSIONS,
)
POINT = obj(latitude=NUMBER, longitude=NUMBER)
USER_FOLDER = component(
    "UserFolder",
    obj(
        "id",
        id=INT,
        title=TEXT,
        organization_id=INT,
        parent_id=INT,
        streams_count=INT,
        coordinates=POINT,
        floor_plan=FREE,
        hierarchy=obj(level=INT, order_num=INT),
        permissions=obj(
            can_view=BOOL, can_view_dvr=BOOL, dvr_depth_limit=INT, can_use_ptz=BOOL, can_use_actions=BOOL
        ),
    ),
)


def serialize_users(actor, users: list[User]) -> list[dict]:
    """Users → §6.12. `organizations[]` lists only the organizations `actor` can see (no tenant leaks)."""
    memberships = Membership.objects.filter(user__in=users).select_related("organization__owner")
    if not actor.is_domain_admin:
        memberships = memberships.filter(organization__in=organization_list_for_user(user=actor))
    by_user: dict[int, list[dict]] = {}
    for membership in memberships.order_by("organization_id"):
        organization = membership.organization
        item = {"id": organization.id, "title": organization.title}
        if organization.owner is not None:
            item["owner"] = {"id": organization.owner_id, "name": organization.owner.login}
        item["permissions"] = permissions(membership, organization)
        by_user.setdefault(membership.user_id, []).append(item)
    return [
        {
            "id": user.id,
            "name": user.login,
            "fullname": user.fullname,
            "email": user.email,
            "phone": user.phone,
            "locale": user.locale,
            "note": user.note,
            "max_sessions": user.max_sessions,
            "disabled": not user.is_active,
            "readonly": user.readonly,
            "organizations": by_user.get(user.id, []),
            "access_level": "admin" if user.role == Role.ADMIN else "generic",
        }
        for user in users
    ]


def parse_user_body(body, *, creating: bool) -> tuple[dict, dict]:
    """(model fields, extras: `password`, `domain_admin`, `organization_id`); 400 per bad field.

    A patch (§4): absent keys stay as they are, unknown and read-only keys (`id`, and
    `organizations` on a save) are ignored. `password` null or "" leaves the password unchanged.
    """
    if not isinstance(body, dict):
        raise InvalidBody([("", "the body must be a JSON object")])
    problems, fields, extras = [], {}, {}
    for api, model in TEXT_FIELDS.items():
        if api in body:
            if isinstance(body[api], str):
                fields[model] = body[api]
            else:
                problems.append((f"/{api}", "must be a string"))
    for api, model in (("readonly", "readonly"), ("disabled", "is_active")):
        if api in body:
            if isinstance(body[api], bool):
                fields[model] = body[api] if api == "readonly" else not body[api]
            else:
                problems.append((f"/{api}", "must be a boolean"))
    if "max_sessions" in body:
        value = body["max_sessions"]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SESSIONS:
            problems.append(("/max_sessions", f"must be an integer from 0 to {MAX_SESSIONS}"))
        else:
            fields["max_sessions"] = value
    if body.get("password") is not None:
        if isinstance(body["password"], str):
            extras["password"] = body["password"]
        else:
            problems.append(("/password", "must be a string"))
    if "access_level" in body:
        if isinstance(body["access_level"], str) and body["access_level"] in ACCESS_LEVELS:
            extras["domain_admin"] = ACCESS_LEVELS[body["access_level"]]
        else:
            problems.append(("/access_level", "must be generic or admin"))
    if creating:
        if body.get("name") in (None, ""):
            problems.append(("/name", "is required"))
        pointer, value = creation_organization_id(body)
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
                problems.append((pointer, "must be a positive integer"))
            else:
                extras["organization_id"], extras["organization_pointer"] = value, pointer
    elif fields.get("login") == "":
        problems.append(("/name", "may not be empty"))
    if problems:
        raise InvalidBody(problems)
    return fields, extras


def creation_organization_id(body: dict) -> tuple[str, object]:
    """(pointer, raw id) of the organization a new user joins, or (…, None) for the default one.

    `organization_id` is the catalog's field; Watcher's own clients send the User shape instead,
    `organizations: [{"id": N}]`, so that is read too when `organization_id` is absent.
    """
    if body.get("organization_id") is not None or body.get("organizations") in (None, []):
        return "/organization_id", body.get("organization_id")
    organizations = body["organizations"]
    if not isinstance(organizations, list):
        raise InvalidBody([("/organizations", "must be a list of {id} objects")])
    if len(organizations) > 1:  # memberships of further organizations: organization_user_save
        raise InvalidBody([("/organizations", "a new user joins one organization")])
    if not isinstance(organizations[0], dict) or "id" not in organizations[0]:
        raise InvalidBody([("/organizations/0/id", "is required")])
    return "/organizations/0/id", organizations[0]["id"]


def invalid_body(exc: DjangoValidationError) -> InvalidBody:
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
    return InvalidBody([(POINTERS.get(k, ""), m) for k, msgs in detail.items() for m in msgs])


def creation_organization(
    actor, organization_id: int | None, pointer: str = "/organization_id"
) -> Organization:
    """The organization a new user joins: the one named, else the default one (§5.13.2)."""
    if organization_id is None:
        organization = Organization.objects.filter(is_default=True).first()
        if organization is None:
            raise InvalidBody([("/organization_id", "is required: there is no default organization")])
        return organization
    organization = organization_list_for_user(user=actor).filter(pk=organization_id).first()
    if organization is None:  # missing and foreign alike, as for streams (§5.2.3)
        raise InvalidBody([(pointer, "unknown organization")])
    return organization


def _int_parameter(request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or abs(value) > MAX_ID:
        raise BadParameter(name, f"{name} must be an integer")
    return value


class UserListView(WatcherClientView):
    """GET /users (the users the caller may see) and POST /users (create one in an organization)."""

    @extend_schema(
        operation_id="users_list",
        parameters=[
            *collection_parameters(USERS),
            OpenApiParameter("organization_id", int, description="only members of this organization"),
        ],
        responses=responses(collection(USERS, USER_SCHEMA), 400, 404),
    )
    def get(self, request):
        users = user_list_for_actor(actor=self.user)
        organization_id = _int_parameter(request, "organization_id")
        if organization_id is not None:
            organization = access_organization(self.user, organization_id)  # another tenant's: 404
            users = users.filter(pk__in=organization.memberships.values("user_id"))
        page = USERS.page(request, users, lambda rows, selection: serialize_users(self.user, rows))
        return Response(page)

    @extend_schema(
        operation_id="user_create",
        request={"application/json": USER_CREATE_BODY},
        responses=responses(USER_SCHEMA, 400, 403),
    )
    def post(self, request):
        fields, extras = parse_user_body(request.data, creating=True)
        organization = creation_organization(
            self.user, extras.get("organization_id"), extras.get("organization_pointer", "/organization_id")
        )
        try:
            user = user_create_in_organization(
                actor=self.user,
                organization=organization,
                password=extras.get("password"),
                domain_admin=extras.get("domain_admin", False),
                **fields,
            )
        except DjangoValidationError as exc:
            raise invalid_body(exc) from None
        return Response(serialize_users(self.user, [user])[0])


class UserDetailView(WatcherClientView):
    """GET, PUT (partial) and DELETE /users/{user_id}: one visible user, else 404."""

    @extend_schema(operation_id="user_get", responses=responses(USER_SCHEMA, 404))
    def get(self, request, user_id: int):
        user = user_get_for_actor(actor=self.user, user_id=user_id)
        return Response(serialize_users(self.user, [user])[0])

    @extend_schema(
        operation_id="user_save",
        request={"application/json": USER_SAVE_BODY},
        responses=responses(USER_SCHEMA, 400, 403, 404),
    )
    def put(self, request, user_id: int):
        user = user_get_for_actor(actor=self.user, user_id=user_id)
        fields, extras = parse_user_body(request.data, creating=False)
        try:
            user = user_update(
                actor=self.user,
                user=user,
                password=extras.get("password"),
                domain_admin=extras.get("domain_admin"),
                keep_session=self.session,
                **fields,
            )
        except DjangoValidationError as exc:
            raise invalid_body(exc) from None
        return Response(serialize_users(self.user, [user])[0])

    @extend_schema(operation_id="user_delete", responses=responses(None, 403, 404, status=204))
    def delete(self, request, user_id: int):
        user = user_get_for_actor(actor=self.user, user_id=user_id)
        user_delete(actor=self.user, user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserOrganizationListView(WatcherClientView):
    """GET /users/{user_id}/organization: the user's organizations the caller can see, with the
    user's own `user_permissions` (§5.13.6). `can_edit=true` keeps what the caller may edit;
    `can_edit=false` is no filter, because Watcher clients send the parameter on every call."""

    @extend_schema(
        operation_id="user_organizations_list",
        parameters=[
            *collection_parameters(ORGANIZATIONS),
            OpenApiParameter(
                "can_edit", bool, description="true: only organizations the caller may edit; false: all"
            ),
        ],
        responses=responses(collection(ORGANIZATIONS, USER_ORGANIZATION), 400, 404),
    )
    def get(self, request, user_id: int):
        user = user_get_for_actor(actor=self.user, user_id=user_id)
        organizations = organization_queryset(user).filter(
            id__in=organization_list_for_user(user=self.user).values("id")
        )
        raw = request.query_params.get("can_edit")
        if raw not in (None, "") and Field("", "bool").parse(raw, "can_edit"):
            organizations = organizations.filter(id__in=organization_ids_editable(actor=self.user))
        page = ORGANIZATIONS.page(
            request, organizations, lambda rows, selection: serialize_organizations(user, rows, selection)
        )
        return Response(page)


NO_ACCESS = {
    "can_view": False,
    "can_view_dvr": False,
    "dvr_depth_limit": 0,
    "can_use_ptz": False,
    "can_use_actions": False,
}


def folder_permissions(grant) -> dict:
    """A grant as §6.14 folder permissions (mapping in `organizations.models.grants.ActionGrant`)."""
    if grant is None:
        return dict(NO_ACCESS)
    return {
        "can_view": grant.can_live,
        "can_view_dvr": grant.can_archive,
        "dvr_depth_limit": grant.archive_depth_limit,
        "can_use_ptz": grant.can_ptz,
        "can_use_actions": grant.can_manage,
    }


class UserOrganizationFolderListView(WatcherClientView):
    """GET /users/{user_id}/organization/{organization_id}/folders: the folders the user reaches
    there, each with their permissions (§5.13.5). Needs the right to manage users there, or self."""

    @extend_schema(
        operation_id="user_organization_folders_list",
        parameters=collection_parameters(FOLDERS),
        responses=responses(collection(FOLDERS, USER_FOLDER), 400, 403, 404),
    )
    def get(self, request, user_id: int, organization_id: int):
        user = user_get_for_actor(actor=self.user, user_id=user_id)
        organization = access_organization(self.user, organization_id)
        if user.pk != self.user.pk and not can_manage_users(actor=self.user, organization=organization):
            raise PermissionDenied("you may not manage users in this organization")
        folders = folder_list(user=user, organization=organization)
        context = folder_context(user, organization)

        def serialize(rows, selection: Selection) -> list[dict]:
            grants = folder_grants_effective(
                user=user, organization=organization, folder_ids=[f.id for f in rows]
            )
            items = FolderSerializer(rows, many=True, context=context).data
            for item in items:
                item["permissions"] = folder_permissions(grants.get(item["id"]))
            return items

        return Response(FOLDERS.page(request, folders, serialize))


urlpatterns = [
    path("users", UserListView.as_view(), name="users_list"),  # also user_create
    path("users/<int:user_id>", UserDetailView.as_view(), name="user_get"),  # also user_save, user_delete
    path(
        "users/<int:user_id>/organization", UserOrganizationListView.as_view(), name="user_organizations_list"
    ),
    path(
        "users/<int:user_id>/organization/<int:organization_id>/folders",
        UserOrganizationFolderListView.as_view(),
        name="user_organization_folders_list",
    ),
]
