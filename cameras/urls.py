"""Dashboard routes of cameras. Camera names may contain "/", hence the path converter."""

from django.urls import path

from cameras import views

app_name = "cameras"
urlpatterns = [
    path("", views.CameraListView.as_view(), name="camera_list"),
    path("new/", views.CameraCreateView.as_view(), name="camera_create"),
    path("<path:name>/edit/", views.CameraEditView.as_view(), name="camera_edit"),
    path("<path:name>/toggle/", views.CameraToggleView.as_view(), name="camera_toggle"),
]
