"""Presets: named bundles of archive settings that cameras adopt."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from cameras.choices import VisionAlgorithm
from organizations.models import Organization


class Preset(models.Model):
    """Archive depth and space (and analytics) applied to the cameras that select it.

    When `is_adjustable` is false, a camera's own archive settings are ignored while it uses the
    preset. A default preset is available to every organization; others only to `organizations`.
    Deleting is soft (`deleted_at`), as Watcher lists deleted presets.
    """

    title = models.CharField(max_length=200)
    is_adjustable = models.BooleanField(default=True)
    is_default = models.BooleanField(default=False)
    dvr_depth = models.PositiveIntegerField(null=True, blank=True, help_text="Seconds of archive to keep")
    dvr_space_limit = models.PositiveBigIntegerField(null=True, blank=True, help_text="Bytes")
    episodes_expiration = models.PositiveIntegerField(null=True, blank=True, help_text="Seconds")
    redundancy_factor = models.PositiveSmallIntegerField(default=0)
    disk_usage_limit = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Percent")
    vision_alg = models.CharField(max_length=8, choices=VisionAlgorithm.choices, blank=True)
    organizations = models.ManyToManyField(Organization, blank=True, related_name="presets")
    last_change_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title
