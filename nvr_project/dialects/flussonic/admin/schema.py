"""The OpenAPI schema of the Watcher Admin API alone (STYLE §3.4), served at /api/schema/watcher-admin/."""

from django.contrib.auth.decorators import login_not_required
from drf_spectacular.views import SpectacularAPIView

BASE_PATH = "/watcher/admin-api/v3"

watcher_admin_schema = login_not_required(
    SpectacularAPIView.as_view(
        urlconf="nvr_project.dialects.flussonic.admin.urls",
        custom_settings={
            "TITLE": "Watcher Admin API",
            "DESCRIPTION": "Flussonic Watcher Admin API v3 (shared/spec/watcher-admin-api.md); "
            "paths are relative to the server URL.",
            "SERVERS": [{"url": BASE_PATH}],
        },
    )
)
