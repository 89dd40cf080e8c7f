"""Credentials beyond the password: API keys, TOTP devices, API sessions (and their spent refresh
tokens), trusted devices, failures."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.choices import LoginFailureKind, SessionDialect


class ApiKey(models.Model):
    """A key an integration sends instead of a password (Watcher `apikey`, LightNVR `api_key`).

    Only a SHA-256 of the key is stored; `prefix` is its first characters, shown so a user can
    tell keys apart. The full key is shown once, when it is made.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class TotpDevice(models.Model):
    """A user's RFC 6238 authenticator (HMAC-SHA1, 6 digits, 30 s), the second login step.

    It is enforced once `confirmed_at` is set. `last_used_step` refuses a code used twice.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device"
    )
    secret = models.CharField(max_length=64, help_text="Base32 secret")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_used_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "TOTP device"

    def __str__(self) -> str:
        return f"TOTP for {self.user}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class AuthSession(models.Model):
    """An API login: the Watcher JWT `session` claim and its refresh token, or a LightNVR session.

    Counting live rows enforces `User.max_sessions`. Only hashes of tokens are stored.
    """

    key = models.CharField(max_length=40, unique=True, help_text="Public session id (JWT `session` claim)")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="auth_sessions")
    dialect = models.CharField(max_length=12, choices=SessionDialect.choices)
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    refresh_token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    idle_expires_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The user's auth stamp when the session started: a new password or "sign out everywhere"
    # changes the user's, which ends the session however the change was made.
    auth_stamp = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "revoked_at", "expires_at"], name="accounts_session_live_idx")
        ]

    def __str__(self) -> str:
        return f"{self.dialect} session of {self.user}"

    @property
    def is_live(self) -> bool:
        now = timezone.now()
        idle_ok = self.idle_expires_at is None or self.idle_expires_at > now
        return self.revoked_at is None and self.expires_at > now and idle_ok


class SpentRefreshToken(models.Model):
    """A refresh token already exchanged for a new one. Presented again, it was copied: its session ends."""

    session = models.ForeignKey(AuthSession, on_delete=models.CASCADE, related_name="spent_refresh_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    spent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-spent_at"]

    def __str__(self) -> str:
        return f"spent refresh token of {self.session}"


class TrustedDevice(models.Model):
    """A browser that passed TOTP with "remember this device" and skips it until `expires_at`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trusted_devices"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"trusted device of {self.user}"


class LoginFailure(models.Model):
    """One failed login, kept for brute-force throttling (accounts.services.throttle)."""

    login = models.CharField(max_length=150)
    kind = models.CharField(  # db_default too: rows written by hand (or by older code) count as passwords
        max_length=8,
        choices=LoginFailureKind.choices,
        default=LoginFailureKind.PASSWORD,
        db_default=LoginFailureKind.PASSWORD,
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["login", "created_at"], name="accounts_failure_login_idx"),
            models.Index(fields=["ip_address", "created_at"], name="accounts_failure_ip_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.login} from {self.ip_address} at {self.created_at:%Y-%m-%d %H:%M:%S}"


class KnownAddress(models.Model):
    """An address the user signed in from with every factor: the throttles that count failures over
    many accounts or many addresses spare it, so attackers elsewhere cannot lock its owner out."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="known_addresses"
    )
    ip_address = models.GenericIPAddressField()
    last_login_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_login_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "ip_address"], name="accounts_knownaddress_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} from {self.ip_address}"
