"""The folder tree of an organization and the grants that open folders to users."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from .grants import ActionGrant
from .organizations import Organization


class Folder(models.Model):
    """A node of an organization's folder tree; cameras live in folders.

    Siblings are ordered by `position` (Watcher's `hierarchy.order_num`); `folder_move` keeps it
    dense. A root folder has no parent. The floor plan is an image with three geo anchors.
    """

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="folders")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    title = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    floor_plan = models.FileField(upload_to="floor_plans/", blank=True)
    # {"bottomleft": {"latitude", "longitude"}, "topleft": {...}, "topright": {...}}
    floor_plan_anchors = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization", "parent_id", "position", "id"]
        indexes = [
            models.Index(fields=["organization", "parent", "position"], name="organizations_folder_tree_idx")
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("id")), name="organizations_folder_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.title


class FolderGrant(ActionGrant):
    """What one user may do with the cameras of a folder and of its subfolders.

    The grant nearest to a camera's folder wins, so a subfolder can narrow what its parent opens.
    """

    folder = models.ForeignKey(Folder, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="folder_grants")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["folder", "user"]
        constraints = [
            models.UniqueConstraint(fields=["folder", "user"], name="organizations_foldergrant_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.folder}"
