"""Template context: the product name and branding, and the organization switcher."""

import re

from django.conf import settings

from organizations.models import SiteSettings
from organizations.selectors import organization_list_for_user

COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")  # it goes into a <style> block: nothing but a color
DEFAULTS = {f.name: f.default for f in SiteSettings._meta.fields if f.name in ("title", "color_secondary")}


def branding(site: SiteSettings) -> dict:
    """What the administrator set in the domain settings (Watcher `appearance`), for every page.

    `colors.secondary` (Watcher's links and active elements) becomes our accent once changed from
    its default; the other two colors belong to Watcher's light theme and are not applied to ours.
    """
    changed = site.color_secondary != DEFAULTS["color_secondary"]
    accent = site.color_secondary if changed and COLOR.match(site.color_secondary) else ""
    return {
        "logo": _image(site.logo),
        "logo_auth": _image(site.logo_auth) or _image(site.logo),
        "favicon": _image(site.favicon),
        "accent": accent,
    }


def _image(data_url: str) -> str:
    return data_url if data_url.startswith("data:image/") else ""


def current_organization(request):
    site = SiteSettings.objects.filter(pk=1).first() or SiteSettings()  # a page view never writes
    title = site.title if site.title and site.title != DEFAULTS["title"] else settings.SITE_TITLE
    context = {"site_title": title, "branding": branding(site)}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    organization = getattr(request, "organization", None)
    return {
        **context,
        "current_organization": organization if organization else None,
        "user_organizations": organization_list_for_user(user=user),
    }
