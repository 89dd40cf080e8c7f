"""Tenant-safe camera fetch: missing, foreign and ungranted cameras are the same ObjectNotFound."""

from cameras.models import Camera
from organizations.choices import Action
from organizations.exceptions import ObjectNotFound
from organizations.selectors import membership_get


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


def is_organization_admin(user, organization) -> bool:
    """Domain administrators and the organization's administrators: folders, access, shared mosaics."""
    if organization is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_domain_admin:
        return True
    membership = membership_get(user=user, organization=organization)
    return membership is not None and membership.is_admin


def can_add_cameras(user, organization) -> bool:
    """Domain admins, organization admins and members allowed to edit cameras may add them."""
    if organization is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_domain_admin:
        return True
    membership = membership_get(user=user, organization=organization)
    return membership is not None and (membership.is_admin or membership.can_edit_cameras)
