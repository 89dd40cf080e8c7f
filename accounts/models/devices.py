"""Where a user's notifications go: mobile push tokens and browser web-push subscriptions."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class DeviceToken(models.Model):
    """A mobile app's push registration token (Watcher `device_token_save`)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="device_tokens")
    token = models.CharField(max_length=500, unique=True)
    platform = models.CharField(max_length=20, help_text="ios or android")
    model = models.CharField(max_length=100, blank=True)
    version = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.platform} device of {self.user}"


class WebPushSubscription(models.Model):
    """A browser Push API subscription; the keys are write-only and never returned."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="web_push_subscriptions"
    )
    endpoint = models.URLField(max_length=1000)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "endpoint"], name="accounts_webpushsubscription_unique"),
        ]

    def __str__(self) -> str:
        return f"web push of {self.user}"
