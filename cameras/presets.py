"""Presets as organizations see them: which ones a user may use, and attaching them to organizations.

A preset is usable in an organization when it is a default preset or attached to it; deleted
presets (soft delete) are usable nowhere. Attaching and detaching is for domain administrators:
presets are the Watcher administrator's templates (often billing plans), and the owner of an
organization must not pick a richer plan for it (Watcher: "permission to edit Organizations").
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from cameras.models import Camera, Preset
from organizations.choices import AuditKind
from organizations.exceptions import ObjectNotFound
from organizations.models import Organization
from organizations.selectors import organization_list_for_user
from organizations.services import audit_event_record


class PresetInUse(Exception):
    """Cameras of the organization still use the preset being detached."""


def preset_list_usable(*, user, organization: Organization | None = None) -> QuerySet[Preset]:
    """Live presets usable in `organization`, or (None) in any organization the user reaches."""
    live = Preset.objects.filter(deleted_at__isnull=True)
    if organization is not None:
        return live.filter(Q(is_default=True) | Q(organizations=organization)).distinct()
    if user.is_domain_admin:
        return live
    reached = organization_list_for_user(user=user)
    return live.filter(Q(is_default=True) | Q(organizations__in=reached)).distinct()


def _check_admin(actor) -> None:
    if not actor.is_domain_admin:
        raise PermissionDenied("only a domain administrator may change the presets of an organization")


def _audit(organization: Organization, preset: Preset, actor, message: str) -> None:
    audit_event_record(
        kind=AuditKind.CONFIG_CHANGE,
        actor=actor,
        organization=organization,
        object_type="preset",
        object_id=preset.pk,
        message=message,
    )


@transaction.atomic
def organization_preset_attach(*, organization: Organization, preset_id: int, actor) -> Preset:
    """Make a live preset usable in the organization; idempotent.

    PermissionDenied unless domain admin (checked first, so presets cannot be probed); an unknown
    or deleted preset is a ValidationError on `preset_id`.
    """
    _check_admin(actor)
    preset = Preset.objects.filter(deleted_at__isnull=True, pk=preset_id).first()
    if preset is None:
        raise ValidationError({"preset_id": "unknown preset"})
    preset.organizations.add(organization)
    _audit(organization, preset, actor, f"attached preset {preset.title}")
    return preset


@transaction.atomic
def organization_preset_detach(*, organization: Organization, preset_id, actor) -> None:
    """Take an attached preset out of the organization's allowed set.

    ObjectNotFound when it is not attached; PermissionDenied unless domain admin; PresetInUse while
    cameras of the organization use it, unless it is a default preset (usable everywhere anyway):
    silently clearing their preset would change what they record.
    """
    _check_admin(actor)
    try:
        preset = organization.presets.get(pk=int(preset_id))
    except (Preset.DoesNotExist, TypeError, ValueError):
        raise ObjectNotFound("preset not found in this organization") from None
    using = Camera.objects.filter(organization=organization, preset=preset).count()
    if using and not preset.is_default:
        raise PresetInUse(
            f"{using} stream{'' if using == 1 else 's'} of the organization use{'s' if using == 1 else ''} "
            f"“{preset.title}”; choose another preset for them first"
        )
    preset.organizations.remove(organization)
    _audit(organization, preset, actor, f"detached preset {preset.title}")


def preset_get_usable(*, user, preset_id) -> Preset:
    try:
        return preset_list_usable(user=user).get(pk=int(preset_id))
    except (Preset.DoesNotExist, TypeError, ValueError):
        raise ObjectNotFound("preset not found") from None


PRESET_WRITABLE = (
    "title",
    "is_adjustable",
    "is_default",
    "dvr_depth",
    "dvr_space_limit",
    "episodes_expiration",
    "redundancy_factor",
    "vision_alg",
)


@transaction.atomic
def preset_save(*, preset: Preset | None, actor, **fields) -> Preset:
    """Create (`preset=None`) or update a preset with validated values; domain administrators only.

    A preset that is not adjustable overrides the archive settings of the cameras that use it, so
    its changes reach them at the next retention pass.
    """
    _check_admin(actor)
    unknown = set(fields) - set(PRESET_WRITABLE)
    if unknown:
        raise ValueError(f"not writable: {', '.join(sorted(unknown))}")
    creating = preset is None
    preset = preset or Preset()
    for name, value in fields.items():
        setattr(preset, name, value)
    preset.last_change_user = actor
    preset.full_clean()
    preset.save()
    audit_event_record(
        kind=AuditKind.CONFIG_CHANGE,
        actor=actor,
        object_type="preset",
        object_id=preset.pk,
        message=f"{'created' if creating else 'changed'} preset {preset.title}",
    )
    return preset
