from django.urls import path

from . import views

app_name = "media"

urlpatterns = [
    path("exports/<uuid:public_id>", views.export_status, name="export_status"),
    path("exports/<uuid:public_id>/cancel", views.export_cancel, name="export_cancel"),
    path("exports/<uuid:public_id>.mp4", views.export_download, name="export_download"),
    path("<path:name>/exports", views.export_create, name="export_create"),
    path("<path:name>/live.m3u8", views.live_playlist, name="live_playlist"),
    path("<path:name>/archive.m3u8", views.archive_playlist, name="archive_playlist"),
    path("<path:name>/timeline.json", views.timeline_json, name="timeline"),
    path("<path:name>/availability.json", views.availability_json, name="availability"),
    path("<path:name>/info.json", views.media_info, name="info"),
    path("<path:name>/snapshot.jpg", views.snapshot, name="snapshot"),
    path("<path:name>/segments/<int:segment_id>.mp4", views.segment_bytes, name="segment_bytes"),
]
