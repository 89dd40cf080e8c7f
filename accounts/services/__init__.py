"""Write-side operations on accounts: users, API keys, TOTP devices and trusted devices."""

import hashlib
import secrets
from datetime import timedelta

import pyotp
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiKey, AuthSession, LoginFailure, TotpDevice, TrustedDevice, User
from accounts.services.throttle import failure_window, known_addresses_purge

API_KEY_PREFIX_LENGTH = 8
TOTP_STEP = 30
TRUSTED_DEVICE_DAYS = 30


def token_hash(raw: str) -> str:
    """SHA-256 of a random token: enough for high-entropy secrets, and indexable for lookup."""
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def user_create(*, login: str, password: str | None, actor=None, **fields) -> User:
    """Create a user; `password=None` makes one that cannot log in with a password (API only)."""
    user = User(login=login, **fields)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
        user.password_changed_at = timezone.now()
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def api_key_create(*, user: User, name: str = "", raw_key: str | None = None) -> tuple[ApiKey, str]:
    """Make an API key for `user`. Returns the row and the raw key, which is never stored or shown again.

    `raw_key` lets a client choose its key (Watcher's profile `apikey`); it must be long enough.
    """
    raw = raw_key or secrets.token_urlsafe(24)
    if len(raw) < 16:
        raise ValueError("an API key needs at least 16 characters")
    key = ApiKey.objects.create(
        user=user, name=name, prefix=raw[:API_KEY_PREFIX_LENGTH], key_hash=token_hash(raw)
    )
    return key, raw


def api_key_authenticate(raw: str) -> User | None:
    """The active user owning this key, or None. An empty key never matches."""
    if not raw:
        return None
    key = ApiKey.objects.select_related("user").filter(key_hash=token_hash(raw)).first()
    if key is None or not key.is_usable or not key.user.is_active:
        return None
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key.user


@transaction.atomic
def totp_device_start(*, user: User) -> TotpDevice:
    """Begin TOTP enrolment with a fresh secret; it protects logins only once confirmed."""
    TotpDevice.objects.filter(user=user).delete()
    return TotpDevice.objects.create(user=user, secret=pyotp.random_base32())


def totp_provisioning_uri(device: TotpDevice, *, issuer: str) -> str:
    return pyotp.TOTP(device.secret).provisioning_uri(name=device.user.login, issuer_name=issuer)


