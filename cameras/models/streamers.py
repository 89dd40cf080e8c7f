"""Recording nodes and the history of which node records which camera."""

import datetime as dt

from django.db import models
from django.utils import timezone

from cameras.choices import StreamerKind, StreamerRole


class Streamer(models.Model):
    """A recording node: Watcher's "streamer", Lenz's "NVR server".

    Built-in nodes register themselves from ingest worker heartbeats (`stats`, `last_heartbeat_at`);
    an administrator may disable one or cap its cameras, and the recorder honours it. Foreign nodes
    (`srs`, `hikvision`) are registered through the Lenz API with their host and ports.
    """

    hostname = models.CharField(max_length=255, unique=True)
    title = models.CharField(max_length=200, blank=True, help_text="Display name (Lenz `name`)")
    kind = models.CharField(max_length=12, choices=StreamerKind.choices, default=StreamerKind.BUILTIN)
    role = models.CharField(max_length=16, choices=StreamerRole.choices, default=StreamerRole.STREAMER)
    host = models.CharField(
        max_length=255, blank=True, help_text="Base URL with scheme, e.g. http://10.0.0.5"
    )
    api_port = models.PositiveIntegerField(null=True, blank=True)
    playback_port = models.PositiveIntegerField(null=True, blank=True)
    instance = models.CharField(max_length=100, null=True, blank=True, help_text="Lenz federation instance")
    enabled = models.BooleanField(default=True)
    channel_limit = models.PositiveIntegerField(
        null=True, blank=True, help_text="Most cameras; empty is unlimited."
    )
    total_bandwidth = models.PositiveIntegerField(null=True, blank=True, help_text="kbit/s")
    labels = models.JSONField(default=dict, blank=True)
    cluster_key = models.CharField(max_length=200, blank=True)
    dvrs = models.JSONField(default=list, blank=True, help_text="Archive storages (Watcher DvrConfig)")
    config = models.JSONField(default=dict, blank=True, help_text="Media-server configuration blob")
    stats = models.JSONField(
        default=dict, blank=True, help_text="Latest heartbeat: CPU, memory, disks, bitrate"
    )
    version = models.CharField(max_length=40, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    last_heartbeat_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["hostname"]

    ONLINE_WINDOW = dt.timedelta(seconds=30)  # three missed heartbeats (every 10 s) and it is offline

    def __str__(self) -> str:
        return self.title or self.hostname

    def is_online(self, now=None) -> bool:
        now = now or timezone.now()
        return self.last_heartbeat_at is not None and now - self.last_heartbeat_at <= self.ONLINE_WINDOW


class CameraPlacement(models.Model):
    """One decision of where a camera is recorded; append-only (Watcher's stream layouts)."""

    camera = models.ForeignKey("cameras.Camera", on_delete=models.CASCADE, related_name="placements")
    streamer = models.ForeignKey(Streamer, null=True, blank=True, on_delete=models.SET_NULL)
    change_reason = models.CharField(max_length=64, blank=True)
    originator = models.CharField(max_length=16, default="layouter")
    decisions = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["camera", "created_at"], name="cameras_placement_camera_idx")]

    def __str__(self) -> str:
        return f"{self.camera} -> {self.streamer}"


class NodeEgress(models.Model):
    """What one web process on a node has served to players: bytes so far, and clients lately.

    One row per process, flushed every few seconds (recordings.egress), so serving media never
    waits on a shared row; the node's heartbeat sums its rows into `output_kbit` and
    `total_clients`.
    """

    hostname = models.CharField(max_length=255)
    process = models.CharField(max_length=64)
    bytes_total = models.PositiveBigIntegerField(default=0)
    clients = models.PositiveIntegerField(default=0, help_text="Players served in the last 30 s")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hostname", "process"], name="cameras_nodeegress_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.hostname}/{self.process}"
