"""Models of the accounts app."""

from .credentials import ApiKey, AuthSession, KnownAddress, LoginFailure, TotpDevice, TrustedDevice
from .devices import DeviceToken, WebPushSubscription
from .users import User
from .web_push import VapidKey

__all__ = [
    "ApiKey",
    "AuthSession",
    "DeviceToken",
    "KnownAddress",
    "LoginFailure",
    "TotpDevice",
    "TrustedDevice",
    "User",
    "VapidKey",
    "WebPushSubscription",
]
