"""Saving a camera from a partial change: the one write path every dialect's stream or camera save uses.

A dialect parses its body into a `CameraChange` (fields in our terms, references by id) and calls
`camera_save`; who may, which organization a new camera joins, whether a preset lets DVR fields
change, and how `vision` merges are decided here, so the dialects agree.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from cameras.access import can_add_cameras
from cameras.models import Camera, Preset
from cameras.presets import preset_list_usable
from cameras.services.cameras import (
    camera_create,
    camera_favourite_set,
    camera_inputs_set,
    camera_set_enabled,
    camera_transfer,
    camera_update,
)
from organizations.models import Folder, Organization
from organizations.selectors import organization_list_for_user

# The fields a preset that is not adjustable (Watcher `is_adjustable: false`) decides alone.
ADJUSTABLE_ONLY = ("dvr_depth", "dvr_space_limit", "episodes_expiration", "redundancy_factor", "vision")


@dataclass
class CameraChange:
    """What a save asks for, in our terms; None means "not given"."""

    fields: dict = field(default_factory=dict)  # Camera model fields
    inputs: list[dict] | None = None  # camera_inputs_set rows, in order
    enabled: bool | None = None
    favourite: bool | None = None  # the caller's own mark
    organization_id: int | None = None  # a new camera's organization, or where to move one
    folder_id: int | None | bool = False  # False: not given; None: no folder
    preset_id: int | None | bool = False
    reset: bool = False  # `vision` replaces rather than merges

    @property
    def favourite_only(self) -> bool:
        """Only the favourite mark changes: a per-user mark any viewer may set."""
        untouched = self.folder_id is False and self.preset_id is False and self.organization_id is None
        return (
            self.favourite is not None
            and untouched
            and not (self.fields or self.reset or self.inputs is not None or self.enabled is not None)
        )


def deep_merge(base: dict, patch: dict) -> dict:
    """`patch` over `base`, objects merged key by key (Watcher §5.2.3 patch semantics)."""
    merged = dict(base)
    for key, value in patch.items():
        merged[key] = (
            deep_merge(merged[key], value)
            if isinstance(value, dict) and isinstance(merged.get(key), dict)
            else value
        )
    return merged


def may_edit_camera(user, camera: Camera) -> None:
    """PermissionDenied unless `user` may change cameras in the camera's organization."""
    if not can_add_cameras(user, camera.organization):
        raise PermissionDenied("you may not edit streams in this organization")


def _reachable_organization(user, organization_id: int) -> Organization:
    organization = organization_list_for_user(user=user).filter(pk=organization_id).first()
    if organization is None:  # missing and foreign alike
        raise ValidationError({"organization": ["unknown organization"]})
    return organization


def _creation_organization(user, change: CameraChange) -> Organization:
    if change.organization_id is not None:
        organization = _reachable_organization(user, change.organization_id)
    else:
        organizations = list(organization_list_for_user(user=user)[:2])
        if len(organizations) != 1:
            raise ValidationError({"organization": ["is required: you belong to several organizations"]})
        organization = organizations[0]
    if not can_add_cameras(user, organization):
        raise PermissionDenied("you may not create streams in this organization")
    return organization


def _references(change: CameraChange, organization: Organization, current_preset: Preset | None) -> dict:
    """Folder and preset as model fields, checked against the (target) organization."""
    fields = {}
    if change.folder_id is not False:
        folder = None
        if change.folder_id is not None:
            folder = Folder.objects.filter(pk=change.folder_id, organization=organization).first()
            if folder is None:
                raise ValidationError({"folder": ["unknown folder"]})
        fields["folder"] = folder
    if change.preset_id is not False:
        preset = None
        if change.preset_id is not None:
            preset = (
                preset_list_usable(user=None, organization=organization).filter(pk=change.preset_id).first()
            )
            if preset is None:
                raise ValidationError({"preset": ["unknown preset"]})
        fields["preset"] = preset
    preset = fields.get("preset", current_preset)
    if preset is not None and not preset.is_adjustable:
        return {**fields, **{k: v for k, v in change.fields.items() if k not in ADJUSTABLE_ONLY}}
    return {**fields, **change.fields}


def camera_save(*, actor, camera: Camera | None, name: str, change: CameraChange) -> Camera:
    """Create the camera `name` (when `camera` is None) or change it, in one transaction.

    PermissionDenied when `actor` may not; ValidationError keyed by model field (`organization`,
    `folder`, `preset` for the references) for bad values; the camera services' own errors
    (CameraLimitReached, CameraNameTaken) pass through. Moving to another organization follows
    `camera_transfer`'s rule. The favourite mark alone needs only sight of the camera.
    """
    with transaction.atomic():
        if camera is None:
            organization = _creation_organization(actor, change)
            camera = camera_create(organization=organization, actor=actor, name=name)
        elif change.favourite_only:
            camera_favourite_set(camera=camera, user=actor, favourite=change.favourite)
            return camera
        else:
            may_edit_camera(actor, camera)
            if change.organization_id is not None and change.organization_id != camera.organization_id:
                target = _reachable_organization(actor, change.organization_id)
                camera = camera_transfer(camera=camera, organization=target, actor=actor)
        fields = _references(change, camera.organization, camera.preset)
        if "vision" in fields and not change.reset:
            fields["vision"] = deep_merge(camera.vision or {}, fields["vision"])
        camera_update(camera=camera, actor=actor, **fields)
        if change.inputs is not None:
            camera_inputs_set(camera=camera, inputs=change.inputs)
        if change.enabled is not None and change.enabled != camera.enabled:
            camera_set_enabled(camera=camera, enabled=change.enabled, actor=actor)
        if change.favourite is not None:
            camera_favourite_set(camera=camera, user=actor, favourite=change.favourite)
    return camera


def camera_config_override_save(*, actor, camera: Camera, layer: dict, reset: bool) -> Camera:
    """Merge `layer` into the camera's runtime overrides (or replace them with `reset`)."""
    may_edit_camera(actor, camera)
    override = layer if reset else deep_merge(camera.config_override or {}, layer)
    return camera_update(camera=camera, actor=actor, config_override=override)
