"""Folder deletion, which needs to know about cameras (organizations may not import cameras)."""

from django.db import transaction

from cameras.models import Camera
from organizations.choices import AuditKind
from organizations.models import Folder
from organizations.services import audit_event_record


class FolderNotEmpty(Exception):
    """A folder still holds subfolders or cameras; the message says what."""


@transaction.atomic
def folder_delete(*, folder: Folder, actor) -> None:
    """Delete an empty folder and the grants on it; audited.

    It lives here rather than beside `folder_create` because "empty" counts cameras, which
    organizations may not import. Raises FolderNotEmpty (counting every camera, seen by the actor
    or not: deleting the folder would silently move those out of it).
    """
    folder = Folder.objects.select_for_update().get(pk=folder.pk)
    children = Folder.objects.filter(parent=folder).count()
    cameras = Camera.objects.filter(folder=folder).count()
    if children or cameras:
        held = [
            f"{count} {noun}{'' if count == 1 else 's'}"
            for count, noun in ((children, "subfolder"), (cameras, "camera"))
            if count
        ]
        raise FolderNotEmpty(f"“{folder.title}” still holds {' and '.join(held)}; move them out first.")
    audit_event_record(
        kind=AuditKind.CONFIG_CHANGE,
        actor=actor,
        organization=folder.organization,
        object_type="folder",
        object_id=folder.pk,
        message=f"deleted folder {folder.title}",
    )
    folder.delete()
