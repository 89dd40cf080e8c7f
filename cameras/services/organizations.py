"""Deleting an organization, which must know about cameras and recordings (organizations may not)."""

import logging
import os

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError

from cameras.models import Mosaic
from organizations.choices import AuditKind
from organizations.models import Folder, Organization
from organizations.services import audit_event_record

logger = logging.getLogger(__name__)


class OrganizationInUse(Exception):
    """The organization cannot go yet (it still has cameras, or it is the default); the message says why."""


@transaction.atomic
def organization_delete(*, organization: Organization, actor) -> None:
    """Delete an organization and what only it used; audited (the event outlives it).

    Only a domain administrator or the owner may (PermissionDenied). Refused (OrganizationInUse)
    for the default organization, which receives new users, and while it has cameras: a camera
    goes through `camera_delete`, which stops its recorder and purges its archive, so deleting
    them here in bulk could leave files on disk or a recorder writing into a deleted camera. The
    camera count is taken under the organization's row lock, which `camera_create` takes too.
    Then mosaics, the folder tree with its grants, persons and person lists go; memberships,
    messages, retention policies and jobs go with the row (CASCADE), and the jobs' export files
    are removed after commit. Users stay, even those who belonged to no other organization.
    """
    from recordings.models import Job, Person, PersonList  # recordings depends on cameras

    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if not (actor.is_domain_admin or organization.owner_id == actor.pk):
        raise PermissionDenied("only the owner or a domain administrator may delete an organization")
    if organization.is_default:
        raise OrganizationInUse("the default organization receives new users and cannot be deleted")
    cameras = organization.cameras.count()
    if cameras:
        streams = f"{cameras} stream{'' if cameras == 1 else 's'}"
        raise OrganizationInUse(f"“{organization.title}” still has {streams}; delete them first")
    files = list(
        Job.objects.filter(organization=organization)
        .exclude(file_path="")
        .values_list("file_path", flat=True)
    )
    Mosaic.objects.filter(organization=organization).delete()
    folders = Folder.objects.filter(organization=organization)
    folders.update(parent=None)  # the tree's PROTECTed parent links would block a bulk delete
    folders.delete()
    Person.objects.filter(organization=organization).delete()
    PersonList.objects.filter(organization=organization).delete()
    audit_event_record(
        kind=AuditKind.CONFIG_CHANGE,
        actor=actor,
        object_type="organization",
        object_id=organization.pk,
        message=f"deleted organization {organization.title}",
    )
    try:
        organization.delete()
    except (ProtectedError, RestrictedError) as exc:  # something new holds on to it: refuse, orphan nothing
        blocking = getattr(exc, "protected_objects", None) or exc.restricted_objects
        held = sorted({str(type(o)._meta.verbose_name_plural) for o in blocking})
        raise OrganizationInUse(f"“{organization.title}” still holds {', '.join(held)}") from None
    transaction.on_commit(lambda: _remove_files(files))


def _remove_files(relative_paths: list[str]) -> None:
    for relative in relative_paths:
        try:
            os.remove(os.path.join(settings.NVR_MEDIA_ROOT, relative))
        except FileNotFoundError:
            pass
        except OSError:
            logger.warning("could not remove %s of a deleted organization", relative, exc_info=True)
