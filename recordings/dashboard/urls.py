"""Dashboard pages of recordings, mounted at /recordings/."""

from django.urls import path

from recordings.dashboard import daily, episodes, exports, storage, timeline

app_name = "recordings"
urlpatterns = [
    path("timeline/", timeline.TimelineView.as_view(), name="timeline"),
    path("daily/", daily.DailyPlaybackView.as_view(), name="daily"),
    path("exports/", exports.ExportListView.as_view(), name="export_list"),
    path("exports/<uuid:public_id>/cancel/", exports.ExportCancelView.as_view(), name="export_cancel"),
    path("episodes/", episodes.EpisodeListView.as_view(), name="episode_list"),
    path("storage/", storage.StorageView.as_view(), name="storage"),
]
