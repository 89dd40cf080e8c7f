"""Admin for cameras, their inputs, grants, zones and event subscriptions."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError

from accounts.admin import SecretFieldsForm
from cameras.models import (
    Camera,
    CameraGrant,
    CameraInput,
    DetectionZone,
    EventSubscription,
)
from cameras.services import EDITABLE_FIELDS, camera_create, camera_move, camera_set_enabled, camera_update
from organizations.admin import GRANT_FIELDS
from organizations.exceptions import ObjectNotFound
from organizations.models import Folder

TOP_LEVEL = "top"
OBSERVED = [
    ("status", "status_reason", "status_changed_at"),
    ("video_codec", "audio_codec", "audio_transcoded"),
    ("width", "height", "fps", "bitrate"),
    ("last_frame_at", "last_refresh_at"),
    ("lease_owner", "lease_expires_at"),
    "stats",
]
OBSERVED_FIELDS = [name for row in OBSERVED for name in ((row,) if isinstance(row, str) else row)]


class CameraInputForm(SecretFieldsForm):
    """Credentials typed into the URL move to username/password through `CameraInput.set_url`."""

    secret_fields = ("password",)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("url"):
            row = self.instance
            row.username, row.password = cleaned.get("username", ""), cleaned.get("password", "")
            row.set_url(cleaned["url"])
            cleaned.update(url=row.url, username=row.username, password=row.password)
        return cleaned


class CameraForm(SecretFieldsForm):
    """Checks what the services would refuse, so the admin shows a form error rather than a 500."""

    secret_fields = ("onvif_password",)

    def clean(self):
        cleaned = super().clean()
        org = cleaned.get("organization") if "organization" in self.fields else self.instance.organization
        if org is None:
            return cleaned
        folder, preset = cleaned.get("folder"), cleaned.get("preset")
        if folder is not None and folder.organization_id != org.pk:
            self.add_error("folder", "This folder belongs to another organization.")
        if preset is not None and not (preset.is_default or preset.organizations.filter(pk=org.pk).exists()):
            self.add_error("preset", "This preset is not available to the camera's organization.")
        limit = org.max_cameras
        if self.instance._state.adding and limit is not None and org.cameras.count() >= limit:
            raise ValidationError(f"{org} may have at most {limit} cameras.")
        return cleaned


def folder_choices() -> list:
    """Every folder as "Parent / Child", grouped by organization, after a "top level" choice."""
    folders = list(Folder.objects.select_related("organization").order_by("organization__title", "id"))
    by_id, groups = {f.pk: f for f in folders}, {}
    for folder in folders:
        parts, node = [], folder
        while node is not None and len(parts) < 32:  # 32 bounds a cycle left by a bad write
            parts.append(node.title)
            node = by_id.get(node.parent_id)
        groups.setdefault(folder.organization, []).append((str(folder.pk), " / ".join(reversed(parts))))
    grouped = [(str(org), sorted(items, key=lambda item: item[1])) for org, items in groups.items()]
    return [("", "---------"), (TOP_LEVEL, "Top level (no folder)"), *grouped]


class CameraActionForm(ActionForm):
    folder = forms.ChoiceField(required=False, label="Folder (for “Move”):")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["folder"].choices = folder_choices()


class CameraInputInline(admin.StackedInline):
    model = CameraInput
    form = CameraInputForm
    extra = 0
    fields = [
        ("position", "purpose"),
        "url",
        ("username", "password"),
        "comment",
        ("via", "output_audio"),
        ("source_timeout", "video_timeout", "audio_timeout"),
        ("frames_timeout", "max_retry_timeout", "switch_timeout"),
        "user_agent",
        "headers",
        "options",
    ]


class CameraGrantInline(admin.TabularInline):
    model = CameraGrant
    autocomplete_fields = ["user"]
    fields = ["user", *GRANT_FIELDS]
    extra = 0


class DetectionZoneInline(admin.TabularInline):
    model = DetectionZone
    fields = ["zone_id", "name", "enabled", "color", "polygon", "filter_classes", "min_confidence"]
    extra = 0
    classes = ["collapse"]


@admin.register(Camera)
class CameraAdmin(admin.ModelAdmin):
    form = CameraForm
    action_form = CameraActionForm
    list_display = [
        "name",
        "title",
        "organization",
        "folder",
        "enabled",
        "record",
        "status",
        "streamer",
        "last_frame_at",
    ]
    list_filter = ["enabled", "status", "record", "privacy_mode", "is_onvif", "streamer", "organization"]
    search_fields = ["name", "title", "tags", "comment", "organization__title", "folder__title"]
    list_select_related = ["organization", "folder", "streamer"]
    autocomplete_fields = ["organization", "folder", "preset", "streamer"]
    ordering = ["organization__title", "position", "name"]
    inlines = [CameraInputInline, CameraGrantInline, DetectionZoneInline]
    actions = ["enable_cameras", "disable_cameras", "move_to_folder"]
    fieldsets = [
        (
            "Identity",
            {
                "fields": [
                    ("organization", "name"),
                    ("title", "folder", "position"),
                    "comment",
                    ("enabled", "static", "named_by"),
                    ("preset", "streamer"),
                    "tags",
                    "custom_data",
                    ("last_change_user", "created_at", "updated_at"),
                ]
            },
        ),
        (
            "Source and recording",
            {
                "fields": [
                    ("rtsp_transport", "segment_duration", "streaming_enabled", "privacy_mode"),
                    ("record", "record_audio", "audio_transcode_codec"),
                    ("record_on_schedule", "recording_schedule"),
                    ("detection_record_on_schedule", "detection_recording_schedule"),
                    ("admin_url", "publish_url", "agent_id"),
                    ("dialect_extra", "config_override"),
                ]
            },
        ),
        (
            "Archive",
            {
                "fields": [
                    ("dvr_depth", "dvr_space_limit", "episodes_expiration", "detection_dvr_depth"),
                    ("redundancy_factor", "storage_priority", "retention_tiers"),
                    "storage_key",
                ]
            },
        ),
        (
            "Detection",
            {
                "classes": ["collapse"],
                "fields": [
                    ("detection_based_recording", "notifications_enabled"),
                    ("detection_model", "detection_threshold", "detection_interval"),
                    ("pre_detection_buffer", "post_detection_buffer"),
                    ("detection_object_filter", "detection_object_filter_list"),
                    "vision",
                ],
            },
        ),
        ("Location", {"fields": [("latitude", "longitude"), "postal_address"]}),
        (
            "ONVIF/PTZ",
            {
                "classes": ["collapse"],
                "fields": [
                    ("is_onvif", "onvif_url", "onvif_port", "onvif_profile"),
                    ("onvif_username", "onvif_password"),
                    ("ptz_enabled", "ptz_has_home", "ptz_max_x", "ptz_max_y", "ptz_max_z"),
                    ("device_config", "firmware_update_started_at"),
                ],
            },
        ),
        ("Observed by the recorder", {"fields": OBSERVED}),
    ]

    def get_fieldsets(self, request, obj=None):
        return self.fieldsets if obj is not None else self.fieldsets[:-1]

    def get_readonly_fields(self, request, obj=None):
        fixed = ["organization", "name"] if obj is not None else []  # every dialect keys on the name
        return [*fixed, "storage_key", "last_change_user", "created_at", "updated_at", *OBSERVED_FIELDS]

    def save_model(self, request, obj, form, change):
        fields = {name: value for name, value in form.cleaned_data.items() if name in EDITABLE_FIELDS}
        if change:
            camera_update(camera=obj, actor=request.user, **fields)
            return
        camera = camera_create(organization=obj.organization, actor=request.user, **fields)
        obj.pk, obj._state.adding, obj._state.db = camera.pk, False, camera._state.db  # inlines attach to obj

    def _set_enabled(self, request, queryset, enabled: bool) -> None:
        cameras = list(queryset.select_related("organization"))
        for camera in cameras:
            camera_set_enabled(camera=camera, enabled=enabled, actor=request.user)
        self.message_user(request, f"{'Enabled' if enabled else 'Disabled'} {len(cameras)} cameras.")

    @admin.action(description="Enable selected cameras")
    def enable_cameras(self, request, queryset):
        self._set_enabled(request, queryset, True)

    @admin.action(description="Disable selected cameras")
    def disable_cameras(self, request, queryset):
        self._set_enabled(request, queryset, False)

    @admin.action(description="Move selected cameras to folder")
    def move_to_folder(self, request, queryset):
        choice = request.POST.get("folder", "")
        folder = Folder.objects.filter(pk=choice).first() if choice.isdigit() else None
        if choice != TOP_LEVEL and folder is None:
            self.message_user(request, "Choose a folder, or the top level, first.", messages.ERROR)
            return
        moved, refused = 0, []
        for camera in queryset.select_related("organization"):
            try:
                camera_move(camera=camera, folder=folder, actor=request.user)
                moved += 1
            except ObjectNotFound:
                refused.append(camera.name)
        if moved:
            self.message_user(request, f"Moved {moved} cameras to {folder or 'the top level'}.")
        if refused:
            self.message_user(
                request,
                f"Not moved, {folder} belongs to another organization: {', '.join(refused)}.",
                messages.ERROR,
            )


@admin.register(CameraInput)
class CameraInputAdmin(admin.ModelAdmin):
    form = CameraInputForm
    fields = ["camera", *CameraInputInline.fields]
    list_display = ["camera", "position", "purpose", "url", "username"]
    list_filter = ["purpose"]
    search_fields = ["url", "camera__name", "camera__title"]
    list_select_related = ["camera"]
    autocomplete_fields = ["camera"]


@admin.register(CameraGrant)
class CameraGrantAdmin(admin.ModelAdmin):
    list_display = ["user", "camera", *GRANT_FIELDS[:-1]]
    list_filter = ["can_archive", "can_export", "can_ptz", "can_manage"]
    search_fields = ["user__login", "camera__name", "camera__title"]
    list_select_related = ["user", "camera"]
    autocomplete_fields = ["user", "camera"]


@admin.register(DetectionZone)
class DetectionZoneAdmin(admin.ModelAdmin):
    list_display = ["name", "zone_id", "camera", "enabled", "min_confidence"]
    list_filter = ["enabled"]
    search_fields = ["name", "zone_id", "camera__name"]
    list_select_related = ["camera"]
    autocomplete_fields = ["camera"]


@admin.register(EventSubscription)
class EventSubscriptionAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "camera",
        "on_generic",
        "on_vehicle",
        "on_face",
        "on_stream_dead",
        "notification_type",
        "notification_frequency",
        "last_notified_at",
    ]
    list_filter = ["notification_type", "on_stream_dead"]
    search_fields = ["user__login", "camera__name"]
    list_select_related = ["user", "camera"]
    autocomplete_fields = ["user", "camera"]
