"""`ui_settings_get` (catalog §5.6.1, §6.20): branding for the login page, answered without credentials."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from organizations.models import SiteSettings

from ..openapi import FREE, TEXT, component, obj, responses
from .base import WatcherClientView

UI_SETTINGS_SCHEMA = component(
    "UiSettings",
    obj(
        title=TEXT,
        brand=TEXT,
        product=TEXT,
        fonts=FREE,
        favicons=FREE,
        colors=obj(primary=TEXT, secondary=TEXT, background=TEXT),
        locales={"type": "array"},
        default_locale=TEXT,
        company_info=FREE,
        map=FREE,
    ),
)


class UiSettingsSerializer(serializers.BaseSerializer):
    """SiteSettings → UiSettings; mail settings and other secrets are never part of it."""

    def to_representation(self, site: SiteSettings) -> dict:
        return {
            "title": site.title,
            "brand": site.brand,
            "product": site.product,
            "fonts": site.fonts or {},
            "favicons": site.favicons or {},
            "colors": {
                "primary": site.color_primary,
                "secondary": site.color_secondary,
                "background": site.color_background,
            },
            "locales": site.locales or [],
            "default_locale": site.default_locale,
            "company_info": site.company_info or {},
            "map": site.map_settings or {},
        }


class UiSettingsView(WatcherClientView):
    """GET /ui_settings: public, so the login page can be branded before anyone signs in."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="ui_settings_get", auth=[], responses=responses(UI_SETTINGS_SCHEMA, public=True)
    )
    def get(self, request):
        return Response(UiSettingsSerializer(SiteSettings.load()).data)
