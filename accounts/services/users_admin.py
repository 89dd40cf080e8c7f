"""Managing other people's accounts: who may see and change whom, and the audited writes.

A caller manages the members of every organization where they may edit users (the
`can_edit_users` flag, an organization administrator, or the owner); a domain administrator
manages everyone. Anyone may read their own account. Users outside that reach are invisible
(ObjectNotFound, never PermissionDenied), so a user of another organization cannot be probed.
"""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.choices import Role
from accounts.models import AuthSession, User
from accounts.services import (
    auth_sessions_revoke,
    profile_api_key_replace,
    profile_api_key_set,
    user_create,
)
from accounts.services.sessions import sessions_after_password_change
from organizations.choices import AuditKind
from organizations.exceptions import LimitReached, ObjectNotFound
from organizations.models import Folder, FolderGrant, Membership, Organization
from organizations.services import audit_event_record, membership_set

# What a user may change on their own account; the rest needs someone who manages them.
SELF_FIELDS = frozenset({"login", "fullname", "email", "phone", "locale", "note", "max_sessions"})
MANAGED_FIELDS = SELF_FIELDS | {"readonly", "is_active"}


def organization_ids_managed(*, actor) -> QuerySet:
    """Ids of the organizations whose members `actor` may manage (all for a domain administrator)."""
    if actor.is_domain_admin:
        return Organization.objects.values("id")
    return Organization.objects.filter(
        Q(owner=actor)
        | Q(memberships__user=actor, memberships__is_admin=True)
        | Q(memberships__user=actor, memberships__can_edit_users=True)
    ).values("id")


def organization_ids_editable(*, actor) -> QuerySet:
    """Ids of the organizations `actor` may edit: owner, organization administrator, domain admin."""
    if actor.is_domain_admin:
        return Organization.objects.values("id")
    return Organization.objects.filter(
        Q(owner=actor) | Q(memberships__user=actor, memberships__is_admin=True)
    ).values("id")


def can_manage_users(*, actor, organization: Organization) -> bool:
    return organization_ids_managed(actor=actor).filter(id=organization.id).exists()


def user_list_for_actor(*, actor) -> QuerySet[User]:
    """The users `actor` may see: themselves and the members of the organizations they manage."""
    if actor.is_domain_admin:
        return User.objects.all()
    members = Membership.objects.filter(organization_id__in=organization_ids_managed(actor=actor))
    return User.objects.filter(Q(pk=actor.pk) | Q(pk__in=members.values("user_id")))


def user_get_for_actor(*, actor, user_id) -> User:
    """One user `actor` may see; a missing user and one out of reach raise the same ObjectNotFound."""
    try:
        return user_list_for_actor(actor=actor).get(pk=int(user_id))
    except (User.DoesNotExist, TypeError, ValueError):
        raise ObjectNotFound("user not found") from None


def _role(current: str, domain_admin: bool | None) -> str:
    """Watcher's two access levels over our roles: "generic" keeps a viewer or API role as it is."""
    if domain_admin is None:
        return current
    if domain_admin:
        return Role.ADMIN
    return Role.USER if current == Role.ADMIN else current


def _check_login_free(login: str, user: User | None = None) -> None:
    # The case-insensitive constraint would otherwise surface without naming the field.
    taken = User.objects.filter(login__iexact=login)
    if user is not None:
        taken = taken.exclude(pk=user.pk)
    if taken.exists():
        raise ValidationError({"login": ["this name is taken"]})


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None


def _check_reach(actor, user: User, verb: str) -> None:
    """A manager acts on another account only if every tenant it affects is theirs to manage."""
    if user.role == Role.ADMIN:
        raise PermissionDenied(f"only a domain administrator may {verb} a domain administrator")
    managed = set(organization_ids_managed(actor=actor).values_list("id", flat=True))
    if not set(user.memberships.values_list("organization_id", flat=True)) <= managed:
        raise PermissionDenied(
            f"only a domain administrator may {verb} a user of organizations you do not manage"
        )


def _audit(actor, user: User, message: str, organization=None) -> None:
    audit_event_record(
        kind=AuditKind.CONFIG_CHANGE,
        actor=actor,
        organization=organization,
        object_type="user",
        object_id=user.pk,
        message=message,
    )


@transaction.atomic
def user_create_in_organization(
    *,
    actor,
    organization: Organization,
    login: str,
    password: str | None,
    domain_admin: bool = False,
    **fields,
) -> User:
    """Create a user as a member of `organization` (default flags). Audited.

    PermissionDenied unless `actor` manages users there (and, for `domain_admin`, is a domain
    administrator); ValidationError keyed by model field; LimitReached past the organization's
    `max_users`, counted under a row lock so two creations cannot both take the last place.
    """
    if not can_manage_users(actor=actor, organization=organization):
        raise PermissionDenied("you may not add users to this organization")
    if domain_admin and not actor.is_domain_admin:
        raise PermissionDenied("only a domain administrator may grant access_level admin")
    _check_login_free(login)
    if password:
        _check_password(password, User(login=login, **fields))
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.max_users is not None and organization.memberships.count() >= organization.max_users:
        raise LimitReached(f"{organization} may have at most {organization.max_users} users")
    user = user_create(
        login=login,
        password=password or None,
        actor=actor,
        role=Role.ADMIN if domain_admin else Role.USER,
        **fields,
    )
    membership_set(organization=organization, user=user, actor=actor)
    _audit(actor, user, f"created user {login}", organization)
    return user


