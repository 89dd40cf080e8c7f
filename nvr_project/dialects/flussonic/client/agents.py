"""Agent activation tokens (catalog §5.1): QR provisioning of Wi-Fi cameras running Flussonic Agent.

The token is created here and polled here; the Agent side (an Agent connecting with the token,
which creates the camera) is `cameras.services.agents.agent_activate`, run by the `agent_activate`
management command, since neither Watcher API defines that endpoint.
"""

from django.core.exceptions import PermissionDenied
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from cameras.access import can_add_cameras
from cameras.services.agents import agent_activation_token_create, agent_activation_token_find, preset_usable
from organizations.exceptions import ObjectNotFound
from organizations.models import Folder, Organization
from organizations.selectors import organization_list_for_user

from ..errors import InvalidBody
from ..openapi import BOOL, INT, NUMBER, TEXT, component, nullable, obj, responses
from .base import WatcherClientView

TITLE_MAX = 200
TEXTS = ("comment", "postal_address")
FLAGS = ("enabled", "static")
# Days and gigabytes (§5.1.1), bounded by what the camera's seconds and bytes columns hold.
SIZES = {"dvr_depth": (2**31 - 1) // 86400, "dvr_space": (2**63 - 1) // 1024**3}
REFERENCES = {key: 2**63 - 1 for key in ("organization_id", "preset_id", "folder_id")}
BOUNDS = {"latitude": 90, "longitude": 180}

TOKEN_SCHEMA = component("AgentActivationToken", obj("token", token=TEXT, stream_name=TEXT))
TOKEN_REQUEST_SCHEMA = component(
    "AgentActivationTokenRequest",
    obj(
        "title",
        title={**TEXT, "minLength": 1, "maxLength": TITLE_MAX},
        **{key: {**INT, "minimum": 0, "maximum": top} for key, top in {**SIZES, **REFERENCES}.items()},
        enabled=BOOL,
        static=BOOL,
        comment=TEXT,
        postal_address=TEXT,
        coordinates=obj(
            latitude=nullable({**NUMBER, "minimum": -90, "maximum": 90}),
            longitude=nullable({**NUMBER, "minimum": -180, "maximum": 180}),
        ),
    ),
)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _coordinates(value, problems: list) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.append(("/coordinates", "must be an object with latitude and longitude"))
        return None
    checked = {}
    for key, bound in BOUNDS.items():
        number = value.get(key)
        if number is not None and (
            isinstance(number, bool) or not isinstance(number, int | float) or abs(number) > bound
        ):
            problems.append((f"/coordinates/{key}", f"must be a number from -{bound} to {bound}, or null"))
        checked[key] = number
    return checked


def parse_token_body(body) -> dict:
    """The request fields of §5.1.1, type-checked; a 400 names every wrong one. Unknown keys are ignored."""
    if not isinstance(body, dict):
        raise InvalidBody([("", "the body must be a JSON object")])
    problems, fields = [], {}
    title = body.get("title")
    if not isinstance(title, str) or not title.strip() or len(title) > TITLE_MAX:
        problems.append(("/title", f"is required: a non-empty string of at most {TITLE_MAX} characters"))
    else:
        fields["title"] = title.strip()
    for key in TEXTS:
        if body.get(key) is not None:
            if isinstance(body[key], str):
                fields[key] = body[key]
            else:
                problems.append((f"/{key}", "must be a string"))
    for key in FLAGS:
        if body.get(key) is not None:
            if isinstance(body[key], bool):
                fields[key] = body[key]
            else:
                problems.append((f"/{key}", "must be a boolean"))
    for key, top in {**SIZES, **REFERENCES}.items():
        if body.get(key) is not None:
            if _is_int(body[key]) and 0 <= body[key] <= top:
                fields[key] = body[key]
            else:
                problems.append((f"/{key}", f"must be an integer from 0 to {top}"))
    coordinates = _coordinates(body.get("coordinates"), problems)
    if coordinates is not None:
        fields["coordinates"] = coordinates
    if problems:
        raise InvalidBody(problems)
    return fields


def target_organization(user, organization_id: int | None) -> Organization:
    """The organization named in the body, or the caller's only one; 400 if unknown or ambiguous."""
    organizations = organization_list_for_user(user=user)
    if organization_id is not None:
        organization = organizations.filter(pk=organization_id).first()
        if organization is None:  # missing and foreign alike
            raise InvalidBody([("/organization_id", "unknown organization")])
    else:
        found = list(organizations[:2])
        if len(found) != 1:
            raise InvalidBody([("/organization_id", "is required: you belong to several organizations")])
        organization = found[0]
    if not can_add_cameras(user, organization):
        raise PermissionDenied("you may not add cameras in this organization")
    return organization


def check_references(organization: Organization, fields: dict) -> None:
    problems = []
    folder_id = fields.get("folder_id")
    if folder_id is not None and not Folder.objects.filter(pk=folder_id, organization=organization).exists():
        problems.append(("/folder_id", "unknown folder"))
    if fields.get("preset_id") is not None and preset_usable(organization, fields["preset_id"]) is None:
        problems.append(("/preset_id", "unknown preset"))
    if problems:
        raise InvalidBody(problems)


class AgentActivationTokenCreateView(WatcherClientView):
    """POST /agent_activation_token: a one-time token for a camera to be created when its Agent connects."""

    @extend_schema(
        operation_id="agent_activation_token_create",
        request={"application/json": TOKEN_REQUEST_SCHEMA},
        responses=responses(TOKEN_SCHEMA, 400, 403),
    )
    def post(self, request):
        fields = parse_token_body(request.data)
        organization = target_organization(self.user, fields.pop("organization_id", None))
        check_references(organization, fields)
        _, raw = agent_activation_token_create(organization=organization, actor=self.user, parameters=fields)
        return Response({"token": raw})


class AgentActivationTokenView(WatcherClientView):
    """GET /agent_activation_token/{token}: `stream_name` appears once the Agent has created the camera."""

    @extend_schema(
        operation_id="agent_activation_token_get",
        responses=responses(TOKEN_SCHEMA, 403, 404),
    )
    def get(self, request, token: str):
        found = agent_activation_token_find(token)
        if (
            found is None
            or not organization_list_for_user(user=self.user).filter(pk=found.organization_id).exists()
        ):
            raise ObjectNotFound("the activation token does not exist or has expired")
        if not can_add_cameras(self.user, found.organization):
            raise PermissionDenied("you may not add cameras in this organization")
        body = {"token": token}
        if found.camera is not None:
            body["stream_name"] = found.camera.name
        return Response(body)


urlpatterns = [
    path(
        "agent_activation_token",
        AgentActivationTokenCreateView.as_view(),
        name="agent_activation_token_create",
    ),
    path(
        "agent_activation_token/<str:token>",
        AgentActivationTokenView.as_view(),
        name="agent_activation_token_get",
    ),
]
