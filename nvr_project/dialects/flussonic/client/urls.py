"""Routes of the Watcher Client API, mounted at /watcher/client-api/v3/ (catalog §5.0).

Each group module exports its own `urlpatterns`. The stream device routes (`/streams/import`,
`/streams/{name}/camera_config`, …) must stay ahead of `streams/<path:name>` (§9), and the catch-all
that answers an unknown path with a catalog 404 stays last.
"""

from django.urls import path, re_path

from ..not_found import unknown_path
from . import (
    agents,
    api_keys,
    folder_users,
    messages,
    notifications,
    organization_users,
    password,
    persons,
    presets,
    stream_device,
    users,
)
from .episodes import episodes_list
from .folders import FolderDetailView, FolderListView
from .login import LoginView
from .mosaics import MosaicDetailView, MosaicListView
from .organizations import OrganizationDetailView, OrganizationListView
from .profile import ProfileView
from .stream_edit import StreamView
from .streams import StreamListView
from .ui_settings import UiSettingsView

app_name = "watcher_client"

urlpatterns = [
    *stream_device.urlpatterns,
    path("episodes", episodes_list, name="episodes_list"),  # async: the long-poll waits on the loop
    path("login", LoginView.as_view(), name="login_create"),
    path("mosaics", MosaicListView.as_view(), name="mosaics_list"),
    path("mosaics/<int:mosaic_id>", MosaicDetailView.as_view(), name="mosaic_get"),
    path("organizations", OrganizationListView.as_view(), name="organizations_list"),
    path("organizations/<int:organization_id>", OrganizationDetailView.as_view(), name="organization_get"),
    path("organizations/<int:organization_id>/folders", FolderListView.as_view(), name="folder_list"),
    path(
        "organizations/<int:organization_id>/folders/<int:folder_id>",
        FolderDetailView.as_view(),
        name="folder_get",
    ),
    path("profile", ProfileView.as_view(), name="profile_get"),
    path("streams", StreamListView.as_view(), name="streams_list"),
    path("streams/<path:name>", StreamView.as_view(), name="stream_get"),  # also stream_save, stream_delete
    path("ui_settings", UiSettingsView.as_view(), name="ui_settings_get"),
    *agents.urlpatterns,
    *api_keys.urlpatterns,
    *folder_users.urlpatterns,
    *messages.urlpatterns,
    *notifications.urlpatterns,
    *organization_users.urlpatterns,
    *password.urlpatterns,
    *persons.urlpatterns,
    *presets.urlpatterns,
    *users.urlpatterns,
    # Last: anything else under the prefix is a catalog 404, newlines included (`<path:…>` is `.+`,
    # which stops at one; `(?s)` would make every reverse() of the project fail).
    re_path(r"^(?P<unknown>[\s\S]+)\Z", unknown_path),
]
