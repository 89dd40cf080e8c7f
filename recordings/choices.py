"""Fixed vocabularies of the recordings app."""

from django.db import models


class Trigger(models.TextChoices):
    """Why a segment was recorded (LightNVR's trigger_type / capture_method)."""

    CONTINUOUS = "continuous", "Continuous"
    SCHEDULED = "scheduled", "Scheduled"
    DETECTION = "detection", "Detection"
    MOTION = "motion", "Motion"
    MANUAL = "manual", "Manual"


class RetentionTier(models.IntegerChoices):
    CRITICAL = 0, "Critical"
    IMPORTANT = 1, "Important"
    STANDARD = 2, "Standard"
    EPHEMERAL = 3, "Ephemeral"


class GapReason(models.TextChoices):
    """Why footage is missing; every outage the recorder sees is one gap with one reason."""

    CONNECT_FAILED = "connect_failed", "Could not connect"
    SOURCE_ENDED = "source_ended", "Source closed the stream"
    STALLED = "stalled", "No data from the source"
    TIMESTAMP_JUMP = "timestamp_jump", "Timestamps jumped"
    WORKER_STOPPED = "worker_stopped", "Recorder stopped"
    LEASE_LOST = "lease_lost", "Recorder lost the camera"
    DISK_ERROR = "disk_error", "Disk error"
    RECORDER_ERROR = "recorder_error", "Recorder error"
    DISABLED = "disabled", "Camera disabled"
    PRIVACY = "privacy", "Privacy mode"


class EpisodeType(models.TextChoices):
    GENERIC = "generic", "Generic"
    MOTION = "motion", "Motion"
    FACE = "face", "Face"
    VEHICLE = "vehicle", "Vehicle"
    HUMAN = "human", "Human"
    QR_CODE = "qr_code", "QR code"
    CUSTOM = "custom", "Custom"


class RetentionScope(models.TextChoices):
    """Where a retention policy applies. A camera's own archive settings live on the camera."""

    DEFAULT = "default", "Default"
    ORGANIZATION = "organization", "Organization"
    NODE = "node", "Recording node"


class JobKind(models.TextChoices):
    EXPORT = "export", "Clip export"
    BATCH_DELETE = "batch_delete", "Batch delete"
    BATCH_PROTECT = "batch_protect", "Batch protect"
    BATCH_DOWNLOAD = "batch_download", "Batch download"
    RETENTION = "retention", "Retention run"
    SYNC = "sync", "Index sync"


class JobStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class PersonOriginator(models.TextChoices):
    API = "api", "API"
    IDENTIFICATION_SERVICE = "identification_service", "Identification service"
