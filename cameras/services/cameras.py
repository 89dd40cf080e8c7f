"""Write-side operations on cameras: create, edit, enable, move, inputs, favourites, transfer, delete."""

import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cameras.choices import CameraStatus
from cameras.exceptions import CameraLimitReached, CameraNameTaken
from cameras.models import Camera, CameraGrant, CameraInput, MosaicSlot
from nvr_project import events
from organizations.choices import AuditKind
from organizations.exceptions import ObjectNotFound
from organizations.models import Folder, Organization
from organizations.services import audit_event_record

# Fields an editor may set through camera_create/camera_update; everything observed stays the recorder's.
EDITABLE_FIELDS = frozenset(
    f.name
    for f in Camera._meta.get_fields()
    if getattr(f, "concrete", False)
    and not f.auto_created
    and not f.many_to_many
    and f.name
    not in {
        "organization",
        "storage_key",
        "status",
        "status_reason",
        "status_changed_at",
        "video_codec",
        "audio_codec",
        "audio_transcoded",
        "width",
        "height",
        "fps",
        "bitrate",
        "last_frame_at",
        "stats",
        "lease_owner",
        "lease_expires_at",
        "last_change_user",
        "created_at",
        "updated_at",
        "last_refresh_at",
    }
)


def _check_folder(organization: Organization, folder: Folder | None) -> None:
    if folder is not None and folder.organization_id != organization.id:
        raise ObjectNotFound("folder not found")


def _replace_inputs(camera: Camera, urls: list[str]) -> None:
    """Make the camera's inputs these URLs, in order, keeping each position's other settings."""
    urls = [u for u in urls if u and u.strip()]
    existing = {i.position: i for i in camera.inputs.all()}
    for position, url in enumerate(urls):
        camera_input = existing.pop(position, None) or CameraInput(camera=camera, position=position)
        camera_input.username = camera_input.password = ""
        camera_input.set_url(url)
        camera_input.full_clean(exclude=["camera"])
        camera_input.save()
    CameraInput.objects.filter(pk__in=[i.pk for i in existing.values()]).delete()


def _announce(camera: Camera, actor, message: str) -> None:
    audit_event_record(
        kind=AuditKind.CONFIG_CHANGE,
        actor=actor,
        organization=camera.organization,
        object_type="camera",
        object_id=camera.name,
        message=message,
    )
    events.camera_changed_publish(camera.organization_id, camera=camera.name, enabled=camera.enabled)


@transaction.atomic
def camera_create(
    *, organization: Organization, actor, name: str, input_urls: list[str] | None = None, **fields
) -> Camera:
    """Create a camera in `organization` with its inputs, in one transaction.

    Raises CameraLimitReached past `max_cameras` (counted under a row lock on the organization, so
    two concurrent creates cannot both pass), CameraNameTaken for a used name, ValidationError
    for bad values. Publishes camera.changed after commit.
    """
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"not editable: {', '.join(sorted(unknown))}")
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.max_cameras is not None and organization.cameras.count() >= organization.max_cameras:
        raise CameraLimitReached(f"{organization} may have at most {organization.max_cameras} cameras")
    _check_folder(organization, fields.get("folder"))
    if Camera.objects.filter(name=name).exists():
        raise CameraNameTaken(name)
    camera = Camera(organization=organization, name=name, last_change_user=_user_or_none(actor), **fields)
    camera.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            camera.save()
    except IntegrityError as exc:  # a concurrent create took the name between our check and insert
        raise CameraNameTaken(name) from exc
    _replace_inputs(camera, input_urls or [])
    _announce(camera, actor, f"created {name}")
    return camera


