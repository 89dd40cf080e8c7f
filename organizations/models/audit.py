"""The audit log: API calls, logins and configuration changes (Watcher Admin API `events`)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from organizations.choices import AuditKind

from .organizations import Organization


class AuditEvent(models.Model):
    """Something that happened and who did it; append-only.

    API calls carry the request's path, status, duration and trace ids; a body that may hold
    secrets is stored redacted. `object_type`/`object_id` name the thing changed without a foreign
    key, so the log outlives what it describes.
    """

    kind = models.CharField(max_length=16, choices=AuditKind.choices)
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.SET_NULL)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=200, blank=True)
    message = models.CharField(max_length=500, blank=True)
    method = models.CharField(max_length=8, blank=True)
    path = models.CharField(max_length=500, blank=True)
    query_string = models.CharField(max_length=1000, blank=True)
    operation_id = models.CharField(max_length=80, blank=True)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_us = models.PositiveBigIntegerField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    originator = models.CharField(max_length=100, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    trace_id = models.CharField(max_length=64, blank=True)
    server = models.CharField(max_length=200, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "created_at"], name="organizations_audit_org_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_type}:{self.object_id}"
