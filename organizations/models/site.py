"""Installation-wide settings an administrator edits at run time (Watcher domain config, UI settings)."""

import uuid

from django.db import models
from django.db.models import Q

from nvr_project.crypto import EncryptedJSONField


class SiteSettings(models.Model):
    """The single row of domain settings: appearance, mail, map and LightNVR's run-time settings.

    Deployment settings (database, listeners, log level) stay in the environment and are only read.
    Mail secrets live in `mail`; the dialects mask them on output.
    """

    title = models.CharField(max_length=200, default="NVR")
    brand = models.CharField(max_length=200, blank=True)
    product = models.CharField(max_length=200, blank=True)
    logo = models.TextField(blank=True, help_text="data: URL of the sidebar logo")
    logo_auth = models.TextField(blank=True, help_text="data: URL of the login page logo")
    favicon = models.TextField(blank=True, help_text="data: URL")
    color_primary = models.CharField(max_length=7, default="#444951")
    color_secondary = models.CharField(max_length=7, default="#2469f2")
    color_background = models.CharField(max_length=7, default="#f3f5f7")
    fonts = models.JSONField(default=dict, blank=True)
    favicons = models.JSONField(default=dict, blank=True)
    locales = models.JSONField(default=list, blank=True)
    default_locale = models.CharField(max_length=8, default="en")
    company_info = models.JSONField(default=dict, blank=True, help_text="address, phone, business_hours")
    map_settings = models.JSONField(default=dict, blank=True, help_text="center, api_key, provider")
    mail = EncryptedJSONField(  # holds the SMTP password or SendGrid key: encrypted at rest
        default=dict, blank=True, help_text="sending_method, sender, host, port, login, …"
    )
    # LightNVR's run-time settings that are ours to keep (auth timeouts, storage pressure, …).
    lightnvr = models.JSONField(default=dict, blank=True)
    server_id = models.UUIDField(default=uuid.uuid4, editable=False)
    setup_completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "site settings"
        verbose_name_plural = "site settings"
        constraints = [models.CheckConstraint(condition=Q(id=1), name="organizations_sitesettings_singleton")]

    def __str__(self) -> str:
        return "Site settings"

    @classmethod
    def load(cls) -> "SiteSettings":
        obj, _ = cls.objects.get_or_create(id=1)
        return obj
