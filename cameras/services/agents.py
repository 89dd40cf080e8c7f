"""Agent provisioning: one-time activation tokens and the camera an Agent creates with one.

The mobile app asks for a token (Watcher `agent_activation_token_create`) and shows it to a Wi-Fi
camera running Flussonic Agent in a QR code. When the Agent connects with it, `agent_activate`
records the Agent and creates the camera the token describes, with the input `agent://<agent_id>`.
Only a hash of the token is stored; the raw token is shown once, at creation.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.services import token_hash
from cameras.exceptions import CameraLimitReached, CameraNameTaken
from cameras.models import Agent, AgentActivationToken, Camera, Preset
from cameras.services.cameras import camera_create
from organizations.choices import AuditKind
from organizations.models import Folder, Organization
from organizations.services import audit_event_record

DAY_SECONDS = 86400
GIGABYTE = 1024**3  # the agent token's `dvr_space` is in gigabytes; cameras keep bytes
NAME_ATTEMPTS = 5


class ActivationRefused(Exception):
    """The token is unknown, expired or spent, or the Agent belongs to another organization."""


def activation_ttl() -> timedelta:
    return timedelta(seconds=settings.NVR_AGENT_TOKEN_TTL)


def preset_usable(organization: Organization, preset_id: int | None) -> Preset | None:
    """The preset `preset_id` if the organization may use it; None names the default preset."""
    usable = Preset.objects.filter(deleted_at__isnull=True)
    if preset_id is None:
        return usable.filter(is_default=True).order_by("id").first()
    return (
        (usable.filter(is_default=True) | usable.filter(organizations=organization))
        .filter(pk=preset_id)
        .first()
    )


@transaction.atomic
def agent_activation_token_create(
    *, organization: Organization, actor, parameters: dict
) -> tuple[AgentActivationToken, str]:
    """A token for a camera in `organization`; `parameters` are the checked request fields (§5.1.1).

    Returns the row and the raw token, which is not kept. A full organization gets no token
    (CameraLimitReached): the camera could never be created.
    """
    if organization.max_cameras is not None and organization.cameras.count() >= organization.max_cameras:
        raise CameraLimitReached(f"{organization} may have at most {organization.max_cameras} cameras")
    raw = secrets.token_urlsafe(24)
    token = AgentActivationToken.objects.create(
        token_hash=token_hash(raw),
        organization=organization,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        parameters=parameters,
        expires_at=timezone.now() + activation_ttl(),
    )
    audit_event_record(
        kind=AuditKind.CONFIG_CHANGE,
        actor=actor,
        organization=organization,
        object_type="agent_activation_token",
        object_id=token.pk,
        message=f"issued an agent activation token for {parameters.get('title') or 'a camera'}",
    )
    return token, raw


def agent_activation_token_find(raw: str) -> AgentActivationToken | None:
    """The token if it can still be used or has provisioned a camera that still exists; else None."""
    token = (
        AgentActivationToken.objects.filter(token_hash=token_hash(raw or ""))
        .select_related("organization", "camera")
        .first()
    )
    if token is None:
        return None
    if token.used_at is None:
        return token if token.expires_at > timezone.now() else None
    return token if token.camera is not None else None


def _camera_fields(token: AgentActivationToken, agent_id: str) -> dict:
    """Camera fields from the token's parameters; references gone since creation are dropped."""
    p = token.parameters or {}
    organization = token.organization
    fields = {"title": p.get("title") or f"Agent {agent_id}", "agent_id": agent_id}
    for key in ("comment", "postal_address"):
        if p.get(key):
            fields[key] = p[key]
    for key in ("enabled", "static"):
        if p.get(key) is not None:
            fields[key] = p[key]
    if p.get("folder_id") is not None:
        fields["folder"] = Folder.objects.filter(pk=p["folder_id"], organization=organization).first()
    fields["preset"] = preset_usable(organization, p.get("preset_id"))
    if p.get("dvr_depth") is not None:
        fields["dvr_depth"] = p["dvr_depth"] * DAY_SECONDS
    if p.get("dvr_space") is not None:
        fields["dvr_space_limit"] = p["dvr_space"] * GIGABYTE
    coordinates = p.get("coordinates") or {}
    fields["latitude"], fields["longitude"] = coordinates.get("latitude"), coordinates.get("longitude")
    return fields


def _new_name() -> str:
    for _ in range(NAME_ATTEMPTS):
        name = f"cam-{secrets.token_hex(5)}"  # the style of Watcher's generated names
        if not Camera.objects.filter(name=name).exists():
            return name
    raise CameraNameTaken("could not find a free camera name")


@transaction.atomic
def agent_activate(
    *, token: str, agent_id: str, key: str = "", serial: str = "", model: str = "", stats: dict | None = None
) -> Camera:
    """An Agent connected with `token`: record the Agent and create its camera in the token's organization.

    Repeating the call with the same token and Agent (a retry after a lost answer) returns the same
    camera. Raises ActivationRefused for a bad token or an Agent of another organization, and the
    camera services' errors (CameraLimitReached, ValidationError) unchanged; the token stays unused then.
    """
    agent_id = (agent_id or "").strip()
    if not agent_id:
        raise ActivationRefused("an agent id is required")
    found = (
        # Lock only the token row: PostgreSQL refuses FOR UPDATE on the nullable side of the joins.
        AgentActivationToken.objects.select_for_update(of=("self",))
        .filter(token_hash=token_hash(token or ""))
        .select_related("organization", "created_by", "camera")
        .first()
    )
    if found is None:
        raise ActivationRefused("unknown activation token")
    if found.used_at is not None:
        if found.camera is not None and found.camera.agent_id == agent_id:
            return found.camera
        raise ActivationRefused("the activation token has been used")
    if found.expires_at <= timezone.now():
        raise ActivationRefused("the activation token has expired")
    agent, _ = Agent.objects.select_for_update().get_or_create(agent_id=agent_id)
    if agent.organization_id not in (None, found.organization_id):
        raise ActivationRefused("the agent belongs to another organization")
    agent.organization = found.organization
    agent.key = key or agent.key
    agent.serial = serial or agent.serial
    agent.model = model or agent.model
    agent.stats = stats if stats is not None else agent.stats
    agent.last_seen_at = timezone.now()
    agent.save()
    camera = camera_create(
        organization=found.organization,
        actor=found.created_by,
        name=_new_name(),
        input_urls=[f"agent://{agent_id}"],
        **_camera_fields(found, agent_id),
    )
    found.used_at = timezone.now()
    found.camera = camera
    found.save(update_fields=["used_at", "camera"])
    return camera
