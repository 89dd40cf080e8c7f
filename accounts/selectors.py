"""Read-side queries of the accounts app."""

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import TotpDevice, TrustedDevice, User


def totp_device_confirmed(*, user: User) -> TotpDevice | None:
    """The user's confirmed TOTP device, if logins need a second step."""
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def trusted_device_list(*, user: User) -> QuerySet[TrustedDevice]:
    """The user's trusted devices that still skip the code step, newest first."""
    return user.trusted_devices.filter(expires_at__gt=timezone.now()).order_by("-created_at")
