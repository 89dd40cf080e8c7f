"""`ui_settings_get` (catalog §5.6.1, §6.20): branding for the login page, answered without credentials."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.services.notifications import vapid_public_key
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
        web_push=obj(vapid_public_key=TEXT),
    ),
)
FAVICON_SIZES = ("16", "32", "48", "64", "128")


class UiSettingsSerializer(serializers.BaseSerializer):
    """SiteSettings → UiSettings; mail settings and other secrets are never part of it.

    The domain appearance's favicon (Admin API `domain_config_save`) stands for every size when no
    per-size favicons are set. `web_push` is ours, not the catalog's: a browser needs the server's
    VAPID public key (the `applicationServerKey`) before it can call `web_push_subscribe`, and the
    catalog names no place for it; clients ignore keys they do not know.
    """

    def to_representation(self, site: SiteSettings) -> dict:
        favicons = site.favicons or ({size: site.favicon for size in FAVICON_SIZES} if site.favicon else {})
        return {
            "title": site.title,
            "brand": site.brand,
            "product": site.product,
            "fonts": site.fonts or {},
            "favicons": favicons,
            "colors": {
                "primary": site.color_primary,
                "secondary": site.color_secondary,
                "background": site.color_background,
            },
            "locales": site.locales or [],
            "default_locale": site.default_locale,
            "company_info": site.company_info or {},
            "map": site.map_settings or {},
            "web_push": {"vapid_public_key": vapid_public_key()},
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
