"""Fixed vocabularies of the cameras app."""

from django.db import models


class CameraStatus(models.TextChoices):
    """What the recorder last saw (Watcher stats.status; LightNVR maps to Running/Reconnecting/Error)."""

    UNKNOWN = "unknown", "Unknown"
    STARTING = "starting", "Starting"
    RUNNING = "running", "Running"
    WAITING = "waiting", "Waiting for source"
    ERROR = "error", "Error"
    DISABLED = "disabled", "Disabled"


class Transport(models.TextChoices):
    TCP = "tcp", "RTSP over TCP"
    UDP = "udp", "RTSP over UDP"


class NamedBy(models.TextChoices):
    """Where a camera's definition came from (Watcher's `named_by` sort key)."""

    CONFIG = "config", "Configuration"
    USER = "user", "User"
    REMOTE = "remote", "Remote"


class StreamerKind(models.TextChoices):
    """The software of a recording node: ours, or a foreign NVR the Lenz API registers."""

    BUILTIN = "builtin", "Built-in recorder"
    SRS = "srs", "SRS (Visionaire Media)"
    HIKVISION = "hikvision", "Hikvision NVR"


class StreamerRole(models.TextChoices):
    STREAMER = "streamer", "Streamer"
    INFERENCE = "inference", "Inference"
    IDENTIFICATION = "identification", "Identification"


class MosaicLayout(models.TextChoices):
    """Grid layouts: the dashboard's own plus Watcher's mosaic types."""

    L1 = "1x1", "1"
    L2X2 = "2x2", "4 (2×2)"
    L3X3 = "3x3", "9 (3×3)"
    L4X4 = "4x4", "16 (4×4)"
    L1P5 = "1+5", "1 + 5"
    L1X7 = "1x7", "1 + 7"
    L5X5 = "5x5", "25 (5×5)"
    L6X6 = "6x6", "36 (6×6)"
    L7X7 = "7x7", "49 (7×7)"
    L8X8 = "8x8", "64 (8×8)"


class VisionAlgorithm(models.TextChoices):
    FACES = "faces", "Faces"
    PLATES = "plates", "License plates"


class OutputAudio(models.TextChoices):
    KEEP = "keep", "Keep"
    AAC = "aac", "Transcode to AAC"
    ADD_AAC = "add_aac", "Add AAC"
    AAC_SILENCE = "aac_silence", "AAC silence"
    KEEP_SILENCE = "keep_silence", "Keep, silence when missing"
