"""Flussonic Agents (cameras behind NAT) and the one-time tokens that enrol them."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from organizations.models import Organization


class Agent(models.Model):
    """A camera-side agent that has connected at least once; its inputs read `agent://<agent_id>`."""

    agent_id = models.CharField(max_length=64, unique=True)
    key = models.CharField(max_length=200, blank=True)
    serial = models.CharField(max_length=100, blank=True)
    model = models.CharField(max_length=100, blank=True)
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.SET_NULL)
    stats = models.JSONField(default=dict, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["agent_id"]

    ONLINE_WINDOW = dt.timedelta(minutes=2)  # an agent's control connection reports in this often

    def __str__(self) -> str:
        return self.agent_id

    def is_online(self, now=None) -> bool:
        now = now or timezone.now()
        return self.last_seen_at is not None and now - self.last_seen_at <= self.ONLINE_WINDOW


class AgentActivationToken(models.Model):
    """A one-time token that creates a camera with `parameters` when an agent connects with it."""

    token_hash = models.CharField(max_length=64, unique=True)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    parameters = models.JSONField(
        default=dict, blank=True, help_text="title, folder_id, preset_id, dvr_depth, …"
    )
    camera = models.ForeignKey(
        "cameras.Camera", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"activation token for {self.organization}"
