"""Selectors: what each member of an organization may do with the cameras of one folder.

A member's rights on a folder come from the nearest grant on the folder or one of its ancestors
(the same rule `folder_ids_granted` applies); organization administrators and the owner hold every
right whatever their grants say (catalog §8).
"""

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from organizations.choices import Action
from organizations.exceptions import ObjectNotFound
from organizations.models import Folder, FolderGrant, Membership
from organizations.selectors import ADMIN_MEMBERSHIP, folder_chain, folder_parents

# The ActionGrant fields, each annotated as `rights_<field>` on the members.
RIGHT_FLAGS = tuple(f"can_{action}" for action in Action.values)
RIGHT_FIELDS = (*RIGHT_FLAGS, "archive_depth_limit")


def folder_ancestry(folder: Folder) -> list[int]:
    """The folder's id, then its parent's, up to the top (one query)."""
    return folder_chain(folder_parents(organization_ids=[folder.organization_id]), folder.pk)


def _members_with_rights(folder: Folder) -> QuerySet[Membership]:
    chain = folder_ancestry(folder)
    nearness = Case(
        *[When(folder_id=f, then=Value(i)) for i, f in enumerate(chain)], output_field=IntegerField()
    )
    nearest = (
        FolderGrant.objects.filter(user=OuterRef("user"), folder_id__in=chain)
        .annotate(_nearness=nearness)
        .order_by("_nearness")
    )
    admin = ADMIN_MEMBERSHIP
    annotations = {
        "rights_admin": Case(
            When(admin, then=Value(True)), default=Value(False), output_field=BooleanField()
        ),
        "rights_granted": Exists(nearest),
    }
    for name in RIGHT_FIELDS:
        flag = name != "archive_depth_limit"
        everything = Value(True) if flag else Value(0)  # an administrator's archive has no depth limit
        nothing = Value(False) if flag else Value(0)
        annotations[f"rights_{name}"] = Case(
            When(admin, then=everything),
            default=Coalesce(Subquery(nearest.values(name)[:1]), nothing),
            output_field=BooleanField() if flag else IntegerField(),
        )
    return Membership.objects.filter(organization_id=folder.organization_id).annotate(**annotations)


def folder_member_rights(*, folder: Folder) -> QuerySet[Membership]:
    """The members some right reaches on `folder` (a grant here or above, or administration).

    Each membership carries `rights_admin`, `rights_granted` and `rights_<field>` for every
    ActionGrant field.
    """
    return _members_with_rights(folder).filter(Q(rights_admin=True) | Q(rights_granted=True))


def folder_member_rights_get(*, folder: Folder, user_id) -> Membership:
    """One member's rights on `folder` (all false without a grant); ObjectNotFound for a non-member."""
    try:
        user_id = int(user_id)
        if not 0 < user_id < 2**63:  # a foreign-key lookup is not range-checked: it would overflow
            raise ValueError(user_id)
        return _members_with_rights(folder).select_related("user").get(user_id=user_id)
    except (Membership.DoesNotExist, TypeError, ValueError):
        raise ObjectNotFound("user not found") from None
