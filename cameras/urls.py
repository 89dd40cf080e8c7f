"""Dashboard routes of cameras. Camera names may contain "/", hence the path converter (and the
camera page last, so `…/edit/`, `…/toggle/` and `…/access/` are never taken for a name)."""

from django.urls import path

from cameras import views

app_name = "cameras"
urlpatterns = [
    path("", views.CameraListView.as_view(), name="camera_list"),
    path("new/", views.CameraCreateView.as_view(), name="camera_create"),
    path("live/", views.LiveGridView.as_view(), name="live_grid"),
    path("live/mosaics/", views.MosaicSaveView.as_view(), name="mosaic_save"),
    path("folders/", views.FolderTreeView.as_view(), name="folder_tree"),
    path("folders/move/", views.FolderMoveView.as_view(), name="folder_move"),
    path("folders/new/", views.FolderCreateView.as_view(), name="folder_create"),
    path("folders/<int:pk>/rename/", views.FolderRenameView.as_view(), name="folder_rename"),
    path("folders/<int:pk>/delete/", views.FolderDeleteView.as_view(), name="folder_delete"),
    path("probe/", views.CameraProbeView.as_view(), name="camera_probe"),
    path("<path:name>/edit/", views.CameraEditView.as_view(), name="camera_edit"),
    path("<path:name>/toggle/", views.CameraToggleView.as_view(), name="camera_toggle"),
    path("<path:name>/access/", views.CameraAccessView.as_view(), name="camera_access"),
    path("<path:name>/", views.CameraWatchView.as_view(), name="camera_watch"),
]
