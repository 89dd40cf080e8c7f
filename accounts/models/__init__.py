"""Models of the accounts app."""

from .credentials import (
    ApiKey,
    AuthSession,
    KnownAddress,
    LoginFailure,
    SpentRefreshToken,
    TotpDevice,
    TrustedDevice,
)
from .devices import DeviceToken, WebPushSubscription
from .users import User
from .web_push import VapidKey

__all__ = [
    "ApiKey",
    "AuthSession",
    "DeviceToken",
    "KnownAddress",
    "LoginFailure",
    "SpentRefreshToken",
    "TotpDevice",
    "TrustedDevice",
    "User",
    "VapidKey",
    "WebPushSubscription",
]
