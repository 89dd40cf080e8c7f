"""Top-level routes: dashboard apps, admin, health, API schemas, and one include per dialect."""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from nvr_project.dialects.flussonic.admin.schema import watcher_admin_schema
from nvr_project.dialects.flussonic.client.schema import watcher_client_schema
from nvr_project.health import healthz
from organizations.views import floor_plan

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="cameras:live_grid", permanent=False)),
    path("accounts/", include("accounts.urls")),
    path("organizations/", include("organizations.urls")),
    path("cameras/", include("cameras.urls")),
    path("recordings/", include("recordings.dashboard.urls")),
    path("media/", include("recordings.urls")),
    path("flussonic/", include("nvr_project.dialects.flussonic.media.urls")),
    path("admin/", admin.site.urls),
    path("watcher/client-api/v3/", include("nvr_project.dialects.flussonic.client.urls")),
    path("watcher/admin-api/v3/", include("nvr_project.dialects.flussonic.admin.urls")),
    path("healthz", healthz, name="healthz"),
    path("uploads/floor_plans/<str:filename>", floor_plan, name="floor_plan"),
    path("api/schema/", login_not_required(SpectacularAPIView.as_view()), name="api-schema"),
    path("api/schema/watcher-client/", watcher_client_schema, name="api-schema-watcher-client"),
    path("api/schema/watcher-admin/", watcher_admin_schema, name="api-schema-watcher-admin"),
    path(
        "api/docs/",
        # The split view serves its start-up script as a file: the page's CSP runs no inline script.
        login_not_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
]
