"""Tenant-safe fetches: a missing object and another tenant's object raise the same ObjectNotFound."""

from organizations.choices import Action
from organizations.exceptions import ObjectNotFound
from organizations.models import Folder, Organization
from organizations.selectors import folder_list, is_organization_admin, organization_list_for_user


def access_organization(user, organization_id) -> Organization:
    """The organization if `user` belongs to it (or administers the domain)."""
    try:
        return organization_list_for_user(user=user).get(id=int(organization_id))
    except (Organization.DoesNotExist, TypeError, ValueError):
        raise ObjectNotFound("organization not found") from None


def access_organization_admin(user, organization_id) -> Organization:
    """The organization if `user` administers it (owner included); other members get ObjectNotFound too."""
    organization = access_organization(user, organization_id)
    if is_organization_admin(user, organization):
        return organization
    raise ObjectNotFound("organization not found")


def access_folder(user, organization: Organization, folder_id, action: str = Action.VIEW) -> Folder:
    try:
        return folder_list(user=user, organization=organization, action=action).get(id=int(folder_id))
    except (Folder.DoesNotExist, TypeError, ValueError):
        raise ObjectNotFound("folder not found") from None
