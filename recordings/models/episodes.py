"""Events on cameras (episodes), the detections in them, and the persons analytics may match."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from cameras.models import Camera
from organizations.models import Organization
from recordings.choices import EpisodeType, PersonOriginator

from .segments import Segment


class Episode(models.Model):
    """Something that happened on a camera over a time span: motion, a face, a vehicle, an API event.

    `updated_at` only grows, so clients sync with `updated_at_gt` (Watcher's long-poll). An open
    episode has no `closed_at`. Segments under an episode are kept for the camera's
    `episodes_expiration` even after normal retention would drop them.
    """

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="episodes")
    episode_type = models.CharField(max_length=10, choices=EpisodeType.choices, default=EpisodeType.GENERIC)
    opened_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=20, blank=True)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)
    title = models.CharField(max_length=64, blank=True)
    description = models.CharField(max_length=256, blank=True)
    preview_at = models.DateTimeField(null=True, blank=True)
    preview = models.FileField(upload_to="episodes/previews/", blank=True, help_text="Object crop")
    frame_preview = models.FileField(upload_to="episodes/frames/", blank=True, help_text="~240p frame")
    appearance = models.JSONField(default=dict, blank=True, help_text="inference/central/watcher timestamps")
    payload = models.JSONField(default=dict, blank=True, help_text="face, vehicle, qr_code or custom data")
    protected = models.BooleanField(default=False, help_text="Retention never deletes the footage under it")

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["camera", "opened_at"], name="recordings_episode_camera_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=F("opened_at")),
                name="recordings_episode_closes_after_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.episode_type} on {self.camera_id} at {self.opened_at:%Y-%m-%d %H:%M:%S}"


class Detection(models.Model):
    """One object found in a frame (LightNVR detections): label, confidence and a 0..1 box."""

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="detections")
    episode = models.ForeignKey(
        Episode, null=True, blank=True, on_delete=models.SET_NULL, related_name="detections"
    )
    segment = models.ForeignKey(
        Segment, null=True, blank=True, on_delete=models.SET_NULL, related_name="detections"
    )
    label = models.CharField(max_length=64)
    confidence = models.FloatField(default=1.0)
    x = models.FloatField(default=0)
    y = models.FloatField(default=0)
    width = models.FloatField(default=0)
    height = models.FloatField(default=0)
    zone_id = models.CharField(max_length=63, blank=True)
    detected_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["camera", "detected_at"]
        indexes = [
            models.Index(fields=["camera", "detected_at"], name="recordings_detection_time_idx"),
            models.Index(fields=["label"], name="recordings_detection_label_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(confidence__gte=0, confidence__lte=1),
                name="recordings_detection_confidence_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.confidence:.2f})"


class PersonList(models.Model):
    """A named list of persons for face identification (Watcher `person_lists`)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="person_lists")
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "name"]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """A person known to face identification; empty until analytics exist. Deleting is soft."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="persons")
    person_list = models.ForeignKey(
        PersonList, null=True, blank=True, on_delete=models.SET_NULL, related_name="persons"
    )
    name = models.CharField(max_length=200, blank=True)
    external_id = models.CharField(max_length=200, null=True, blank=True)
    originator = models.CharField(
        max_length=24, choices=PersonOriginator.choices, default=PersonOriginator.API
    )
    photos = models.JSONField(default=list, blank=True, help_text="[{data (base64), sha256, mime_type}]")
    first_seen_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["organization", "name", "id"]

    def __str__(self) -> str:
        return self.name or f"person {self.pk}"
