"""Routes of the Flussonic media URL forms, mounted at /flussonic/ (flussonic-media-urls.md).

A stream name may contain "/" (Flussonic's may, and ours): it is everything before the route's
suffix, all anchored at the end, so `a/b/index.m3u8` is stream `a/b`. `preview.jpg` stays ahead of
`{from}.jpg`. `from` and `duration` are matched loosely so that a malformed one reaches the
view and answers 400 rather than 404.
"""

from django.urls import re_path

from . import files, playlists, status

app_name = "flussonic_media"

NAME = r"^(?P<name>.+)/"
TS = r"(?P<container>\.fmp4|\.ts)?\.m3u8$"  # `.fmp4.m3u8` / `.ts.m3u8` force a container

urlpatterns = [
    re_path(NAME + r"(?:index|index\.fmp4|index\.ll|video)\.m3u8$", playlists.live, name="live"),
    re_path(NAME + r"index\.ts\.m3u8$", playlists.live, {"ts": True}, name="live_ts"),
    re_path(
        NAME + r"(?:archive|index)-(?P<start>[^/-]*)-(?P<duration>[^/.-]*)" + TS, playlists.dvr, name="dvr"
    ),
    re_path(NAME + r"rewind-(?P<seconds>[^/]*?)" + TS, playlists.rewind, name="rewind"),
    re_path(NAME + r"timeshift_abs-(?P<start>[^/]*?)" + TS, playlists.timeshift_abs, name="timeshift_abs"),
    re_path(NAME + r"timeshift_rel-(?P<seconds>[^/]*?)" + TS, playlists.timeshift_rel, name="timeshift_rel"),
    re_path(
        NAME + r"fragments/(?P<segment_id>\d+)-(?P<number>\d+)\.ts$", files.fragment_ts, name="fragment_ts"
    ),
    re_path(
        NAME + r"archive-(?P<start>[^/-]*)-(?P<duration>[^/.-]*)\.(?P<ext>mp4|ts)$",
        files.export,
        name="export",
    ),
    re_path(NAME + r"preview\.(?P<ext>jpg|mp4)$", files.preview_live, name="preview"),
    re_path(NAME + r"(?P<start>[^/-]+)-preview\.(?P<ext>jpg|mp4)$", files.preview_at, name="preview_at"),
    re_path(NAME + r"(?P<start>[^/-]+)\.(?P<ext>jpg)$", files.preview_at, name="jpeg_at"),
    re_path(NAME + r"recording_status\.json$", status.recording_status, name="recording_status"),
    re_path(NAME + r"ranges\.json$", status.ranges, name="ranges"),
    re_path(NAME + r"media_info\.json$", status.media_info, name="media_info"),
    re_path(NAME + r"info\.json$", status.info, name="info"),
]
