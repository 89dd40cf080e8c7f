"""Admin for recording nodes, their placements, Lenz records and agents."""

from django.contrib import admin
from django.db.models import Count

from accounts.admin import ReadOnlyMixin
from cameras import services
from cameras.models import (
    Agent,
    AgentActivationToken,
    CameraPlacement,
    NodeEgress,
    NvrResource,
    RtmpStream,
    Streamer,
)


@admin.register(Streamer)
class StreamerAdmin(admin.ModelAdmin):
    list_display = [
        "hostname",
        "title",
        "kind",
        "role",
        "enabled",
        "online",
        "camera_count",
        "channel_limit",
        "version",
        "last_heartbeat_at",
    ]
    list_filter = ["enabled", "kind", "role"]
    search_fields = ["hostname", "title", "host", "instance"]
    readonly_fields = ["stats", "started_at", "last_heartbeat_at", "created_at", "updated_at"]
    actions = ["enable_nodes", "disable_nodes"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_cameras=Count("cameras"))

    @admin.display(boolean=True, description="online", ordering="last_heartbeat_at")
    def online(self, obj):
        return obj.is_online()

    @admin.display(description="pinned cameras", ordering="n_cameras")
    def camera_count(self, obj):
        return obj.n_cameras

    @admin.action(description="Enable selected nodes")
    def enable_nodes(self, request, queryset):
        count = services.streamer_set_enabled(streamers=queryset, enabled=True, actor=request.user)
        self.message_user(request, f"Enabled {count} nodes.")

    @admin.action(description="Disable selected nodes")
    def disable_nodes(self, request, queryset):
        count = services.streamer_set_enabled(streamers=queryset, enabled=False, actor=request.user)
        self.message_user(request, f"Disabled {count} nodes.")


@admin.register(NodeEgress)
class NodeEgressAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["hostname", "process", "bytes_total", "clients", "updated_at"]
    list_filter = ["hostname"]


@admin.register(CameraPlacement)
class CameraPlacementAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["camera", "streamer", "change_reason", "originator", "created_at"]
    list_filter = ["originator", "streamer"]
    search_fields = ["camera__name", "change_reason"]
    list_select_related = ["camera", "streamer"]
    date_hierarchy = "created_at"


class LenzStreamAdmin(admin.ModelAdmin):
    """Shared by Lenz's two stream records, which differ only in a few columns."""

    list_display = ["stream_id", "stream_node_number", "streamer", "camera", "updated_at"]
    list_filter = ["streamer"]
    search_fields = ["stream_id", "camera__name"]
    list_select_related = ["streamer", "camera"]
    autocomplete_fields = ["streamer", "camera"]


admin.site.register(RtmpStream, LenzStreamAdmin)


@admin.register(NvrResource)
class NvrResourceAdmin(LenzStreamAdmin):
    list_display = [*LenzStreamAdmin.list_display[:-1], "active", "instance", "updated_at"]
    list_filter = ["active", "streamer"]


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    """Agents register themselves; the administrator only assigns one to an organization."""

    list_display = ["agent_id", "serial", "model", "organization", "last_seen_at"]
    search_fields = ["agent_id", "serial", "model"]
    list_filter = ["organization"]
    list_select_related = ["organization"]
    autocomplete_fields = ["organization"]
    exclude = ["key"]  # the agent's own credential
    readonly_fields = ["agent_id", "serial", "model", "stats", "last_seen_at", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(AgentActivationToken)
class AgentActivationTokenAdmin(ReadOnlyMixin, admin.ModelAdmin):
    deletable = True  # deleting an unused token revokes it
    list_display = ["organization", "created_by", "camera", "expires_at", "used_at", "created_at"]
    list_filter = [("used_at", admin.EmptyFieldListFilter), "organization"]
    search_fields = ["organization__title", "created_by__login"]
    list_select_related = ["organization", "created_by", "camera"]
    exclude = ["token_hash"]
