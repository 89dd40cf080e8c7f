"""Read-side queries of tenancy: which organizations and folders a user reaches."""

from collections.abc import Iterable

from django.db.models import F, Q, QuerySet

from organizations.choices import Action
from organizations.models import Folder, FolderGrant, Membership, Organization

# "Administrator of an organization", on Membership rows: its administrators and its owner (catalog
# §8). Every access rule (cameras, folders, folder rights, the dialects' permission views) uses this
# and `is_organization_admin`; a domain administrator is above both. Reaching an organization's
# cameras and folders takes a membership, as every tenancy rule here does.
ADMIN_MEMBERSHIP = Q(is_admin=True) | Q(user_id=F("organization__owner_id"))


def organization_list_for_user(*, user) -> QuerySet[Organization]:
    """Organizations the user belongs to; a domain administrator reaches all of them."""
    if not user.is_authenticated or not user.is_active:
        return Organization.objects.none()
    if user.is_domain_admin:
        return Organization.objects.all()
    return Organization.objects.filter(memberships__user=user)


def membership_get(*, user, organization: Organization) -> Membership | None:
    return Membership.objects.filter(user=user, organization=organization).first()


def is_admin_membership(membership: Membership, organization: Organization) -> bool:
    """ADMIN_MEMBERSHIP for one row already fetched, with its organization."""
    return membership.is_admin or membership.user_id == organization.owner_id


def is_organization_admin(user, organization: Organization | None) -> bool:
    """Domain administrators, the organization's owner and its administrators.

    The owner counts even without a membership, so they can always edit the organization (and
    re-add themselves); its cameras and folders they reach as a member, like everyone else.
    """
    if organization is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_domain_admin or (organization.owner_id is not None and organization.owner_id == user.pk):
        return True
    return Membership.objects.filter(ADMIN_MEMBERSHIP, user=user, organization=organization).exists()


def folder_parents(*, organization_ids: Iterable[int]) -> dict[int, int | None]:
    """{folder id: parent id} of these organizations' folder trees (one query)."""
    return dict(
        Folder.objects.filter(organization_id__in=list(organization_ids)).values_list("id", "parent_id")
    )


def folder_chain(parents: dict[int, int | None], folder_id: int | None) -> list[int]:
    """The folder's id, then its parent's, up to the top: the one ancestry walk of every access rule.

    A grant on a folder applies to its subfolders until a nearer one says otherwise, so the first
    grant along this chain is the one that counts.
    """
    chain, node = [], folder_id
    while node is not None and node not in chain:  # a cycle can only come from a bad write
        chain.append(node)
        node = parents.get(node)
    return chain


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
    parents = folder_parents(organization_ids=organization_ids)
    allowed: set[int] = set()
    for folder_id in parents:
        nearest = next((f for f in folder_chain(parents, folder_id) if f in grants), None)
        if nearest is not None and grants[nearest].allows(action):
            allowed.add(folder_id)
    return allowed


def folder_list(*, user, organization: Organization, action: str = Action.VIEW) -> QuerySet[Folder]:
    """Folders of `organization` the user may see: all for its administrators, granted ones otherwise."""
    folders = Folder.objects.filter(organization=organization)
    if is_organization_admin(user, organization):
        return folders
    if membership_get(user=user, organization=organization) is None:
        return Folder.objects.none()
    return folders.filter(
        id__in=folder_ids_granted(user=user, organization_ids=[organization.id], action=action)
    )
