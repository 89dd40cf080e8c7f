"""Organizations (tenants) and who belongs to them."""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not an IANA time zone")


class Organization(models.Model):
    """A tenant: it owns cameras, folders, mosaics and recordings that no other tenant sees.

    The default organization (at most one) receives new users created without one (Watcher).
    `time_zone` is where daily and hourly availability are counted, so DST days come out right.
    """

    title = models.CharField(max_length=200)
    is_default = models.BooleanField(default=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_organizations",
    )
    max_cameras = models.PositiveIntegerField(null=True, blank=True, help_text="Empty is unlimited.")
    max_users = models.PositiveIntegerField(null=True, blank=True, help_text="Empty is unlimited.")
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="organizations"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="organizations_organization_one_default",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("admin:organizations_organization_change", args=[self.pk])


class Membership(models.Model):
    """A user's place in an organization, with Watcher's organization permission flags.

    `is_admin` (Watcher's organization administrator) reaches every camera of the organization with
    every action; other members reach cameras through folder and camera grants.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    is_admin = models.BooleanField(default=False)
    can_view_stats = models.BooleanField(default=False)
    can_view_cameras = models.BooleanField(default=True)
    can_edit_cameras = models.BooleanField(default=False)
    can_edit_users = models.BooleanField(default=False)
    can_view_persons_lists = models.BooleanField(default=False)
    can_edit_persons_lists = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="organizations_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization}"
