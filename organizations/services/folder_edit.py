"""Folder edits beyond create, rename and move: map place, floor plan, placement by shift, member grants.

`folder_add` and `folder_edit` compose them, each in one transaction, so an API save that fails
half way changes nothing.
"""

import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from organizations.choices import AuditKind
from organizations.folder_rights import RIGHT_FIELDS, RIGHT_FLAGS, folder_member_rights_get
from organizations.images import NotAnImage, raster_reencode
from organizations.models import Folder, FolderGrant, Organization
from organizations.services import (
    FolderMoveInvalid,
    audit_event_record,
    folder_create,
    folder_grant_set,
    folder_move,
)

KEEP = object()  # "leave as it is", where None means "remove" or "the top level"
EDITABLE = frozenset({"title", "latitude", "longitude", "floor_plan_anchors"})
FLOOR_PLAN_MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class FolderShift:
    """Watcher's `hierarchy.shift`: sit `inside` the destination (last child), or `after`/`before` it."""

    direction: str
    destination: Folder


@dataclass(frozen=True)
class FloorPlanImage:
    content: bytes
    mime_type: str


@transaction.atomic
def folder_add(
    *,
    organization: Organization,
    actor,
    title: str,
    parent: Folder | None = None,
    fields: dict | None = None,
    position: int | None = None,
    shift: FolderShift | None = None,
    floor_plan=KEEP,
) -> Folder:
    """Create a folder (last child of `parent`), then place it and give it its map data. Audited."""
    folder = folder_create(organization=organization, title=title, parent=parent, actor=actor)
    return folder_edit(
        folder=folder, actor=actor, fields=fields, position=position, shift=shift, floor_plan=floor_plan
    )


@transaction.atomic
def folder_edit(
    *,
    folder: Folder,
    actor,
    fields: dict | None = None,
    parent=KEEP,
    position: int | None = None,
    shift: FolderShift | None = None,
    floor_plan=KEEP,
) -> Folder:
    """Change a folder's `fields` (EDITABLE), floor-plan image (None removes it) and place.

    The place comes from `shift` when given; else from `parent` (KEEP: the current one) and
    `position` among its children (None: last when the parent changes, unchanged otherwise).
    Raises ValidationError (keys: model fields, `floor_plan`) or FolderMoveInvalid. Audited.
    """
    fields = dict(fields or {})
    unknown = set(fields) - EDITABLE
    if unknown:
        raise TypeError(f"not editable folder fields: {', '.join(sorted(unknown))}")
    folder = Folder.objects.select_for_update().get(pk=folder.pk)
    if fields:
        for name, value in fields.items():
            setattr(folder, name, value)
        folder.full_clean()
        folder.save(update_fields=[*fields, "updated_at"])
        _audit(folder, actor, f"edited folder {folder.title}: {', '.join(sorted(fields))}")
    if floor_plan is not KEEP:
        _floor_plan_set(folder, floor_plan, actor)
    if shift is not None:
        parent, position = _shift_target(folder, shift)
    if parent is not KEEP or position is not None:
        target = folder.parent if parent is KEEP else parent
        if target is not None and target.organization_id != folder.organization_id:
            raise FolderMoveInvalid("the destination belongs to another organization")
        unmoved = (target.pk if target else None) == folder.parent_id
        if not (unmoved and (position is None or position == folder.position)):
            folder = folder_move(folder=folder, parent=target, position=position, actor=actor)
    folder.refresh_from_db()
    return folder


def _audit(folder: Folder, actor, message: str) -> None:
    audit_event_record(
        kind=AuditKind.CONFIG_CHANGE,
        actor=actor,
        organization=folder.organization,
        object_type="folder",
        object_id=folder.pk,
        message=message,
    )


def _shift_target(folder: Folder, shift: FolderShift) -> tuple[Folder | None, int | None]:
    """(parent, position) that put `folder` inside, after or before the destination."""
    destination = shift.destination
    if destination.organization_id != folder.organization_id:
        raise FolderMoveInvalid("the destination belongs to another organization")
    if shift.direction == "inside":
        return destination, None
    if destination.pk == folder.pk:
        raise FolderMoveInvalid("a folder cannot sit before or after itself")
    siblings = list(
        Folder.objects.filter(organization_id=folder.organization_id, parent_id=destination.parent_id)
        .exclude(pk=folder.pk)
        .order_by("position", "id")
        .values_list("pk", flat=True)
    )
    index = siblings.index(destination.pk) + (1 if shift.direction == "after" else 0)
    return destination.parent, index


def _floor_plan_set(folder: Folder, image: FloorPlanImage | None, actor) -> None:
    old = folder.floor_plan.name if folder.floor_plan else ""
    if image is None:
        folder.floor_plan = ""
    else:
        content, extension = _clean_image(image)
        folder.floor_plan.save(f"{uuid.uuid4().hex}{extension}", ContentFile(content), save=False)
    folder.save(update_fields=["floor_plan", "updated_at"])
    if old:
        storage = folder.floor_plan.storage
        transaction.on_commit(lambda: storage.delete(old))  # the old image goes once the change holds
    _audit(folder, actor, f"{'removed' if image is None else 'set'} the floor plan of {folder.title}")


def _clean_image(image: FloorPlanImage) -> tuple[bytes, str]:
    """(re-encoded picture, file extension); ValidationError unless it is the raster image it says."""
    if not image.content:
        raise ValidationError({"floor_plan": "the image is empty"})
    if len(image.content) > FLOOR_PLAN_MAX_BYTES:
        raise ValidationError({"floor_plan": f"the image exceeds {FLOOR_PLAN_MAX_BYTES // 2**20} MiB"})
    try:
        return raster_reencode(image.content, image.mime_type)
    except NotAnImage as exc:
        raise ValidationError({"floor_plan": str(exc)}) from None


@transaction.atomic
def folder_member_grant_set(*, folder: Folder, user, actor, **flags) -> FolderGrant:
    """Set what a member may do with `folder` and its subfolders (an upsert of their grant there).

    `flags` are ActionGrant fields; those not given keep what applied to the member on this folder
    before (their grant here, else the inherited one, else nothing), so a client can change one
    permission at a time. ObjectNotFound for a user who is not a member of the organization.
    """
    unknown = set(flags) - set(RIGHT_FIELDS)
    if unknown:
        raise TypeError(f"not grant fields: {', '.join(sorted(unknown))}")
    current = folder_member_rights_get(folder=folder, user_id=user.pk)
    existing = FolderGrant.objects.filter(folder=folder, user=user).first()
    if existing is not None:
        base = {name: getattr(existing, name) for name in RIGHT_FIELDS}
    elif current.rights_granted:
        base = {name: getattr(current, f"rights_{name}") for name in RIGHT_FIELDS}
    else:
        base = {**dict.fromkeys(RIGHT_FLAGS, False), "archive_depth_limit": 0}
    return folder_grant_set(folder=folder, user=user, actor=actor, **{**base, **flags})
