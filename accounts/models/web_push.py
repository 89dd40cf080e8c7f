"""The server's own web-push identity: the VAPID key pair that signs every push it sends."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from nvr_project.crypto import EncryptedTextField


class VapidKey(models.Model):
    """The installation's VAPID key pair (RFC 8292), made with the database (migration 0002), kept.

    Push services bind a browser subscription to the public key it was made with
    (`applicationServerKey`), so replacing the pair silently breaks every subscription: one row only.
    Keys are base64url: `private_key` the raw 32-byte P-256 secret, `public_key` the uncompressed point.
    """

    private_key = EncryptedTextField()  # encrypted at rest
    public_key = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "VAPID key"
        constraints = [models.CheckConstraint(condition=Q(id=1), name="accounts_vapidkey_singleton")]

    def __str__(self) -> str:
        return f"VAPID key {self.public_key[:12]}…"
