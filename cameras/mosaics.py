"""Mosaics (saved live grids): who sees and edits which, their cells, and changes to them.

A mosaic with an owner is that user's own; one without is the organization's, seen by every
member and edited by its administrators. Cells keep their camera when the layout shrinks, so
switching 3×3 → 2×2 → 3×3 loses nothing; only the first `capacity` cells are shown.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from cameras.access import is_organization_admin
from cameras.choices import MosaicLayout
from cameras.models import Camera, Mosaic, MosaicSlot
from organizations.choices import Action
from organizations.exceptions import ObjectNotFound

CAPACITY = {
    MosaicLayout.L1: 1,
    MosaicLayout.L2X2: 4,
    MosaicLayout.L3X3: 9,
    MosaicLayout.L4X4: 16,
    MosaicLayout.L1P5: 6,
    MosaicLayout.L1X7: 8,
    MosaicLayout.L5X5: 25,
    MosaicLayout.L6X6: 36,
    MosaicLayout.L7X7: 49,
    MosaicLayout.L8X8: 64,
}
# The layouts the live grid offers, in the order of its switcher.
GRID_LAYOUTS = [MosaicLayout.L1, MosaicLayout.L2X2, MosaicLayout.L3X3, MosaicLayout.L4X4, MosaicLayout.L1P5]


@dataclass(frozen=True)
class Tile:
    position: int
    camera: Camera | None


# --- selectors ----------------------------------------------------------------------------------
def mosaic_list(*, user, organization) -> list[Mosaic]:
    """The user's own mosaics, then the organization's."""
    mosaics = Mosaic.objects.filter(organization=organization).filter(Q(owner=user) | Q(owner__isnull=True))
    return sorted(mosaics, key=lambda m: (m.owner_id is None, m.title.lower(), m.id))


def access_mosaic(user, mosaic_id, *, organization, edit: bool = False) -> Mosaic:
    """A mosaic the user may see (or, with `edit`, change); anything else is a 404 or a 403."""
    try:
        mosaic_id = int(mosaic_id)
    except (TypeError, ValueError):
        raise ObjectNotFound("mosaic not found") from None
    mosaic = (
        Mosaic.objects.filter(organization=organization, pk=mosaic_id)
        .filter(Q(owner=user) | Q(owner__isnull=True))
        .first()
    )
    if mosaic is None:
        raise ObjectNotFound("mosaic not found")
    if edit and mosaic.owner_id is None and not is_organization_admin(user, organization):
        raise PermissionDenied("Only organization administrators change the organization's mosaics.")
    return mosaic


def mosaic_tiles(*, mosaic: Mosaic, user) -> list[Tile]:
    """The cells the layout shows, each with its camera if the user may watch it live."""
    capacity = CAPACITY.get(mosaic.layout, 4)
    watchable = Camera.objects.for_user(user, Action.LIVE, organization=mosaic.organization)
    cameras = {
        slot.position: slot.camera
        for slot in MosaicSlot.objects.filter(
            mosaic=mosaic, position__lt=capacity, camera__in=watchable
        ).select_related("camera")
    }
    return [Tile(position, cameras.get(position)) for position in range(capacity)]


def default_tiles(*, cameras: list[Camera]) -> tuple[str, list[Tile]]:
    """Without a saved mosaic: the first cameras in the smallest grid that holds them."""
    for layout in (MosaicLayout.L1, MosaicLayout.L2X2, MosaicLayout.L3X3, MosaicLayout.L4X4):
        if len(cameras) <= CAPACITY[layout]:
            break
    capacity = CAPACITY[layout]
    return layout, [Tile(i, cameras[i] if i < len(cameras) else None) for i in range(capacity)]


# --- services -----------------------------------------------------------------------------------
@transaction.atomic
def mosaic_create(*, organization, actor, title: str, layout: str, shared: bool = False) -> Mosaic:
    if shared and not is_organization_admin(actor, organization):
        raise PermissionDenied("Only organization administrators share mosaics with the organization.")
    mosaic = Mosaic(
        organization=organization, owner=None if shared else actor, title=title.strip(), layout=layout
    )
    mosaic.full_clean()
    mosaic.save()
    return mosaic


@transaction.atomic
def mosaic_update(*, mosaic: Mosaic, layout: str | None = None, title: str | None = None) -> Mosaic:
    if layout is not None:
        mosaic.layout = layout
    if title is not None:
        mosaic.title = title.strip()
    mosaic.full_clean()
    mosaic.save()
    return mosaic


@transaction.atomic
def mosaic_slot_set(*, mosaic: Mosaic, position: int, camera: Camera | None) -> None:
    """Put `camera` in the cell (None empties it); a camera already elsewhere in it moves here."""
    if not 0 <= position < CAPACITY.get(mosaic.layout, 0):
        raise ValidationError(
            {"position": f"this layout has cells 0 to {CAPACITY.get(mosaic.layout, 1) - 1}"}
        )
    if camera is not None:
        if camera.organization_id != mosaic.organization_id:
            raise ObjectNotFound("camera not found")
        MosaicSlot.objects.filter(mosaic=mosaic, camera=camera).exclude(position=position).delete()
    MosaicSlot.objects.update_or_create(mosaic=mosaic, position=position, defaults={"camera": camera})
    mosaic.save(update_fields=["updated_at"])


@transaction.atomic
def mosaic_delete(*, mosaic: Mosaic) -> None:
    mosaic.delete()