@transaction.atomic
def camera_update(*, camera: Camera, actor, input_urls: list[str] | None = None, **fields) -> Camera:
    """Change editable fields of `camera`; `input_urls`, when given, replaces the inputs in order."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"not editable: {', '.join(sorted(unknown))}")
    if "name" in fields and fields["name"] != camera.name:
        raise CameraNameTaken("a camera keeps its name")  # every dialect uses it as the key
    _check_folder(camera.organization, fields.get("folder"))
    for name, value in fields.items():
        setattr(camera, name, value)
    camera.last_change_user = _user_or_none(actor)
    camera.full_clean()
    camera.save()
    if input_urls is not None:
        _replace_inputs(camera, input_urls)
    _announce(camera, actor, f"changed {camera.name}")
    return camera


@transaction.atomic
def camera_set_enabled(*, camera: Camera, enabled: bool, actor) -> Camera:
    """Enable or disable recording and live view; a disabled camera gives up its lease."""
    camera.enabled = enabled
    update = ["enabled", "updated_at", "last_change_user"]
    if not enabled:
        camera.status, camera.status_reason, camera.status_changed_at = (
            CameraStatus.DISABLED,
            "",
            timezone.now(),
        )
        update += ["status", "status_reason", "status_changed_at"]
    camera.last_change_user = _user_or_none(actor)
    camera.save(update_fields=update)
    _announce(camera, actor, f"{'enabled' if enabled else 'disabled'} {camera.name}")
    return camera


@transaction.atomic
def camera_move(*, camera: Camera, folder: Folder | None, actor) -> Camera:
    _check_folder(camera.organization, folder)
    camera.folder = folder
    camera.last_change_user = _user_or_none(actor)
    camera.save(update_fields=["folder", "updated_at", "last_change_user"])
    _announce(camera, actor, f"moved {camera.name} to {folder or 'top level'}")
    return camera


def _user_or_none(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


# --- Watcher stream writes (issue 7): inputs with options, favourites, transfer, delete ---------


INPUT_OPTIONS = frozenset(
    {
        "comment",
        "source_timeout",
        "video_timeout",
        "audio_timeout",
        "frames_timeout",
        "max_retry_timeout",
        "switch_timeout",
        "user_agent",
        "via",
        "output_audio",
        "headers",
    }
)
DELETE_WAIT_SECONDS = 10.0  # a disabled camera's lease is expired within LEASE_SECONDS (8 s)


@transaction.atomic
def camera_inputs_set(*, camera: Camera, inputs: list[dict]) -> None:
    """Make the camera's inputs these, in order; each dict has `url` and any of INPUT_OPTIONS.

    Options not given take the model defaults. A stored username and password stay only with an
    unchanged address, so a client can GET a stream and PUT it back without losing them, while a
    stored password is never sent to a new address. Raises ValidationError keyed
    `inputs.<index>.<field>`.
    """
    existing = {i.position: i for i in camera.inputs.all()}
    errors = {}
    for position, given in enumerate(inputs):
        unknown = set(given) - INPUT_OPTIONS - {"url"}
        if unknown:
            raise TypeError(f"not input fields: {', '.join(sorted(unknown))}")
        old = existing.pop(position, None)
        camera_input = CameraInput(camera=camera, position=position)
        if old is not None:
            camera_input.pk, camera_input.purpose = old.pk, old.purpose
        camera_input.set_url(given.get("url", ""))
        if old is not None and old.url == camera_input.url and not camera_input.username:
            camera_input.username, camera_input.password = old.username, old.password
        for name in INPUT_OPTIONS & set(given):
            setattr(camera_input, name, given[name])
        try:
            camera_input.full_clean(exclude=["camera"], validate_unique=False)
        except ValidationError as exc:
            errors.update({f"inputs.{position}.{k}": v for k, v in exc.message_dict.items()})
            continue
        camera_input.save()
    if errors:
        raise ValidationError(errors)
    CameraInput.objects.filter(pk__in=[i.pk for i in existing.values()]).delete()


def camera_favourite_set(*, camera: Camera, user, favourite: bool) -> None:
    """Add the camera to `user`'s favourites or take it out; idempotent."""
    if favourite:
        camera.favourited_by.add(user)
    else:
        camera.favourited_by.remove(user)


