"""Read-side queries of the accounts app."""

from accounts.models import TotpDevice, User


def totp_device_confirmed(*, user: User) -> TotpDevice | None:
    """The user's confirmed TOTP device, if logins need a second step."""
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()
