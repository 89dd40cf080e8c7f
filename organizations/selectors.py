"""Read-side queries of tenancy: which organizations and folders a user reaches."""

from collections.abc import Iterable

from django.db.models import QuerySet

from organizations.choices import Action
from organizations.models import Folder, FolderGrant, Membership, Organization


def organization_list_for_user(*, user) -> QuerySet[Organization]:
    """Organizations the user belongs to; a domain administrator reaches all of them."""
    if not user.is_authenticated or not user.is_active:
        return Organization.objects.none()
    if user.is_domain_admin:
        return Organization.objects.all()
    return Organization.objects.filter(memberships__user=user)


def membership_get(*, user, organization: Organization) -> Membership | None:
    return Membership.objects.filter(user=user, organization=organization).first()


def folder_ids_granted(*, user, organization_ids: Iterable[int], action: str) -> set[int]:
    """Folders of these organizations whose nearest grant for `user` allows `action`.

    A grant applies to its folder and every subfolder until a nearer grant says otherwise, so a
    subfolder can narrow what its parent opens. Two queries, whatever the depth of the tree.
    """
    organization_ids = list(organization_ids)
    grants = {
        g.folder_id: g
        for g in FolderGrant.objects.filter(user=user, folder__organization_id__in=organization_ids)
    }
    if not grants:
        return set()
    parents = dict(Folder.objects.filter(organization_id__in=organization_ids).values_list("id", "parent_id"))
    allowed: set[int] = set()
    for folder_id in parents:
        node, seen = folder_id, set()
        while node is not None and node not in grants and node not in seen:
            seen.add(node)  # a cycle can only come from a bad write; stop rather than spin
            node = parents.get(node)
        if node in grants and grants[node].allows(action):
            allowed.add(folder_id)
    return allowed


def folder_list(*, user, organization: Organization, action: str = Action.VIEW) -> QuerySet[Folder]:
    """Folders of `organization` the user may see: all for its administrators, granted ones otherwise."""
    folders = Folder.objects.filter(organization=organization)
    if user.is_domain_admin:
        return folders
    membership = membership_get(user=user, organization=organization)
    if membership is None:
        return Folder.objects.none()
    if membership.is_admin:
        return folders
    return folders.filter(
        id__in=folder_ids_granted(user=user, organization_ids=[organization.id], action=action)
    )
