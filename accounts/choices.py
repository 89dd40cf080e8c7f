"""Fixed vocabularies of the accounts app."""

from django.db import models


class Role(models.TextChoices):
    """What a user may do across the whole installation (LightNVR's roles; Watcher's access_level).

    `admin` is the domain administrator (Watcher `access_level=admin`, LightNVR role 0); the others
    are Watcher `generic` users whose reach inside an organization comes from membership and grants.
    """

    ADMIN = "admin", "Administrator"
    USER = "user", "User"
    VIEWER = "viewer", "Viewer"
    API = "api", "API client"


class SessionDialect(models.TextChoices):
    """Which surface issued a session: each dialect has its own token format and lifetime."""

    DASHBOARD = "dashboard", "Dashboard"
    WATCHER = "watcher", "Flussonic Watcher API"
    LIGHTNVR = "lightnvr", "LightNVR API"
    LENZ = "lenz", "Lenz API"


class LoginFailureKind(models.TextChoices):
    """Which check a failed login failed: throttled separately, since a TOTP guess needs the password."""

    PASSWORD = "password", "Password or API key"
    TOTP = "totp", "Two-factor code"
