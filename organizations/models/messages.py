"""Messages sent between users of an organization (Watcher's messages)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from organizations.choices import MessageLevel

from .organizations import Organization


class Message(models.Model):
    """A Markdown note from one user to another, shown on the dashboard and optionally pushed."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="sent_messages"
    )
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    level = models.CharField(max_length=8, choices=MessageLevel.choices, default=MessageLevel.INFO)
    is_push = models.BooleanField(default=False)
    is_dashboard = models.BooleanField(default=True)
    was_read = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["recipient", "deleted_at", "created_at"], name="organizations_msg_inbox_idx")
        ]

    def __str__(self) -> str:
        return self.title
