"""The OpenAPI schema of the Watcher Admin API alone (STYLE §3.4), served at /api/schema/watcher-admin/."""

from django.contrib.auth.decorators import login_not_required
from drf_spectacular.views import SpectacularAPIView

from ..openapi import COMPONENTS, ERROR_RESPONSE

BASE_PATH = "/watcher/admin-api/v3"

watcher_admin_schema = login_not_required(
    SpectacularAPIView.as_view(
        urlconf="nvr_project.dialects.flussonic.admin.urls",
        custom_settings={
            "TITLE": "Watcher Admin API",
            "DESCRIPTION": "Flussonic Watcher Admin API v3 (shared/spec/watcher-admin-api.md); "
            "paths are relative to the server URL.",
            "SERVERS": [{"url": BASE_PATH}],
            "APPEND_COMPONENTS": {"schemas": COMPONENTS},
            "POSTPROCESSING_HOOKS": [
                "drf_spectacular.hooks.postprocess_schema_enums",
                "nvr_project.dialects.flussonic.admin.schema.forbidden_documented",
            ],
        },
    )
)


def forbidden_documented(result, generator, request, public):
    """Every Admin API operation but `login_create` answers 403 to anyone but a domain administrator
    (catalog §2), including those whose views it shares with the Client API."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and operation.get("operationId") not in (None, "login_create"):
                operation.setdefault("responses", {}).setdefault("403", FORBIDDEN)
    return result


FORBIDDEN = {
    "description": "authenticated, but not a domain administrator",
    "content": {"application/json": {"schema": ERROR_RESPONSE}},
}
