"""Retention policies: how long and how much footage is kept where a camera does not say."""

import datetime

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from cameras.models import Streamer
from organizations.models import Organization
from recordings.choices import RetentionScope


class RetentionPolicy(models.Model):
    """Archive limits for a scope, with the daily cleanup time (Lenz's retention schedule).

    A camera's effective limits come from the first that sets them: the camera itself, its
    preset, its organization's policy, its node's policy, the default policy. `window_start` and
    `window_end` are Lenz's `time_of_day_*`, stored and echoed.
    """

    scope = models.CharField(max_length=12, choices=RetentionScope.choices)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="retention_policies"
    )
    streamer = models.ForeignKey(
        Streamer, null=True, blank=True, on_delete=models.CASCADE, related_name="retention_policies"
    )
    max_age = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Seconds"
    )
    max_bytes = models.PositiveBigIntegerField(null=True, blank=True, validators=[MinValueValidator(1)])
    episodes_max_age = models.PositiveIntegerField(null=True, blank=True, help_text="Seconds")
    detection_max_age = models.PositiveIntegerField(null=True, blank=True, help_text="Seconds")
    cleanup_time = models.TimeField(default=datetime.time(2, 0), help_text="Daily run, node local time")
    window_start = models.TimeField(null=True, blank=True)
    window_end = models.TimeField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    last_run_at = models.DateTimeField(null=True, blank=True, help_text="Last daily cleanup (check and sync)")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "retention policies"
        ordering = ["scope", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(scope=RetentionScope.DEFAULT, organization__isnull=True, streamer__isnull=True)
                    | Q(scope=RetentionScope.ORGANIZATION, organization__isnull=False, streamer__isnull=True)
                    | Q(scope=RetentionScope.NODE, organization__isnull=True, streamer__isnull=False)
                ),
                name="recordings_retentionpolicy_scope_matches_target",
            ),
            models.UniqueConstraint(
                fields=["scope"],
                condition=Q(scope=RetentionScope.DEFAULT),
                name="recordings_retentionpolicy_one_default",
            ),
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(organization__isnull=False),
                name="recordings_retentionpolicy_one_per_org",
            ),
            models.UniqueConstraint(
                fields=["streamer"],
                condition=Q(streamer__isnull=False),
                name="recordings_retentionpolicy_one_per_node",
            ),
        ]

    def __str__(self) -> str:
        target = self.organization or self.streamer or "everything"
        return f"{self.get_scope_display()} retention for {target}"
