"""Mosaics: saved grids of cameras for the live wall."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from cameras.choices import MosaicLayout
from organizations.models import Organization


class Mosaic(models.Model):
    """A saved live grid. With an `owner` it is that user's; without, the organization's."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="mosaics")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    title = models.CharField(max_length=200)
    layout = models.CharField(max_length=4, choices=MosaicLayout.choices, default=MosaicLayout.L2X2)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization", "title", "id"]

    def __str__(self) -> str:
        return self.title


class MosaicSlot(models.Model):
    """One cell of a mosaic; an empty cell has no camera."""

    mosaic = models.ForeignKey(Mosaic, on_delete=models.CASCADE, related_name="slots")
    position = models.PositiveSmallIntegerField()
    camera = models.ForeignKey("cameras.Camera", null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["mosaic", "position"]
        constraints = [
            models.UniqueConstraint(fields=["mosaic", "position"], name="cameras_mosaicslot_unique")
        ]

    def __str__(self) -> str:
        return f"{self.mosaic} #{self.position}"
