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
        map=obj("provider", "url", provider=TEXT, url=TEXT, api_key=TEXT, center=FREE),
        web_push=obj(vapid_public_key=TEXT),
    ),
)
FAVICON_SIZES = ("16", "32", "48", "64", "128")
# The tiles a Watcher client draws when nothing else is configured.
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def map_settings(stored) -> dict:
    """§6.20 `map` with `provider` and `url` always strings: Watcher clients read both unguarded.

    An unset provider is OpenStreetMap with its public tiles; another provider without a `url`
    (one that draws from its `api_key`) gets "".
    """
    stored = stored if isinstance(stored, dict) else {}
    provider = stored.get("provider")
    provider = provider if isinstance(provider, str) and provider else "osm"
    url = stored.get("url")
    if not isinstance(url, str):
        url = OSM_TILES if provider == "osm" else ""
    return {**stored, "provider": provider, "url": url}


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
            "map": map_settings(site.map_settings),
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
