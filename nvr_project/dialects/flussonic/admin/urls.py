"""Routes of the Watcher Admin API, mounted at /watcher/admin-api/v3/ (catalog §5.0).

Stream sub-resources must stay ahead of `streams/<path:name>`, and the catch-all that answers an
unknown path with a catalog 404 stays last.
"""

from django.urls import path, re_path

from ..not_found import unknown_path
from . import presets, streams, users
from .agents import AgentListView
from .cluster import ClusterStatsView
from .config import DomainConfigView, SystemConfigView
from .events import EventListView
from .login import LoginView
from .stream_layouts import StreamLayoutsView, StreamPreviewView
from .streamer_edit import StreamerDetailView, StreamerPreviewView
from .streamers import StreamerListView

app_name = "watcher_admin"

urlpatterns = [
    path("agents", AgentListView.as_view(), name="agents_list"),
    path("cluster/stats", ClusterStatsView.as_view(), name="cluster_stats_get"),
    path("domain_config", DomainConfigView.as_view(), name="domain_config_get"),  # also domain_config_save
    path("events", EventListView.as_view(), name="events_list"),
    path("login", LoginView.as_view(), name="login_create"),
    path("streamers", StreamerListView.as_view(), name="streamers_list"),
    path("streamers/<str:hostname>", StreamerDetailView.as_view(), name="streamer_get"),  # also streamer_save
    path(
        "streamers/<str:hostname>/preview_layout_change",
        StreamerPreviewView.as_view(),
        name="preview_layout_change_for_streamer_config",
    ),
    path("streams/<path:name>/layouts", StreamLayoutsView.as_view(), name="stream_layouts_get"),
    path(
        "streams/<path:name>/preview_layout_change",
        StreamPreviewView.as_view(),
        name="preview_layout_change_for_stream_config",
    ),
    *streams.urlpatterns,
    streams.stream_route,  # after the stream sub-resources above
    path("system_config", SystemConfigView.as_view(), name="system_config_get"),
    *presets.urlpatterns,
    *users.urlpatterns,
    # Last: anything else under the prefix is a catalog 404, newlines included (`<path:…>` is `.+`,
    # which stops at one; `(?s)` would make every reverse() of the project fail).
    re_path(r"^(?P<unknown>[\s\S]+)\Z", unknown_path),
]
