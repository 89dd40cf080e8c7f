"""Dashboard routes of cameras. Camera names may contain "/", hence the path converter (and the
camera page last, so `…/edit/` and `…/toggle/` are never taken for a name)."""

from django.urls import path

from cameras import views

app_name = "cameras"
urlpatterns = [
    path("", views.CameraListView.as_view(), name="camera_list"),
    path("new/", views.CameraCreateView.as_view(), name="camera_create"),
    path("live/", views.LiveGridView.as_view(), name="live_grid"),
    path("live/mosaics/", views.MosaicSaveView.as_view(), name="mosaic_save"),
    path("<path:name>/edit/", views.CameraEditView.as_view(), name="camera_edit"),
    path("<path:name>/toggle/", views.CameraToggleView.as_view(), name="camera_toggle"),
    path("<path:name>/", views.CameraWatchView.as_view(), name="camera_watch"),
]
