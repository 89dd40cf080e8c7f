"""The OpenAPI schema of the Watcher Client API alone (STYLE §3.4), served at /api/schema/watcher-client/."""

from django.contrib.auth.decorators import login_not_required
from drf_spectacular.views import SpectacularAPIView

from ..openapi import COMPONENTS

BASE_PATH = "/watcher/client-api/v3"

watcher_client_schema = login_not_required(
    SpectacularAPIView.as_view(
        urlconf="nvr_project.dialects.flussonic.client.urls",
        custom_settings={
            "TITLE": "Watcher Client API",
            "DESCRIPTION": "Flussonic Watcher Client API v3 (shared/spec/watcher-client-api.md); "
            "paths are relative to the server URL.",
            "SERVERS": [{"url": BASE_PATH}],
            # Raw item schemas the views register with openapi.component(); filled as they import.
            "APPEND_COMPONENTS": {"schemas": COMPONENTS},
        },
    )
)