def _matching_step(device: TotpDevice, code: str) -> int | None:
    """The time step (±1 for clock drift) whose code equals `code`, if any."""
    code = (code or "").strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(device.secret)
    now_step = int(time_now() // TOTP_STEP)
    for step in (now_step, now_step - 1, now_step + 1):
        if secrets.compare_digest(totp.at(step * TOTP_STEP), code):
            return step
    return None


def time_now() -> float:
    return timezone.now().timestamp()


@transaction.atomic
def totp_verify(*, device: TotpDevice, code: str) -> bool:
    """Check a code; each time step is accepted once, so an overheard code cannot be replayed."""
    device = TotpDevice.objects.select_for_update().get(pk=device.pk)
    step = _matching_step(device, code)
    if step is None or step <= device.last_used_step:
        return False
    device.last_used_step = step
    if device.confirmed_at is None:
        device.confirmed_at = timezone.now()
    device.save(update_fields=["last_used_step", "confirmed_at"])
    return True


def totp_device_disable(*, user: User) -> None:
    TotpDevice.objects.filter(user=user).delete()
    TrustedDevice.objects.filter(user=user).delete()


def trusted_device_create(
    *, user: User, ip_address: str | None, user_agent: str, days: int = TRUSTED_DEVICE_DAYS
) -> tuple[TrustedDevice, str]:
    raw = secrets.token_urlsafe(32)
    device = TrustedDevice.objects.create(
        user=user,
        token_hash=token_hash(raw),
        ip_address=ip_address,
        user_agent=user_agent[:400],
        expires_at=timezone.now() + timedelta(days=days),
    )
    return device, raw


def trusted_device_check(*, user: User, raw: str | None) -> bool:
    """True if `raw` is a live trusted-device token of `user` (and records its use)."""
    if not raw:
        return False
    now = timezone.now()
    updated = TrustedDevice.objects.filter(user=user, token_hash=token_hash(raw), expires_at__gt=now).update(
        last_used_at=now
    )
    return updated == 1


def trusted_device_revoke(*, user: User, device_id) -> bool:
    """Forget one of `user`'s trusted devices; False when it is not theirs (or does not exist)."""
    deleted, _ = TrustedDevice.objects.filter(user=user, pk=device_id).delete()
    return deleted > 0


def credentials_purge(*, now=None) -> dict[str, int]:
    """Delete API sessions, trusted devices, login failures and known addresses that no longer matter.

    Expired rows are kept for a day so a user can still see why a session ended. Returns the
    number of rows deleted per kind.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=1)
    return {
        "sessions": AuthSession.objects.filter(expires_at__lt=cutoff).delete()[0],
        "trusted_devices": TrustedDevice.objects.filter(expires_at__lt=cutoff).delete()[0],
        "login_failures": LoginFailure.objects.filter(created_at__lt=now - failure_window()).delete()[0],
        "known_addresses": known_addresses_purge(now=now),
    }


@transaction.atomic
def user_set_active(*, users, active: bool, actor=None) -> int:
    """Enable or disable accounts; disabling also ends their API sessions. Never disables `actor`."""
    users = User.objects.filter(pk__in=[u.pk for u in users]).exclude(is_active=active)
    if not active and actor is not None:
        users = users.exclude(pk=actor.pk)
    ids = list(users.values_list("pk", flat=True))
    count = User.objects.filter(pk__in=ids).update(is_active=active)
    if not active:
        auth_sessions_revoke(sessions=AuthSession.objects.filter(user_id__in=ids))
    return count


def auth_sessions_revoke(*, sessions) -> int:
    """End API sessions now: their access and refresh tokens stop working at once."""
    return sessions.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


def api_keys_revoke(*, keys) -> int:
    return keys.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


# --- issue 7: a user's own profile (Watcher `profile_save`) -------------------------------------


PROFILE_FIELDS = frozenset({"login", "fullname", "email", "phone", "locale", "note", "max_sessions"})
PROFILE_KEY_NAME = "profile"  # the one key a user sets through their profile


@transaction.atomic
def profile_update(*, user: User, password: str | None = None, keep_session=None, **fields) -> User:
    """Change a user's own account: PROFILE_FIELDS and, when `password` is non-empty, the password.

    Raises PermissionDenied for a read-only user (or a password change on a locked account) and
    ValidationError keyed by model field ("password" for a weak password). A new password ends
    every other API session of the user (`keep_session`, the caller's, stays).
    """
    unknown = set(fields) - PROFILE_FIELDS
    if unknown:
        raise TypeError(f"not profile fields: {', '.join(sorted(unknown))}")
    if user.readonly:
        raise PermissionDenied("this account may not change its own data")
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    if password:
        if user.password_change_locked:
            raise PermissionDenied("the password of this account may not be changed")
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from None
        user.set_password(password)
        user.password_changed_at = timezone.now()
        from accounts.services.sessions import sessions_after_password_change  # it imports this module

        sessions_after_password_change(user=user, keep_session=keep_session)
    user.save()
    return user


@transaction.atomic
def profile_api_key_set(*, user: User, raw_key: str | None) -> str | None:
    """Replace the user's profile API key; returns the raw key, shown this once (only a hash is kept).

    `raw_key=None` revokes it; "" generates a random key; anything else becomes the key (ValueError
    under 16 characters). Keys made elsewhere (the admin's) are left alone.
    """
    if user.readonly:
        raise PermissionDenied("this account may not change its own data")
    return profile_api_key_replace(user=user, raw_key=raw_key)


@transaction.atomic
def profile_api_key_replace(*, user: User, raw_key: str | None) -> str | None:
    """profile_api_key_set without the own-account rules, for a manager acting on `user`."""
    api_keys_revoke(keys=ApiKey.objects.filter(user=user, name=PROFILE_KEY_NAME))
    if raw_key is None:
        return None
    _, raw = api_key_create(user=user, name=PROFILE_KEY_NAME, raw_key=raw_key or None)
    return raw
