"""Tenant-safe camera fetch: missing, foreign and ungranted cameras are the same ObjectNotFound."""

from dataclasses import dataclass

from cameras.models import Camera, CameraGrant
from organizations.choices import Action
from organizations.exceptions import ObjectNotFound
from organizations.models import FolderGrant, Membership
from organizations.selectors import (
    folder_chain,
    folder_parents,
    is_admin_membership,
    is_organization_admin,
    membership_get,
)

__all__ = [
    "access_camera",
    "access_camera_by_id",
    "camera_actions",
    "camera_rights",
    "can_add_cameras",
    "is_organization_admin",
]


def access_camera(user, camera_name: str, *, action: str = Action.VIEW, organization=None) -> Camera:
    """The camera named `camera_name` if `user` may perform `action` on it."""
    camera = Camera.objects.for_user(user, action, organization=organization).filter(name=camera_name).first()
    if camera is None:
        raise ObjectNotFound("camera not found")
    return camera


def access_camera_by_id(user, camera_id, *, action: str = Action.VIEW, organization=None) -> Camera:
    try:
        camera_id = int(camera_id)
    except (TypeError, ValueError):
        raise ObjectNotFound("camera not found") from None
    camera = Camera.objects.for_user(user, action, organization=organization).filter(id=camera_id).first()
    if camera is None:
        raise ObjectNotFound("camera not found")
    return camera


def can_add_cameras(user, organization) -> bool:
    """Organization administrators (owner included) and members allowed to edit cameras may add them."""
    if is_organization_admin(user, organization):
        return True
    if organization is None or not user.is_authenticated or not user.is_active:
        return False
    membership = membership_get(user=user, organization=organization)
    return membership is not None and membership.can_edit_cameras


EVERYTHING = frozenset(Action.values)


@dataclass(frozen=True, slots=True)
class CameraRights:
    actions: frozenset[str]
    source: str  # domain_admin, admin, camera, folder, tags, off, inactive, none
    folder_id: int | None = None  # the folder whose grant applies, for source "folder"


def camera_rights(
    *,
    user,
    membership: Membership | None,
    camera: Camera,
    camera_grant: CameraGrant | None,
    folder_grants: dict[int, FolderGrant],
    chain: list[int],
) -> CameraRights:
    """What `user` may do with `camera`, from rows the caller fetched: the rule of access.

    `Camera.objects.for_user` applies the same rule in SQL to many cameras. Domain administrators
    may do everything; a non-member nothing; the organization's administrators (owner included)
    everything; a member whose
    camera access is off nothing; others what their camera grant allows, or else the nearest
    folder grant along `chain` (the camera's folder ancestry) — the nearest wins whole. Allowed
    tags narrow everyone but domain administrators. `folder_grants` are the user's, by folder.
    """
    if not user.is_active:
        return CameraRights(frozenset(), "inactive")
    if user.is_domain_admin:
        return CameraRights(EVERYTHING, "domain_admin")
    if membership is None:
        return CameraRights(frozenset(), "none")
    nearest = next((f for f in chain if f in folder_grants), None)
    if is_admin_membership(membership, camera.organization):
        rights = CameraRights(EVERYTHING, "admin")
    elif not membership.can_view_cameras:
        return CameraRights(frozenset(), "off")
    elif camera_grant is not None:
        rights = CameraRights(camera_grant.actions, "camera")
    elif nearest is not None:
        rights = CameraRights(folder_grants[nearest].actions, "folder", nearest)
    else:
        return CameraRights(frozenset(), "none")
    allowed_tags = user.allowed_tag_set
    if rights.actions and allowed_tags is not None:
        if not {t.lower() for t in allowed_tags} & {t.lower() for t in camera.tag_set}:
            return CameraRights(frozenset(), "tags")
    return rights


def camera_actions(user, camera: Camera) -> frozenset[str]:
    """The actions `user` may perform on `camera` (empty for one out of reach)."""
    if not user.is_authenticated:
        return frozenset()
    parents = folder_parents(organization_ids=[camera.organization_id])
    chain = folder_chain(parents, camera.folder_id)
    return camera_rights(
        user=user,
        membership=membership_get(user=user, organization=camera.organization),
        camera=camera,
        camera_grant=CameraGrant.objects.filter(camera=camera, user=user).first(),
        folder_grants={g.folder_id: g for g in FolderGrant.objects.filter(user=user, folder_id__in=chain)},
        chain=chain,
    ).actions
