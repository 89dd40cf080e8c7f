"""Admin for recordings: the recorder owns the index, so most of it is read-only here."""

from django.contrib import admin, messages
from django.db.models import Count
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from accounts.admin import ReadOnlyMixin
from recordings.models import (
    Detection,
    Episode,
    Gap,
    Job,
    Person,
    PersonList,
    RetentionPolicy,
    Run,
    Segment,
    SegmentTag,
)
from recordings.services import job_request_cancel, segment_set_protected


def field_names(model, *, keep=()) -> list[str]:
    """Concrete field names of `model` minus the id and `keep`: the read-only part of a form."""
    return [f.name for f in model._meta.fields if f.editable and f.name != "id" and f.name not in keep]


class SegmentTagInline(admin.TabularInline):
    model = SegmentTag
    extra = 0


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    """Only `protected` and `retention_until` are the administrator's; no adding, no deleting rows."""

    list_display = ["camera", "started_at", "ended_at", "duration", "size", "complete", "protected"]
    list_filter = ["complete", "protected", "trigger", "retention_tier", "camera__organization"]
    search_fields = ["camera__name", "camera__title", "path"]
    list_select_related = ["camera"]
    date_hierarchy = "started_at"
    ordering = ["-started_at"]
    show_full_result_count = False  # millions of rows: skip the unfiltered COUNT(*)
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "camera",
                    "streamer",
                    "path",
                    "run_id",
                    "started_at",
                    "ended_at",
                    "duration",
                    "size",
                    "trigger",
                    "complete",
                ]
            },
        ),
        ("Retention", {"fields": ["protected", "retention_until", "retention_tier"]}),
        (
            "Media",
            {
                "fields": [
                    "video_codec",
                    "audio_codec",
                    "width",
                    "height",
                    "fps",
                    "init_size",
                    "fragment_count",
                ]
            },
        ),
        ("History", {"fields": ["created_at", "updated_at"]}),
    ]
    readonly_fields = [
        *field_names(Segment, keep=("protected", "retention_until")),
        "duration",
        "size",
        "updated_at",
    ]
    inlines = [SegmentTagInline]
    actions = ["protect", "unprotect"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # deleting a row would orphan its file; retention removes both

    @admin.display(ordering="bytes")
    def size(self, obj):
        return filesizeformat(obj.bytes)

    def save_model(self, request, obj, form, change):
        if "protected" in form.changed_data:
            segment_set_protected(segments=[obj], protected=obj.protected, actor=request.user)
        obj.save(update_fields=["retention_until", "updated_at"])

    def _set_protected(self, request, queryset, protected: bool) -> None:
        segments = queryset.select_related(None).only("pk")  # not the index blobs of every row
        count = segment_set_protected(segments=segments, protected=protected, actor=request.user)
        self.message_user(request, f"{'Protected' if protected else 'Unprotected'} {count} segments.")

    @admin.action(description="Protect selected segments", permissions=["change"])
    def protect(self, request, queryset):
        self._set_protected(request, queryset, True)

    @admin.action(description="Unprotect selected segments", permissions=["change"])
    def unprotect(self, request, queryset):
        self._set_protected(request, queryset, False)


@admin.register(SegmentTag)
class SegmentTagAdmin(admin.ModelAdmin):
    list_display = ["tag", "segment"]
    search_fields = ["tag", "segment__camera__name"]
    list_select_related = ["segment"]
    autocomplete_fields = ["segment"]


@admin.register(Gap)
class GapAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Written by the recorder for every outage; nobody adds, edits or deletes one."""

    list_display = ["camera", "started_at", "ended_at", "reason", "detail"]
    list_filter = ["reason", ("ended_at", admin.EmptyFieldListFilter), "camera__organization"]
    search_fields = ["camera__name", "detail"]
    list_select_related = ["camera"]
    date_hierarchy = "started_at"
    ordering = ["-started_at"]
    show_full_result_count = False


@admin.register(Run)
class RunAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Recorded ranges the recorder keeps beside its segments, for timelines; read-only."""

    list_display = ["camera", "started_at", "ended_at", "run_id"]
    list_filter = ["camera__organization"]
    search_fields = ["camera__name", "=run_id"]
    list_select_related = ["camera"]
    date_hierarchy = "started_at"
    ordering = ["-started_at"]
    show_full_result_count = False


@admin.register(Episode)
class EpisodeAdmin(admin.ModelAdmin):
    list_display = ["camera", "episode_type", "title", "opened_at", "closed_at", "close_reason"]
    list_filter = ["episode_type", ("closed_at", admin.EmptyFieldListFilter), "camera__organization"]
    search_fields = ["camera__name", "title", "description"]
    list_select_related = ["camera"]
    autocomplete_fields = ["camera"]
    readonly_fields = ["updated_at"]
    date_hierarchy = "opened_at"
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        obj.updated_at = timezone.now()  # clients sync with updated_at_gt, so every edit must move it
        super().save_model(request, obj, form, change)


@admin.register(Detection)
class DetectionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    deletable = True
    list_display = ["label", "confidence", "camera", "zone_id", "detected_at", "episode"]
    list_filter = ["label", "camera__organization"]
    search_fields = ["label", "camera__name", "zone_id"]
    list_select_related = ["camera", "episode"]
    date_hierarchy = "detected_at"
    show_full_result_count = False


@admin.register(PersonList)
class PersonListAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "person_count", "created_at"]
    list_filter = ["organization"]
    search_fields = ["name", "organization__title"]
    list_select_related = ["organization"]
    autocomplete_fields = ["organization"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_persons=Count("persons"))

    @admin.display(description="persons", ordering="n_persons")
    def person_count(self, obj):
        return obj.n_persons


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "external_id",
        "organization",
        "person_list",
        "originator",
        "last_seen_at",
        "deleted_at",
    ]
    list_filter = ["originator", ("deleted_at", admin.EmptyFieldListFilter), "organization"]
    search_fields = ["name", "external_id"]
    list_select_related = ["organization", "person_list"]
    autocomplete_fields = ["organization", "person_list"]
    exclude = ["photos"]  # base64 images; the API manages them
    readonly_fields = ["photo_count", "first_seen_at", "last_seen_at", "updated_at"]

    @admin.display(description="photos")
    def photo_count(self, obj):
        return len(obj.photos or [])

    def save_model(self, request, obj, form, change):
        obj.updated_at = timezone.now()  # the sync key of person lists
        super().save_model(request, obj, form, change)


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "scope",
        "enabled",
        "max_age",
        "max_size",
        "episodes_max_age",
        "cleanup_time",
        "last_run_at",
    ]
    list_filter = ["scope", "enabled"]
    search_fields = ["organization__title", "streamer__hostname"]
    list_select_related = ["organization", "streamer"]
    autocomplete_fields = ["organization", "streamer"]
    readonly_fields = ["last_run_at", "created_at", "updated_at"]
    actions = ["run_retention_now", "check_and_sync_now"]

    @admin.action(description="Run retention now (every camera's limits and the free-space floor)")
    def run_retention_now(self, request, queryset):
        from recordings.retention import retention_run

        report = retention_run()
        freed = filesizeformat(report.deleted_bytes)
        text = f"Retention ran: {report.deleted_segments} segments ({freed}) deleted."
        if report.over_quota:
            names = ", ".join(sorted(str(item.get("camera")) for item in report.over_quota))
            text += f" Protected footage keeps these cameras over their limits: {names}."
        if report.below_floor:
            text += " Still below the free-space floor: nothing unprotected is left to delete."
        self.message_user(request, text, level=messages.WARNING if report.below_floor else messages.SUCCESS)

    @admin.action(description="Check and sync the index with the disk for the selected policies' cameras")
    def check_and_sync_now(self, request, queryset):
        from recordings.retention import policy_cameras
        from recordings.sync import sync_request

        camera_ids = sorted({pk for policy in queryset for pk in policy_cameras(policy)})
        job = sync_request(user=request.user, organization=None, camera_ids=camera_ids)
        self.message_user(
            request, f"Check and sync of {len(camera_ids)} cameras queued as job {job.public_id}."
        )

    @admin.display(description="max bytes", ordering="max_bytes")
    def max_size(self, obj):
        return filesizeformat(obj.max_bytes) if obj.max_bytes else "-"


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Jobs belong to their Celery tasks; the administrator may only ask one to stop."""

    list_display = [
        "public_id",
        "kind",
        "status",
        "organization",
        "camera",
        "created_by",
        "progress",
        "created_at",
        "finished_at",
        "cancel_requested",
    ]
    list_filter = ["kind", "status", "cancel_requested"]
    search_fields = ["public_id", "message", "camera__name", "organization__title", "created_by__login"]
    list_select_related = ["organization", "camera", "created_by"]
    date_hierarchy = "created_at"
    readonly_fields = ["public_id", *field_names(Job, keep=("cancel_requested",))]
    fields = [*readonly_fields, "cancel_requested"]
    actions = ["request_cancel"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # expired jobs and their files are removed by the expiry sweep

    @admin.action(description="Request cancel", permissions=["change"])
    def request_cancel(self, request, queryset):
        count = job_request_cancel(jobs=queryset)
        self.message_user(request, f"Asked {count} unfinished jobs to cancel.")
