"""Write-side operations of tenancy: organizations, memberships, folders, grants and the audit log."""

from django.db import transaction
from django.db.models import Max

from nvr_project.redact import mask_url_credentials, masked
from organizations.choices import AuditKind
from organizations.exceptions import ObjectNotFound
from organizations.models import AuditEvent, Folder, FolderGrant, Membership, Organization


class FolderMoveInvalid(ValueError):
    """A folder cannot move under itself, its own subtree, or another organization's folder."""


def audit_event_record(
    *,
    kind: str,
    actor=None,
    organization=None,
    object_type: str = "",
    object_id="",
    message: str = "",
    **fields,
) -> AuditEvent:
    """Append one audit event. Never raises on a missing actor or organization.

    No URL credentials reach the log: the message and every text field are masked here, once.
    """
    fields = {k: masked(v) for k, v in fields.items()}
    return AuditEvent.objects.create(
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        organization=organization,
        object_type=object_type,
        object_id=str(object_id),
        message=mask_url_credentials(message)[:500],
        **fields,
    )


@transaction.atomic
def organization_create(*, title: str, owner=None, actor=None, **fields) -> Organization:
    """Create an organization; its owner becomes an administrator member."""
    organization = Organization(title=title, owner=owner, **fields)
    organization.full_clean()
    organization.save()
    if owner is not None:
        Membership.objects.create(
            user=owner,
            organization=organization,
            is_admin=True,
            can_view_stats=True,
            can_edit_cameras=True,
            can_edit_users=True,
        )
    audit_event_record(
        kind=AuditKind.CONFIG_CHANGE,
        actor=actor,
        organization=organization,
        object_type="organization",
        object_id=organization.pk,
        message=f"created {title}",
    )
    return organization


def _upsert(model, *, lookup: dict, values: dict):
    """Get or create the row matching `lookup`, set `values`, validate and save it."""
    row, _ = model.objects.get_or_create(**lookup)
    for name, value in values.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    return row


@transaction.atomic
def membership_set(*, organization: Organization, user, actor=None, **flags) -> Membership:
    """Add `user` to `organization` or update their flags (an upsert, as Watcher's user save)."""
    membership = _upsert(Membership, lookup={"organization": organization, "user": user}, values=flags)
    audit_event_record(
        kind=AuditKind.CONFIG_CHANGE,
        actor=actor,
        organization=organization,
        object_type="membership",
        object_id=user.pk,
        message=f"membership of {user}",
    )
    return membership


def _next_position(organization: Organization, parent: Folder | None) -> int:
    last = Folder.objects.filter(organization=organization, parent=parent).aggregate(m=Max("position"))["m"]
    return 0 if last is None else last + 1


@transaction.atomic
def folder_create(
    *, organization: Organization, title: str, parent: Folder | None = None, actor=None, **fields
) -> Folder:
    """Add a folder as the last child of `parent` (None: at the top). Audited."""
    if parent is not None and parent.organization_id != organization.id:
        raise ObjectNotFound("folder not found")
    folder = Folder(
        organization=organization,
        parent=parent,
        title=title,
        position=_next_position(organization, parent),
        **fields,
    )
    folder.full_clean()
    folder.save()
    _audit_folder(folder, actor, f"created folder {title}")
    return folder


def _audit_folder(folder: Folder, actor, message: str) -> None:
    audit_event_record(
        kind=AuditKind.CONFIG_CHANGE,
        actor=actor,
        organization=folder.organization,
        object_type="folder",
        object_id=folder.pk,
        message=message,
    )


@transaction.atomic
def folder_rename(*, folder: Folder, title: str, actor=None) -> Folder:
    """Give `folder` a new title (validated like a new one). Audited."""
    old = folder.title
    folder.title = title
    folder.full_clean()
    folder.save(update_fields=["title", "updated_at"])
    _audit_folder(folder, actor, f"renamed folder {old} to {title}")
    return folder


def _renumber(organization_id: int, parent_id: int | None, ordered: list[Folder]) -> None:
    for index, sibling in enumerate(ordered):
        if sibling.position != index:
            Folder.objects.filter(pk=sibling.pk).update(position=index)
            sibling.position = index


@transaction.atomic
def folder_move(*, folder: Folder, parent: Folder | None, position: int | None = None, actor=None) -> Folder:
    """Move `folder` under `parent` (None: to the top) at `position` among its new siblings.

    Siblings stay numbered 0..n-1 in both the old and the new parent. Moving a folder into its
    own subtree, or under another organization's folder, raises FolderMoveInvalid. Audited.
    """
    folder = Folder.objects.select_for_update().get(pk=folder.pk)
    if parent is not None:
        if parent.organization_id != folder.organization_id:
            raise FolderMoveInvalid("the destination belongs to another organization")
        parents = dict(
            Folder.objects.filter(organization_id=folder.organization_id).values_list("id", "parent_id")
        )
        node = parent.pk
        while node is not None:
            if node == folder.pk:
                raise FolderMoveInvalid("a folder cannot move into itself or its subfolders")
            node = parents.get(node)
    old_parent_id = folder.parent_id
    folder.parent = parent
    siblings = list(
        Folder.objects.filter(organization_id=folder.organization_id, parent=parent)
        .exclude(pk=folder.pk)
        .order_by("position", "id")
    )
    index = len(siblings) if position is None else max(0, min(position, len(siblings)))
    siblings.insert(index, folder)
    folder.save(update_fields=["parent", "updated_at"])
    _renumber(folder.organization_id, folder.parent_id, siblings)
    if old_parent_id != folder.parent_id:
        old = list(
            Folder.objects.filter(organization_id=folder.organization_id, parent_id=old_parent_id).order_by(
                "position", "id"
            )
        )
        _renumber(folder.organization_id, old_parent_id, old)
    folder.refresh_from_db()
    _audit_folder(folder, actor, f"moved folder {folder.title} under {parent.title if parent else 'the top'}")
    return folder


@transaction.atomic
def folder_grant_set(*, folder: Folder, user, actor=None, **flags) -> FolderGrant:
    """Grant `user` actions on `folder` and its subfolders (an upsert)."""
    grant = _upsert(FolderGrant, lookup={"folder": folder, "user": user}, values=flags)
    audit_event_record(
        kind=AuditKind.CONFIG_CHANGE,
        actor=actor,
        organization=folder.organization,
        object_type="folder_grant",
        object_id=folder.pk,
        message=f"{user} on {folder}",
    )
    return grant
