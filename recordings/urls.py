from django.urls import path

from . import views

app_name = "media"

urlpatterns = [
    path("<str:name>/live.m3u8", views.live_playlist, name="live_playlist"),
    path("<str:name>/archive.m3u8", views.archive_playlist, name="archive_playlist"),
    path("<str:name>/timeline.json", views.timeline_json, name="timeline"),
    path("<str:name>/availability.json", views.availability_json, name="availability"),
    path("<str:name>/snapshot.jpg", views.snapshot, name="snapshot"),
    path("<str:name>/segments/<int:segment_id>.mp4", views.segment_bytes, name="segment_bytes"),
]
