"""Per-camera grants of a member: set and remove, audited."""

from django.db import transaction

from cameras.models import Camera, CameraGrant
from organizations.choices import Action, AuditKind
from organizations.exceptions import ObjectNotFound
from organizations.services import audit_event_record


def _check_member(camera: Camera, user) -> None:
    if not camera.organization.memberships.filter(user=user).exists():
        raise ObjectNotFound("user not found")


@transaction.atomic
def camera_grant_set(*, camera: Camera, user, actor, **flags) -> CameraGrant:
    """Set what `user` may do with `camera` (an upsert); it overrides the folder grants. Audited.

    `flags` are ActionGrant fields (`can_view`, …, `archive_depth_limit`); fields not given keep
    their value, or the model default on a new grant. All flags false is a grant too: it closes
    this camera to a user whose folder grant opens it. Raises ObjectNotFound for a user who is not
    a member of the camera's organization.
    """
    _check_member(camera, user)
    unknown = set(flags) - {f"can_{action}" for action in Action.values} - {"archive_depth_limit"}
    if unknown:
        raise TypeError(f"not grant fields: {', '.join(sorted(unknown))}")
    grant, _ = CameraGrant.objects.get_or_create(camera=camera, user=user)
    for name, value in flags.items():
        setattr(grant, name, value)
    grant.full_clean()
    grant.save()
    allowed = ", ".join(sorted(grant.actions)) or "nothing"
    _grant_audit(camera, actor, f"camera grant for {user} on {camera.name}: {allowed}")
    return grant


@transaction.atomic
def camera_grant_remove(*, camera: Camera, user, actor) -> bool:
    """Remove `user`'s camera grant, so their folder grants apply again; False if there was none."""
    deleted, _ = CameraGrant.objects.filter(camera=camera, user=user).delete()
    if deleted:
        _grant_audit(camera, actor, f"removed the camera grant for {user} on {camera.name}")
    return bool(deleted)


def _grant_audit(camera: Camera, actor, message: str) -> None:
    audit_event_record(
        kind=AuditKind.CONFIG_CHANGE,
        actor=actor,
        organization=camera.organization,
        object_type="camera_grant",
        object_id=camera.name,
        message=message,
    )
