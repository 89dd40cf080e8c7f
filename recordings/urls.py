from django.urls import path

from . import views

app_name = "media"

urlpatterns = [
    path("exports/<uuid:public_id>", views.export_status, name="export_status"),
    path("exports/<uuid:public_id>/cancel", views.export_cancel, name="export_cancel"),
    path("exports/<uuid:public_id>.mp4", views.export_download, name="export_download"),
    path("<str:name>/exports", views.export_create, name="export_create"),
    path("<str:name>/live.m3u8", views.live_playlist, name="live_playlist"),
    path("<str:name>/archive.m3u8", views.archive_playlist, name="archive_playlist"),
    path("<str:name>/timeline.json", views.timeline_json, name="timeline"),
    path("<str:name>/availability.json", views.availability_json, name="availability"),
    path("<str:name>/info.json", views.media_info, name="info"),
    path("<str:name>/snapshot.jpg", views.snapshot, name="snapshot"),
    path("<str:name>/segments/<int:segment_id>.mp4", views.segment_bytes, name="segment_bytes"),
]
