"""Editing organizations and their members on behalf of a user: who may, and the `limits` they obey.

Roles (Watcher, catalog §8): a domain administrator creates organizations, changes their limits and
reaches every one of them; an organization's owner and its administrators edit it; members with
`can_edit_users` (and the administrators) manage its members. `max_users` caps the members, counted
under a row lock on the organization so that two concurrent additions cannot both pass.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q

from organizations.choices import AuditKind
from organizations.exceptions import LimitReached, ObjectNotFound
from organizations.models import Membership, Organization
from organizations.selectors import is_organization_admin, membership_get

from . import audit_event_record, membership_set, organization_create

UNCHANGED = object()  # an argument the caller did not send (None means "unlimited" for limits)
ADMIN_FLAGS = {"is_admin": True, "can_view_stats": True, "can_edit_cameras": True, "can_edit_users": True}


class UsersLimitReached(LimitReached):
    """Adding a member would pass the organization's `max_users`."""


def is_owner(user, organization: Organization) -> bool:
    return organization.owner_id is not None and organization.owner_id == user.pk


def can_edit_organization(user, organization: Organization) -> bool:
    """Domain administrators, the owner and the organization's administrators (catalog §5.9.4)."""
    return is_organization_admin(user, organization)


def can_edit_users(user, organization: Organization) -> bool:
    """Who manages members: the editors of the organization, and members with `can_edit_users`."""
    if is_organization_admin(user, organization):
        return True
    membership = membership_get(user=user, organization=organization)
    return membership is not None and membership.can_edit_users


def organization_create_by(
    *, actor, title: str, owner=None, max_cameras: int | None = None, max_users: int | None = None
) -> Organization:
    """Create an organization for a domain administrator (catalog §5.9.2); PermissionDenied otherwise.

    Without `owner` the actor owns it; the owner becomes an administrator member either way.
    """
    if not actor.is_domain_admin:
        raise PermissionDenied("only a domain administrator may create organizations")
    return organization_create(
        title=title, owner=owner or actor, actor=actor, max_cameras=max_cameras, max_users=max_users
    )


def _check_room(organization: Organization, user) -> None:
    """Raise UsersLimitReached if `user` is not a member yet and the organization is full."""
    if organization.max_users is None or organization.memberships.filter(user=user).exists():
        return
    if organization.memberships.count() >= organization.max_users:
        raise UsersLimitReached(f"{organization} may have at most {organization.max_users} users")


@transaction.atomic
def organization_update(
    *,
    organization: Organization,
    actor,
    title: str | object = UNCHANGED,
    max_cameras: int | None | object = UNCHANGED,
    max_users: int | None | object = UNCHANGED,
    owner=UNCHANGED,
) -> Organization:
    """Change what the actor sent; arguments left UNCHANGED keep their value. Audited.

    Editors may change the title. Only a domain administrator may change the limits (they cap what
    the owner may do), and only the owner or a domain administrator may hand the organization to
    another owner, who becomes an administrator member (counted against `max_users`). Sending a
    value equal to the current one is not a change, so a client may PUT back what it read.
    Raises PermissionDenied, UsersLimitReached, or ValidationError for a bad title.
    """
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if not can_edit_organization(actor, organization):
        raise PermissionDenied("only the owner or an administrator of the organization may edit it")
    limits = {"max_cameras": max_cameras, "max_users": max_users}
    limits = {k: v for k, v in limits.items() if v is not UNCHANGED and v != getattr(organization, k)}
    if limits and not actor.is_domain_admin:
        raise PermissionDenied("only a domain administrator may change the limits of an organization")
    new_owner = owner is not UNCHANGED and getattr(owner, "pk", None) != organization.owner_id
    if new_owner and not (actor.is_domain_admin or is_owner(actor, organization)):
        raise PermissionDenied("only the owner or a domain administrator may change the owner")
    for name, value in limits.items():
        setattr(organization, name, value)
    if title is not UNCHANGED:
        organization.title = title
    if new_owner:
        _check_room(organization, owner)
        organization.owner = owner
    organization.full_clean()
    organization.save()
    if new_owner:
        membership_set(organization=organization, user=owner, actor=actor, **ADMIN_FLAGS)
    audit_event_record(
        kind=AuditKind.CONFIG_CHANGE,
        actor=actor,
        organization=organization,
        object_type="organization",
        object_id=organization.pk,
        message=f"changed {organization.title}",
    )
    return organization


def member_candidate_get(*, actor, user_id):
    """A user the actor may add to an organization, or ObjectNotFound.

    A domain administrator may add anyone. Others may add only users they already manage in some
    organization (via `can_edit_users`), so an id never reveals another tenant's user.
    """
    users = get_user_model().objects.all()
    if not actor.is_domain_admin:
        managed = Organization.objects.filter(
            Q(owner=actor)
            | Q(memberships__user=actor, memberships__is_admin=True)
            | Q(memberships__user=actor, memberships__can_edit_users=True)
        )
        users = users.filter(memberships__organization__in=managed).distinct()
    try:
        return users.get(pk=int(user_id))
    except (users.model.DoesNotExist, TypeError, ValueError):
        raise ObjectNotFound("user not found") from None


@transaction.atomic
def member_save(*, organization: Organization, user, actor, **flags) -> Membership:
    """Add `user` to the organization or update their permission flags (catalog §5.9.8, an upsert).

    Needs `can_edit_users` there (PermissionDenied). A new member must fit `max_users`, counted
    under a row lock (UsersLimitReached). Audited by `membership_set`.
    """
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if not can_edit_users(actor, organization):
        raise PermissionDenied("you may not manage the users of this organization")
    _check_room(organization, user)
    return membership_set(organization=organization, user=user, actor=actor, **flags)