@transaction.atomic
def camera_transfer(*, camera: Camera, organization: Organization, actor) -> Camera:
    """Move a camera to another organization (Watcher `organization_id` change, catalog §5.2.3).

    Only the owner of the camera's current organization or a domain administrator may, and only
    into an organization where they may add cameras; anyone else gets PermissionDenied. The
    target's `max_cameras` is counted under a row lock (CameraLimitReached). What belongs to the
    old organization is let go: the folder, camera grants, its mosaics' cells, the event
    subscriptions of users who are not members of the target, and a preset the target may not use.
    Audited in both organizations; camera.changed goes to both after commit.
    """
    from cameras.access import can_add_cameras  # access imports models only; kept local for clarity

    source = camera.organization
    if organization.pk == source.pk:
        return camera
    is_owner = source.owner_id is not None and source.owner_id == getattr(actor, "pk", None)
    if not (getattr(actor, "is_domain_admin", False) or is_owner):
        raise PermissionDenied("only the owner of the organization may move a camera out of it")
    if not can_add_cameras(actor, organization):
        raise PermissionDenied("you may not add cameras to that organization")
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.max_cameras is not None and organization.cameras.count() >= organization.max_cameras:
        raise CameraLimitReached(f"{organization} may have at most {organization.max_cameras} cameras")
    preset = camera.preset
    if preset is not None and not (
        preset.is_default or preset.organizations.filter(pk=organization.pk).exists()
    ):
        camera.preset = None
    camera.organization, camera.folder = organization, None
    camera.last_change_user = _user_or_none(actor)
    camera.full_clean()
    camera.save()
    CameraGrant.objects.filter(camera=camera).delete()
    MosaicSlot.objects.filter(camera=camera, mosaic__organization=source).update(camera=None)
    camera.event_subscriptions.exclude(user__memberships__organization=organization).delete()
    for org in (source, organization):
        audit_event_record(
            kind=AuditKind.CONFIG_CHANGE,
            actor=actor,
            organization=org,
            object_type="camera",
            object_id=camera.name,
            message=f"moved {camera.name} from {source} to {organization}",
        )
        events.camera_changed_publish(org.pk, camera=camera.name, enabled=camera.enabled)
    return camera


def camera_delete(*, camera: Camera, actor, wait_seconds: float = DELETE_WAIT_SECONDS) -> None:
    """Delete a camera with its archive, after its recorder has stopped cleanly.

    Three steps, so a running recorder closes its segment instead of writing into a deleted camera:
    1. Disable the camera and commit: the recorder's next lease renewal fails (it renews only an
       enabled camera) and it closes its segment and releases the lease; queued tasks cannot claim it.
    2. Wait until no live lease is held (at most `wait_seconds`; an unrenewed lease expires anyway).
    3. In one transaction: delete the archive (files first, then rows), audit, delete the row; its
       episodes, runs, gaps, inputs and grants go with it. camera.changed is published after commit.
    Idempotent: a camera already gone is not an error.
    """
    from recordings.services import camera_archive_purge  # recordings depends on cameras

    if not Camera.objects.filter(pk=camera.pk).exists():
        return
    camera_set_enabled(camera=camera, enabled=False, actor=actor)
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline and _lease_held(camera.pk):
        time.sleep(0.2)
    with transaction.atomic():
        locked = Camera.objects.select_for_update().filter(pk=camera.pk).first()
        if locked is None:
            return
        camera_archive_purge(camera_id=locked.pk)
        audit_event_record(
            kind=AuditKind.CONFIG_CHANGE,
            actor=actor,
            organization=locked.organization,
            object_type="camera",
            object_id=locked.name,
            message=f"deleted {locked.name}",
        )
        events.camera_changed_publish(locked.organization_id, camera=locked.name, deleted=True)
        locked.delete()


def _lease_held(camera_id: int) -> bool:
    """A recorder (not a queued task, which can no longer claim a disabled camera) holds the lease."""
    return (
        Camera.objects.filter(pk=camera_id, lease_expires_at__gt=timezone.now())
        .exclude(lease_owner="")
        .exclude(lease_owner__startswith="queued:")
        .exists()
    )