@transaction.atomic
def user_update(
    *,
    actor,
    user: User,
    password: str | None = None,
    domain_admin: bool | None = None,
    keep_session: AuthSession | None = None,
    **fields,
) -> User:
    """A partial update of `user` (already visible to `actor`) by `actor`. Audited.

    Only fields whose value changes need a right, so a client may PUT back what it read.
    On their own account a user changes SELF_FIELDS and the password, never while `readonly`;
    a manager changes MANAGED_FIELDS and the password of users all of whose organizations they
    manage; only a domain administrator changes the access level, a domain administrator, or a
    user shared with organizations out of the caller's reach (PermissionDenied). Disabling
    ends the user's API sessions; a new password ends all but `keep_session`.
    """
    unknown = set(fields) - MANAGED_FIELDS
    if unknown:
        raise TypeError(f"not user fields: {', '.join(sorted(unknown))}")
    role = _role(user.role, domain_admin)
    changed = {name for name, value in fields.items() if getattr(user, name) != value}
    if role != user.role:
        changed.add("role")
    if user.pk == actor.pk:
        if user.readonly and (changed or password):
            raise PermissionDenied("this account may not change its own data")
        if changed - SELF_FIELDS:
            raise PermissionDenied("you may not change this on your own account")
        if password and user.password_change_locked:
            raise PermissionDenied("the password of this account may not be changed")
    elif not actor.is_domain_admin and (changed or password):
        _check_reach(actor, user, "change")
        if "role" in changed:
            raise PermissionDenied("only a domain administrator may change access_level")
    if "login" in changed:
        _check_login_free(fields["login"], user)
    for name, value in fields.items():
        setattr(user, name, value)
    user.role = role
    user.full_clean(exclude=["password"])
    sessions = AuthSession.objects.filter(user=user)
    if password:
        _check_password(password, user)
        user.set_password(password)
        user.password_changed_at = timezone.now()
        sessions_after_password_change(user=user, keep_session=keep_session)
    elif "is_active" in changed and not user.is_active:
        auth_sessions_revoke(sessions=sessions)
    user.save()
    if password:
        changed.add("password")
    if changed:
        _audit(actor, user, f"changed user {user.login}: {', '.join(sorted(changed))}")
    return user


@transaction.atomic
def user_delete(*, actor, user: User) -> None:
    """Delete `user` (already visible to `actor`) with everything that is theirs. Audited.

    Nobody deletes themselves. Other than a domain administrator, a caller deletes only users
    all of whose organizations they manage (a delete reaches every tenant the user is in), who
    own no organization and who are not domain administrators: else PermissionDenied.
    """
    if user.pk == actor.pk:
        raise PermissionDenied("you may not delete your own account")
    if not actor.is_domain_admin:
        _check_reach(actor, user, "delete")
        if Organization.objects.filter(owner=user).exists():
            raise PermissionDenied("this user owns an organization")
    _audit(actor, user, f"deleted user {user.login}")
    user.delete()


FULL_ACCESS = FolderGrant(
    can_view=True, can_live=True, can_archive=True, can_export=True, can_ptz=True, can_manage=True
)


def folder_grants_effective(*, user: User, organization: Organization, folder_ids) -> dict[int, FolderGrant]:
    """For each folder, what `user` may do there: the nearest grant up the tree, or FULL_ACCESS.

    Domain and organization administrators (and the owner) hold every right; a folder with no
    grant on its path is left out. Two queries, whatever the depth of the tree.
    """
    folder_ids = list(folder_ids)
    admin = user.is_domain_admin or organization.owner_id == user.pk
    admin = admin or Membership.objects.filter(user=user, organization=organization, is_admin=True).exists()
    if admin:
        return dict.fromkeys(folder_ids, FULL_ACCESS)
    grants = {
        g.folder_id: g for g in FolderGrant.objects.filter(user=user, folder__organization=organization)
    }
    parents = dict(Folder.objects.filter(organization=organization).values_list("id", "parent_id"))
    found = {}
    for folder_id in folder_ids:
        node, seen = folder_id, set()
        while node is not None and node not in grants and node not in seen:
            seen.add(node)  # a cycle can only come from a bad write
            node = parents.get(node)
        if node in grants:
            found[folder_id] = grants[node]
    return found


@transaction.atomic
def user_api_key_regenerate(*, actor, user: User) -> str:
    """A new random profile API key for `user` (already visible to `actor`); the raw key, shown once.

    The key is how a TOTP user's integrations sign in, so whoever may change the user's password
    may hand them a key: the user themselves, a manager of all their organizations, or a domain
    administrator. Audited.
    """
    if user.pk == actor.pk:
        raw = profile_api_key_set(user=user, raw_key="")  # the own-account rules (readonly)
    else:
        if not actor.is_domain_admin:
            _check_reach(actor, user, "give an API key to")
        raw = profile_api_key_replace(user=user, raw_key="")
    _audit(actor, user, f"made a new API key for user {user.login}")
    return raw
