"""Mosaics written whole: title, layout and the full cell list at once (the Watcher API's shape).

The who-may rules and the cell-by-cell edits of the dashboard stay in `cameras/mosaics.py`.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from cameras.models import Camera, Mosaic, MosaicSlot
from cameras.mosaics import CAPACITY, mosaic_create, mosaic_update


@transaction.atomic
def mosaic_compose(
    *, organization, actor, title: str, layout: str, cameras: list[Camera | None] | None = None
) -> Mosaic:
    """Create `actor`'s own mosaic in `organization` with `cameras` as its cells (None: empty).

    Raises ValidationError (keys `title`, `layout`, `streams`) as `mosaic_cells_set` does.
    """
    mosaic = mosaic_create(organization=organization, actor=actor, title=title, layout=layout)
    if cameras:
        mosaic_cells_set(mosaic=mosaic, cameras=cameras)
    return mosaic


@transaction.atomic
def mosaic_edit(
    *,
    mosaic: Mosaic,
    title: str | None = None,
    layout: str | None = None,
    cameras: list[Camera | None] | None = None,
) -> Mosaic:
    """Change what is given; `cameras` (when given) replaces every cell. A smaller layout without
    `cameras` keeps the cells past its end, as the dashboard does, so switching back loses nothing."""
    mosaic = mosaic_update(mosaic=mosaic, title=title, layout=layout)
    if cameras is not None:
        mosaic_cells_set(mosaic=mosaic, cameras=cameras)
    return mosaic


@transaction.atomic
def mosaic_cells_set(*, mosaic: Mosaic, cameras: list[Camera | None]) -> None:
    """Make `cameras` the cells in order (None: empty) and empty every other cell.

    ValidationError for more cells than the layout has, a camera in two cells, or a camera of
    another organization (callers check visibility first and point at the cell themselves).
    """
    capacity = CAPACITY.get(mosaic.layout, 0)
    if len(cameras) > capacity:
        raise ValidationError({"streams": f"the {mosaic.layout} layout has {capacity} cells"})
    placed = [camera.pk for camera in cameras if camera is not None]
    if len(placed) != len(set(placed)):
        raise ValidationError({"streams": "a camera can fill one cell of a mosaic only"})
    if any(c is not None and c.organization_id != mosaic.organization_id for c in cameras):
        raise ValidationError({"streams": "every camera must belong to the mosaic's organization"})
    MosaicSlot.objects.filter(mosaic=mosaic).delete()
    MosaicSlot.objects.bulk_create(
        MosaicSlot(mosaic=mosaic, position=position, camera=camera)
        for position, camera in enumerate(cameras)
        if camera is not None
    )
    mosaic.save(update_fields=["updated_at"])
