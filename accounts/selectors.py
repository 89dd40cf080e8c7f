"""Read-side queries of the accounts app."""

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import ApiKey, TotpDevice, TrustedDevice, User


def totp_device_confirmed(*, user: User) -> TotpDevice | None:
    """The user's confirmed TOTP device, if logins need a second step."""
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def trusted_device_list(*, user: User) -> QuerySet[TrustedDevice]:
    """The user's trusted devices that still skip the code step, newest first."""
    return user.trusted_devices.filter(expires_at__gt=timezone.now()).order_by("-created_at")


def profile_api_key_get(*, user: User):
    """The user's usable profile API key (its row: prefix and dates, never the key), or None."""
    from accounts.services import PROFILE_KEY_NAME  # services import selectors' models only

    now = timezone.now()
    keys = ApiKey.objects.filter(user=user, name=PROFILE_KEY_NAME, revoked_at__isnull=True)
    return next((key for key in keys if key.expires_at is None or key.expires_at > now), None)
