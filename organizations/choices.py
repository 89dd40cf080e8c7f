"""Fixed vocabularies of tenancy, shared by the dashboard, the dialects and the tests."""

from django.db import models


class Action(models.TextChoices):
    """What a user may do with a camera. Grants name these; `access_camera` checks them.

    `view` (see it exists, its status and snapshot) is implied by every other action.
    """

    VIEW = "view", "View"
    LIVE = "live", "Live video"
    ARCHIVE = "archive", "Archive playback"
    EXPORT = "export", "Export clips"
    PTZ = "ptz", "PTZ control"
    MANAGE = "manage", "Manage camera"


class MessageLevel(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    DANGER = "danger", "Danger"


class AuditKind(models.TextChoices):
    """What an audit event records (the Watcher Admin API's events list)."""

    API_CALL = "api_call", "API call"
    LOGIN = "login", "Login"
    LOGIN_FAILED = "login_failed", "Failed login"
    CAMERA_STATUS = "camera_status", "Camera status change"
    CONFIG_CHANGE = "config_change", "Configuration change"
