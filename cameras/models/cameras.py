"""Cameras, their source inputs, per-user grants, detection zones and event subscriptions."""

import uuid
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from cameras.choices import CameraStatus, NamedBy, OutputAudio, Transport
from cameras.querysets import CameraQuerySet
from nvr_project.crypto import EncryptedTextField
from organizations.models import Folder, Organization
from organizations.models.grants import ActionGrant

from .presets import Preset
from .streamers import Streamer

camera_name_validator = RegexValidator(
    r"^[A-Za-z0-9_][A-Za-z0-9 ._/-]*$",
    "Use letters, digits, space, '.', '_', '-' and '/'; start with a letter, digit or '_'.",
)


def new_storage_key() -> str:
    return uuid.uuid4().hex


class Camera(models.Model):
    """A video source to record and show: Watcher's "stream", LightNVR's "stream", Lenz's channel.

    `name` is the global key every dialect puts in URLs; `storage_key` names its footage folder on
    disk, since a name changes and two names once mapped to one folder (`lot_1`, `lot/1`). Archive
    settings left empty are inherited (preset, then organization, node and default retention
    policies). The observed fields are
    written by the recorder only; the lease fields say which worker records the camera right now.
    """

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="cameras")
    folder = models.ForeignKey(
        Folder, null=True, blank=True, on_delete=models.SET_NULL, related_name="cameras"
    )
    name = models.CharField(max_length=255, unique=True, validators=[camera_name_validator])
    storage_key = models.CharField(
        max_length=32,
        unique=True,
        editable=False,
        default=new_storage_key,
        help_text="Its footage's folder under NVR_MEDIA_ROOT: set at creation, kept through renames",
    )
    title = models.CharField(max_length=200, blank=True)
    comment = models.TextField(blank=True)
    enabled = models.BooleanField(default=True)
    static = models.BooleanField(default=True, help_text="Always pulled (true) or only on demand (false).")
    position = models.PositiveIntegerField(default=0)
    named_by = models.CharField(max_length=8, choices=NamedBy.choices, default=NamedBy.USER)
    preset = models.ForeignKey(
        Preset, null=True, blank=True, on_delete=models.SET_NULL, related_name="cameras"
    )
    streamer = models.ForeignKey(
        Streamer,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cameras",
        help_text="Pin recording to this node; empty lets any node record it.",
    )
    tags = models.CharField(max_length=500, blank=True, help_text="Comma-separated")
    custom_data = models.JSONField(default=dict, blank=True)

    # Source and recording
    rtsp_transport = models.CharField(max_length=3, choices=Transport.choices, default=Transport.TCP)
    record = models.BooleanField(default=True)
    record_audio = models.BooleanField(default=True)
    audio_transcode_codec = models.CharField(max_length=8, default="aac")
    segment_duration = models.PositiveIntegerField(
        default=60, validators=[MinValueValidator(2), MaxValueValidator(3600)], help_text="Seconds"
    )
    privacy_mode = models.BooleanField(default=False)
    streaming_enabled = models.BooleanField(default=True)
    record_on_schedule = models.BooleanField(default=False)
    recording_schedule = models.JSONField(
        default=list, blank=True, help_text="168 booleans, Sunday 00h first"
    )
    detection_record_on_schedule = models.BooleanField(default=False)
    detection_recording_schedule = models.JSONField(default=list, blank=True)
    admin_url = models.URLField(max_length=500, blank=True)
    publish_url = models.CharField(max_length=511, blank=True)
    dialect_extra = models.JSONField(
        default=dict, blank=True, help_text="Dialect-only settings kept verbatim"
    )
    config_override = models.JSONField(null=True, blank=True, help_text="Watcher run-time config layer")
    labels = models.JSONField(
        default=dict, blank=True, help_text="Placement labels: only a node carrying all of them records it"
    )

    # Archive (empty = inherited)
    dvr_depth = models.PositiveIntegerField(null=True, blank=True, help_text="Seconds of archive to keep")
    dvr_space_limit = models.PositiveBigIntegerField(null=True, blank=True, help_text="Bytes")
    episodes_expiration = models.PositiveIntegerField(null=True, blank=True, help_text="Seconds")
    detection_dvr_depth = models.PositiveIntegerField(null=True, blank=True, help_text="Seconds")
    redundancy_factor = models.PositiveSmallIntegerField(default=0)
    storage_priority = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    retention_tiers = models.JSONField(
        default=dict, blank=True, help_text="critical/important/ephemeral multipliers"
    )

    # Detection and analytics
    detection_based_recording = models.BooleanField(default=False)
    detection_model = models.CharField(max_length=255, blank=True)
    detection_threshold = models.FloatField(
        default=0.5, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    detection_interval = models.PositiveIntegerField(default=10, help_text="Seconds")
    pre_detection_buffer = models.PositiveIntegerField(default=5, help_text="Seconds")
    post_detection_buffer = models.PositiveIntegerField(default=5, help_text="Seconds")
    detection_object_filter = models.CharField(max_length=8, blank=True, help_text="include, exclude or none")
    detection_object_filter_list = models.CharField(max_length=500, blank=True)
    vision = models.JSONField(default=dict, blank=True, help_text="alg, areas, detectors (Watcher)")
    notifications_enabled = models.BooleanField(default=True)

    # Location
    latitude = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    postal_address = models.CharField(max_length=500, blank=True)

    # ONVIF and PTZ (the password is write-only in every dialect but LightNVR's admin view)
    is_onvif = models.BooleanField(default=False)
    onvif_url = models.CharField(max_length=500, blank=True)
    onvif_username = models.CharField(max_length=100, blank=True)
    onvif_password = EncryptedTextField(max_length=200, blank=True)
    onvif_profile = models.CharField(max_length=100, blank=True)
    onvif_port = models.PositiveIntegerField(default=0)
    ptz_enabled = models.BooleanField(default=False)
    ptz_max_x = models.IntegerField(default=0)
    ptz_max_y = models.IntegerField(default=0)
    ptz_max_z = models.IntegerField(default=0)
    ptz_has_home = models.BooleanField(default=False)
    device_config = models.JSONField(
        default=dict, blank=True, help_text="Last camera_config read from the device"
    )
    firmware_update_started_at = models.DateTimeField(null=True, blank=True)
    firmware_update_ends_at = models.DateTimeField(
        null=True, blank=True, help_text="Upload end plus the down time the camera announced"
    )

    # Observed by the recorder
    status = models.CharField(max_length=10, choices=CameraStatus.choices, default=CameraStatus.UNKNOWN)
    status_reason = models.CharField(max_length=500, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    video_codec = models.CharField(max_length=20, blank=True)
    audio_codec = models.CharField(max_length=20, blank=True)
    audio_transcoded = models.BooleanField(default=False, help_text="G.711 audio is transcoded to AAC")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    fps = models.FloatField(default=0)
    bitrate = models.PositiveIntegerField(default=0, help_text="kbit/s")
    last_frame_at = models.DateTimeField(null=True, blank=True)
    stats = models.JSONField(default=dict, blank=True, help_text="Recorder counters (retries, errors, …)")
    agent_id = models.CharField(max_length=64, blank=True)
    last_refresh_at = models.DateTimeField(null=True, blank=True)

    # Recording lease: exactly one worker records a camera (conditional UPDATE on expiry).
    lease_owner = models.CharField(max_length=200, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)

    favourited_by = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="favourite_cameras"
    )
    last_change_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CameraQuerySet.as_manager()

    class Meta:
        ordering = ["organization", "position", "name"]
        indexes = [
            models.Index(fields=["organization", "folder"], name="cameras_camera_folder_idx"),
            models.Index(fields=["organization", "position", "name"], name="cameras_camera_order_idx"),
            models.Index(fields=["enabled", "lease_expires_at"], name="cameras_camera_lease_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="cameras_camera_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="cameras_camera_longitude_range",
            ),
            models.CheckConstraint(
                condition=Q(segment_duration__gte=2, segment_duration__lte=3600),
                name="cameras_camera_segment_duration_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.name

    def get_absolute_url(self) -> str:
        return reverse("cameras:camera_edit", args=[self.name])

    @property
    def display_title(self) -> str:
        return self.title or self.name

    @property
    def tag_set(self) -> frozenset[str]:
        return frozenset(t.strip() for t in self.tags.split(",") if t.strip())


class CameraInput(models.Model):
    """One source URL of a camera, tried in `position` order (Watcher `inputs[]`).

    Credentials never sit in `url`: `set_url()` moves them to `username`/`password`, a constraint
    refuses a URL that still carries them, and only the recorder asks for `source_url()`.
    """

    class Purpose(models.TextChoices):
        MAIN = "main", "Main (recorded)"
        SUBSTREAM = "substream", "Sub-stream (grid view)"
        DETECTION = "detection", "Detection"

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="inputs")
    position = models.PositiveSmallIntegerField(default=0)
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.MAIN)
    url = models.CharField(max_length=1000)
    username = models.CharField(max_length=200, blank=True)
    password = EncryptedTextField(max_length=200, blank=True)  # encrypted at rest
    comment = models.CharField(max_length=500, blank=True)
    source_timeout = models.FloatField(null=True, blank=True, help_text="Seconds")
    video_timeout = models.FloatField(null=True, blank=True)
    audio_timeout = models.FloatField(null=True, blank=True)
    frames_timeout = models.FloatField(null=True, blank=True)
    max_retry_timeout = models.FloatField(null=True, blank=True)
    switch_timeout = models.FloatField(null=True, blank=True, help_text="Seconds before the next input")
    user_agent = models.CharField(max_length=300, blank=True)
    via = models.CharField(max_length=200, blank=True, help_text="agent://ID")
    output_audio = models.CharField(max_length=12, choices=OutputAudio.choices, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    options = models.JSONField(default=dict, blank=True, help_text="Other per-input options, verbatim")

    class Meta:
        ordering = ["camera", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["camera", "position"], name="cameras_camerainput_position_unique"
            ),
            models.CheckConstraint(
                condition=~Q(url__regex=r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*@"),
                name="cameras_camerainput_url_without_credentials",
            ),
        ]

    def __str__(self) -> str:
        return self.url

    def set_url(self, url: str) -> None:
        """Store `url`, moving any user:password in it into the credential fields."""
        parts = urlsplit(url.strip())
        if parts.username is not None or parts.password is not None:
            self.username = unquote(parts.username or "")
            self.password = unquote(parts.password or "")
            host = parts.hostname or ""
            if ":" in host:
                host = f"[{host}]"
            netloc = f"{host}:{parts.port}" if parts.port else host
            parts = parts._replace(netloc=netloc)
        self.url = urlunsplit(parts)

    def source_url(self) -> str:
        """The URL with credentials, for the recorder's connection only."""
        if not self.username:
            return self.url
        parts = urlsplit(self.url)
        userinfo = quote(self.username, safe="")
        if self.password:
            userinfo += ":" + quote(self.password, safe="")
        return urlunsplit(parts._replace(netloc=f"{userinfo}@{parts.netloc}"))


class CameraGrant(ActionGrant):
    """What one user may do with one camera; it overrides the grants of the camera's folders."""

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="camera_grants")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["camera", "user"]
        constraints = [models.UniqueConstraint(fields=["camera", "user"], name="cameras_cameragrant_unique")]

    def __str__(self) -> str:
        return f"{self.user} on {self.camera}"


class DetectionZone(models.Model):
    """A polygon of the picture where detections count (LightNVR zones), normalised 0..1."""

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="detection_zones")
    zone_id = models.CharField(max_length=63)
    name = models.CharField(max_length=63)
    enabled = models.BooleanField(default=False)
    color = models.CharField(max_length=7, default="#3b82f6")
    polygon = models.JSONField(default=list, help_text='[{"x": 0.1, "y": 0.2}, …], at most 32 points')
    filter_classes = models.CharField(max_length=500, blank=True)
    min_confidence = models.FloatField(default=0.0)

    class Meta:
        ordering = ["camera", "zone_id"]
        constraints = [
            models.UniqueConstraint(fields=["camera", "zone_id"], name="cameras_detectionzone_unique")
        ]

    def __str__(self) -> str:
        return self.name


class EventSubscription(models.Model):
    """A user's wish to be notified of a camera's events, at most once per `notification_frequency`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_subscriptions"
    )
    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="event_subscriptions")
    on_generic = models.BooleanField(default=True)
    on_vehicle = models.BooleanField(default=False)
    on_face = models.BooleanField(default=False)
    on_stream_dead = models.BooleanField(default=False)
    notification_type = models.CharField(max_length=16, default="push")
    notification_frequency = models.PositiveIntegerField(default=60, help_text="Seconds")
    last_notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["camera", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "camera"], name="cameras_eventsubscription_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.camera}"
