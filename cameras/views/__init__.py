"""Dashboard pages of cameras: the list and forms, the camera page, the live grid, folders and access."""

from cameras.views.cameras import (
    CameraCreateView,
    CameraEditView,
    CameraListView,
    CameraProbeView,
    CameraToggleView,
    htmx_partial,
    render_page,
)
from cameras.views.folders import (
    FolderCreateView,
    FolderDeleteView,
    FolderMoveView,
    FolderRenameView,
    FolderTreeView,
)
from cameras.views.mosaics import LiveGridView, MosaicSaveView
from cameras.views.permissions import CameraAccessView
from cameras.views.watch import CameraWatchView

__all__ = [
    "CameraAccessView",
    "CameraCreateView",
    "CameraEditView",
    "CameraListView",
    "CameraProbeView",
    "CameraToggleView",
    "CameraWatchView",
    "FolderCreateView",
    "FolderDeleteView",
    "FolderMoveView",
    "FolderRenameView",
    "FolderTreeView",
    "LiveGridView",
    "MosaicSaveView",
    "htmx_partial",
    "render_page",
]
