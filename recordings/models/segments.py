"""Recorded segments with their packed fragment index, tags, and the gaps between them."""

from datetime import timedelta

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from cameras.models import Camera, Streamer
from recordings.choices import GapReason, RetentionTier, Trigger
from recordings.media.index import FragmentRecord, unpack_fragments


class Segment(models.Model):
    """One fMP4 file of a camera: an init section followed by fragments, `[started_at, ended_at)`.

    Segments of one demux session share `run_id` and a timeline (next.started_at == prev.ended_at);
    a new run means a new init section. The fragment index is a packed blob (`media.index`), not a
    row per fragment: at one fragment a second that would be 86 400 rows per camera per day, while
    every reader (playlists, export, snapshots) wants all fragments of a few segments at once.
    An open segment (`complete=False`) grows as the recorder appends fragments.
    """

    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="segments")
    streamer = models.ForeignKey(Streamer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    path = models.CharField(max_length=500, help_text="Relative to NVR_MEDIA_ROOT")
    run_id = models.UUIDField(help_text="Demux session; segments of one run share a timeline")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    bytes = models.PositiveBigIntegerField(default=0)
    init_size = models.PositiveIntegerField(default=0, help_text="Bytes of the init section at offset 0")
    video_codec = models.CharField(max_length=20, blank=True)
    audio_codec = models.CharField(max_length=20, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    fps = models.FloatField(default=0)
    fragment_count = models.PositiveIntegerField(default=0)
    sequence = models.PositiveBigIntegerField(
        default=0, help_text="Number of the first fragment in the camera's count (HLS media sequence)"
    )
    discontinuity = models.PositiveBigIntegerField(
        default=0, help_text="Runs before this segment's run (HLS discontinuity sequence)"
    )
    fragment_index = models.BinaryField(default=b"", editable=False)
    complete = models.BooleanField(default=False)
    protected = models.BooleanField(default=False)
    purging = models.BooleanField(
        default=False,
        help_text="Being deleted: its file goes first, then the row (a crash leaves no orphans)",
    )
    retention_until = models.DateTimeField(null=True, blank=True, help_text="Keep at least until (override)")
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.CONTINUOUS)
    retention_tier = models.PositiveSmallIntegerField(
        choices=RetentionTier.choices, default=RetentionTier.STANDARD
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["camera", "started_at"]
        indexes = [
            models.Index(fields=["camera", "started_at"], name="recordings_segment_start_idx"),
            models.Index(fields=["camera", "ended_at"], name="recordings_segment_end_idx"),
            models.Index(fields=["started_at"], name="recordings_segment_age_idx"),
            models.Index(fields=["camera"], condition=Q(protected=True), name="recordings_segment_prot_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["camera", "started_at"], name="recordings_segment_camera_start_unique"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__gte=F("started_at")), name="recordings_segment_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.camera_id} {self.started_at:%Y-%m-%d %H:%M:%S}"

    @property
    def duration(self) -> timedelta:
        return self.ended_at - self.started_at

    def fragments(self) -> list[FragmentRecord]:
        return unpack_fragments(bytes(self.fragment_index))


class SegmentTag(models.Model):
    """A free-text label on a segment (LightNVR recording tags, at most 64 per recording)."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="tags")
    tag = models.CharField(max_length=127)

    class Meta:
        ordering = ["segment", "tag"]
        constraints = [
            models.UniqueConstraint(fields=["segment", "tag"], name="recordings_segmenttag_unique")
        ]
        indexes = [models.Index(fields=["tag"], name="recordings_segmenttag_tag_idx")]

    def __str__(self) -> str:
        return self.tag


class Run(models.Model):
    """One demux session's recorded range, `[started_at, ended_at)`: continuous by construction.

    The recorder keeps it beside its segments so timelines read a few rows per camera and month
    instead of one per minute. Retention trims `started_at` as it deletes a run's first segments.
    """

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="runs")
    run_id = models.UUIDField(unique=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()

    class Meta:
        ordering = ["camera", "started_at"]
        indexes = [
            models.Index(fields=["camera", "started_at"], name="recordings_run_start_idx"),
            models.Index(fields=["camera", "ended_at"], name="recordings_run_end_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__gte=F("started_at")), name="recordings_run_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.camera_id} run {self.started_at:%Y-%m-%d %H:%M:%S}"


class Gap(models.Model):
    """A stretch without footage and why: the recorder writes one for every outage it sees.

    `ended_at` is empty while the outage lasts.
    """

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="gaps")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=16, choices=GapReason.choices)
    detail = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["camera", "started_at"]
        indexes = [models.Index(fields=["camera", "started_at"], name="recordings_gap_start_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="recordings_gap_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.camera_id} gap {self.reason} at {self.started_at:%Y-%m-%d %H:%M:%S}"
