"""Admin for presets and mosaics."""

from django import forms
from django.contrib import admin
from django.db.models import Count

from cameras.models import (
    Mosaic,
    MosaicSlot,
    Preset,
)


@admin.register(Preset)
class PresetAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "is_default",
        "is_adjustable",
        "dvr_depth",
        "dvr_space_limit",
        "camera_count",
        "deleted_at",
    ]
    list_filter = ["is_default", "is_adjustable", ("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["title"]
    autocomplete_fields = ["organizations"]
    readonly_fields = ["last_change_user", "created_at", "updated_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_cameras=Count("cameras"))

    @admin.display(description="cameras", ordering="n_cameras")
    def camera_count(self, obj):
        return obj.n_cameras

    def save_model(self, request, obj, form, change):
        obj.last_change_user = request.user
        super().save_model(request, obj, form, change)


class MosaicSlotForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        camera, mosaic = cleaned.get("camera"), cleaned.get("mosaic")
        if camera and mosaic and mosaic.organization_id and camera.organization_id != mosaic.organization_id:
            self.add_error("camera", "This camera belongs to another organization.")
        return cleaned


class MosaicSlotInline(admin.TabularInline):
    model = MosaicSlot
    form = MosaicSlotForm
    autocomplete_fields = ["camera"]
    extra = 0


@admin.register(Mosaic)
class MosaicAdmin(admin.ModelAdmin):
    list_display = ["title", "organization", "owner", "layout", "updated_at"]
    list_filter = ["layout", "organization"]
    search_fields = ["title", "organization__title", "owner__login"]
    list_select_related = ["organization", "owner"]
    autocomplete_fields = ["organization", "owner"]
    inlines = [MosaicSlotInline]


@admin.register(MosaicSlot)
class MosaicSlotAdmin(admin.ModelAdmin):
    form = MosaicSlotForm
    list_display = ["mosaic", "position", "camera"]
    search_fields = ["mosaic__title", "camera__name"]
    list_select_related = ["mosaic", "camera"]
    autocomplete_fields = ["mosaic", "camera"]
