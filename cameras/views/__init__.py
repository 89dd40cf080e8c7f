"""Dashboard pages of cameras: the list and forms, the camera page, and the live grid."""

from cameras.views.cameras import (
    CameraCreateView,
    CameraEditView,
    CameraListView,
    CameraToggleView,
    htmx_partial,
    render_page,
)
from cameras.views.mosaics import LiveGridView, MosaicSaveView
from cameras.views.watch import CameraWatchView

__all__ = [
    "CameraCreateView",
    "CameraEditView",
    "CameraListView",
    "CameraToggleView",
    "CameraWatchView",
    "LiveGridView",
    "MosaicSaveView",
    "htmx_partial",
    "render_page",
]
