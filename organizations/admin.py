"""Admin for tenants: organizations and members, the folder tree and its grants, messages, audit, site."""

import io
import uuid

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db.models import Count, IntegerField, OuterRef, Subquery

from accounts.admin import ReadOnlyMixin
from organizations.images import NotAnImage, raster_reencode, raster_type
from organizations.models import (
    AuditEvent,
    Folder,
    FolderGrant,
    Membership,
    Message,
    Organization,
    SiteSettings,
)

GRANT_FIELDS = [
    "can_view",
    "can_live",
    "can_archive",
    "can_export",
    "can_ptz",
    "can_manage",
    "archive_depth_limit",
]
MASK = "********"
MAIL_SECRETS = ("password",)


class MembershipInline(admin.TabularInline):
    model = Membership
    autocomplete_fields = ["user"]
    fields = [
        "user",
        "is_admin",
        "can_view_stats",
        "can_view_cameras",
        "can_edit_cameras",
        "can_edit_users",
        "can_view_persons_lists",
        "can_edit_persons_lists",
    ]
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "is_default",
        "owner",
        "camera_count",
        "member_count",
        "max_cameras",
        "max_users",
        "time_zone",
        "created_at",
    ]
    list_filter = ["is_default", "time_zone"]
    search_fields = ["title", "owner__login"]
    ordering = ["title"]
    list_select_related = ["owner"]
    autocomplete_fields = ["owner"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [MembershipInline]
    view_on_site = False  # get_absolute_url is this very page

    def get_queryset(self, request):
        # One join (cameras) and one subquery (members): two joins would multiply the rows counted.
        members = (
            Membership.objects.filter(organization=OuterRef("pk"))
            .order_by()
            .values("organization")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(n_cameras=Count("cameras"), n_members=Subquery(members, output_field=IntegerField()))
        )

    @admin.display(description="cameras", ordering="n_cameras")
    def camera_count(self, obj):
        return obj.n_cameras

    @admin.display(description="members", ordering="n_members")
    def member_count(self, obj):
        return obj.n_members or 0


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "is_admin", "can_edit_cameras", "can_edit_users", "created_at"]
    list_filter = ["is_admin", "can_edit_cameras", "can_edit_users", "organization"]
    search_fields = ["user__login", "user__email", "organization__title"]
    list_select_related = ["user", "organization"]
    autocomplete_fields = ["user", "organization"]


class FolderForm(forms.ModelForm):
    """Refuses a parent of another organization, a parent inside the folder's own subtree, and a
    floor plan that is not a PNG, JPEG or WebP picture (stored re-encoded, as the API stores it)."""

    def clean_floor_plan(self):
        upload = self.cleaned_data.get("floor_plan")
        if not upload or not hasattr(upload, "content_type"):  # unchanged, or cleared
            return upload
        content = upload.read()
        if (mime_type := raster_type(io.BytesIO(content))) is None:
            raise ValidationError("Upload a PNG, JPEG or WebP picture.")
        try:
            picture, extension = raster_reencode(content, mime_type)
        except NotAnImage as exc:
            raise ValidationError(str(exc)) from None
        return ContentFile(picture, name=f"{uuid.uuid4().hex}{extension}")

    def clean(self):
        cleaned = super().clean()
        parent, organization = cleaned.get("parent"), cleaned.get("organization")
        if parent is None or organization is None:
            return cleaned
        if parent.organization_id != organization.pk:
            raise ValidationError({"parent": "The parent folder belongs to another organization."})
        if self.instance.pk:
            parents = dict(Folder.objects.filter(organization=organization).values_list("id", "parent_id"))
            node, seen = parent.pk, set()
            while node is not None and node not in seen:
                if node == self.instance.pk:
                    raise ValidationError({"parent": "A folder cannot move into itself or its subfolders."})
                seen.add(node)
                node = parents.get(node)
        return cleaned


class FolderGrantInline(admin.TabularInline):
    model = FolderGrant
    autocomplete_fields = ["user"]
    fields = ["user", *GRANT_FIELDS]
    extra = 0


