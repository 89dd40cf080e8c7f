"""Lenz's records that tie an analytics stream to a recording node."""

from django.db import models
from django.utils import timezone

from .streamers import Streamer


class RtmpStream(models.Model):
    """A Visionaire stream that is pushed over RTMP to a node (Lenz `rtmp-streams`).

    `stream_id` is the Visionaire stream id; when it names one of our cameras, `camera` links it.
    """

    stream_id = models.CharField(max_length=200, unique=True)
    stream_node_number = models.IntegerField()
    streamer = models.ForeignKey(Streamer, on_delete=models.PROTECT, related_name="rtmp_streams")
    camera = models.ForeignKey(
        "cameras.Camera", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "RTMP stream"

    def __str__(self) -> str:
        return self.stream_id


class NvrResource(models.Model):
    """A stream recorded by a node, with its source and NVR-side URLs (Lenz `nvrs`)."""

    stream_id = models.CharField(max_length=200, unique=True)
    stream_node_number = models.IntegerField()
    nvr_original_url = models.CharField(max_length=1000)
    cam_original_url = models.CharField(max_length=1000)
    streamer = models.ForeignKey(Streamer, on_delete=models.PROTECT, related_name="nvr_resources")
    camera = models.ForeignKey(
        "cameras.Camera", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    active = models.BooleanField(default=True)
    instance = models.CharField(max_length=100, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "NVR resource"
        indexes = [models.Index(fields=["streamer", "created_at"], name="cameras_nvrresource_server_idx")]

    def __str__(self) -> str:
        return self.stream_id