@admin.register(Folder)
class FolderAdmin(admin.ModelAdmin):
    form = FolderForm
    list_display = ["title", "organization", "parent", "position", "camera_count", "updated_at"]
    list_filter = ["organization"]
    search_fields = ["title", "organization__title"]
    ordering = ["organization__title", "parent_id", "position", "id"]
    list_select_related = ["organization", "parent"]
    autocomplete_fields = ["organization", "parent"]
    readonly_fields = ["created_at", "updated_at"]
    fields = [
        "organization",
        "parent",
        "title",
        "position",
        "latitude",
        "longitude",
        "floor_plan",
        "floor_plan_anchors",
        "created_at",
        "updated_at",
    ]
    inlines = [FolderGrantInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_cameras=Count("cameras"))

    @admin.display(description="cameras", ordering="n_cameras")
    def camera_count(self, obj):
        return obj.n_cameras


@admin.register(FolderGrant)
class FolderGrantAdmin(admin.ModelAdmin):
    list_display = ["user", "folder", "folder_organization", *GRANT_FIELDS[:-1]]
    list_filter = ["can_archive", "can_export", "can_ptz", "can_manage", "folder__organization"]
    search_fields = ["user__login", "folder__title", "folder__organization__title"]
    list_select_related = ["user", "folder__organization"]
    autocomplete_fields = ["user", "folder"]

    @admin.display(description="organization", ordering="folder__organization__title")
    def folder_organization(self, obj):
        return obj.folder.organization


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "organization",
        "sender",
        "recipient",
        "level",
        "was_read",
        "is_push",
        "created_at",
    ]
    list_filter = ["level", "was_read", "is_push", "is_dashboard", ("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "body", "sender__login", "recipient__login", "organization__title"]
    list_select_related = ["organization", "sender", "recipient"]
    autocomplete_fields = ["organization", "sender", "recipient"]
    date_hierarchy = "created_at"


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Append-only: nobody adds, edits or deletes audit events, not even an administrator."""

    list_display = [
        "created_at",
        "kind",
        "organization",
        "actor",
        "object_type",
        "object_id",
        "message",
        "method",
        "status",
        "ip_address",
    ]
    list_filter = ["kind", "method", "object_type", "organization"]
    search_fields = ["message", "object_id", "path", "actor__login", "ip_address", "request_id", "trace_id"]
    list_select_related = ["organization", "actor"]
    date_hierarchy = "created_at"
    show_full_result_count = False  # the log grows without bound; skip the second COUNT(*)


class SiteSettingsForm(forms.ModelForm):
    """Shows mail secrets masked; a masked value left as is keeps the stored secret."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mail = dict(self.initial.get("mail") or {})
        for key in MAIL_SECRETS:
            if mail.get(key):
                mail[key] = MASK
        self.initial["mail"] = mail

    def clean_mail(self):
        mail = dict(self.cleaned_data.get("mail") or {})
        stored = self.instance.mail or {}
        for key in MAIL_SECRETS:
            if mail.get(key) == MASK:
                mail[key] = stored.get(key, "")
        return mail


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin):
    """A singleton: added once (or by `SiteSettings.load()`), never deleted."""

    form = SiteSettingsForm
    list_display = ["__str__", "title", "brand", "default_locale", "updated_at"]
    readonly_fields = ["server_id", "setup_completed_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "brand", "product", "default_locale", "locales"]}),
        (
            "Appearance",
            {
                "classes": ["collapse"],
                "fields": [
                    "color_primary",
                    "color_secondary",
                    "color_background",
                    "logo",
                    "logo_auth",
                    "favicon",
                    "favicons",
                    "fonts",
                ],
            },
        ),
        ("Company, map and mail", {"fields": ["company_info", "map_settings", "mail"]}),
        ("LightNVR run-time settings", {"fields": ["lightnvr"], "classes": ["collapse"]}),
        ("Installation", {"fields": ["server_id", "setup_completed_at", "updated_at"]}),
    ]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not SiteSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.pk = 1  # the table's check constraint allows only this row
        super().save_model(request, obj, form, change)
