"""Who is signing in: the first factor (password or API key), then the second (TOTP), on every path.

A dialect calls `credentials_login` with what its request carried. The dashboard, which asks for
the code on a page of its own, calls `first_factor_check` and `second_factor_check` in turn. Either
way one rule holds: a user with a confirmed TOTP device needs the current code (or, in the
dashboard, a trusted-device cookie) after the password; an API key stands on its own, being a
long random secret the user made while signed in. Every check is throttled (services.throttle).
"""

from enum import StrEnum

from accounts.backends import LoginBackend
from accounts.choices import LoginFailureKind
from accounts.models import User
from accounts.selectors import totp_device_confirmed
from accounts.services import api_key_authenticate, totp_verify, trusted_device_check
from accounts.services.throttle import login_failure_record, login_success_record, login_throttle_check


class Factor(StrEnum):
    PASSWORD = "password"
    API_KEY = "API key"


class LoginRefused(Exception):
    """A sign-in that did not pass; `code` is a stable word for API error bodies."""

    code = "unauthorized"


class CredentialsInvalid(LoginRefused):
    code = "unauthorized"


class SecondFactorRequired(LoginRefused):
    """The password was right, but this account also needs its two-factor code."""

    code = "second_factor_required"


class SecondFactorInvalid(LoginRefused):
    code = "second_factor_invalid"


def first_factor_check(
    *, login: str, secret: str, address: str | None, password: bool = True, api_key: bool = True
) -> tuple[User, Factor]:
    """The user whose password (if `password`) or API key (if `api_key`) `secret` is.

    Raises LoginThrottled before checking anything, CredentialsInvalid (recorded) on a mismatch.
    """
    login_throttle_check(login=login, address=address)
    user = LoginBackend().authenticate(None, username=login, password=secret) if password else None
    factor = Factor.PASSWORD
    if user is None and api_key:
        key_user = api_key_authenticate(secret)
        if key_user is not None and key_user.login.lower() == login.lower():
            user, factor = key_user, Factor.API_KEY
    if user is None:
        login_failure_record(login=login, ip_address=address)
        raise CredentialsInvalid("invalid login or password")
    return user, factor


def second_factor_check(
    *, user: User, factor: Factor, address: str | None, code: str = "", trusted_device: str | None = None
) -> str:
    """Whether `user`, who passed `factor`, may sign in; returns how (for the audit log).

    Raises SecondFactorRequired when a code is needed and none came, SecondFactorInvalid for a
    wrong or replayed code (recorded: codes are throttled per account), LoginThrottled.
    """
    if factor == Factor.API_KEY:
        return str(Factor.API_KEY)
    device = totp_device_confirmed(user=user)
    if device is None:
        return "password"
    if trusted_device and trusted_device_check(user=user, raw=trusted_device):
        return "password, trusted device"
    if not code:
        raise SecondFactorRequired("this account uses two-factor authentication: the code is needed too")
    login_throttle_check(login=user.login, address=address, kind=LoginFailureKind.TOTP)
    if not totp_verify(device=device, code=code):
        login_failure_record(login=user.login, ip_address=address, kind=LoginFailureKind.TOTP)
        raise SecondFactorInvalid("the two-factor code is wrong or was already used")
    return "password and two-factor code"


def login_succeeded(*, user: User, address: str | None) -> None:
    """Every factor passed: the address becomes one the account's throttles spare."""
    login_success_record(user=user, ip_address=address)


def credentials_login(
    *, login: str, secret: str, address: str | None, code: str = "", password: bool = True
) -> tuple[User, str]:
    """One API credential check: password or API key, then the TOTP code if the account needs one.

    `password=False` accepts only an API key (headers made for keys). Returns the user and how
    they signed in; raises LoginRefused subclasses or LoginThrottled.
    """
    user, factor = first_factor_check(login=login, secret=secret, address=address, password=password)
    how = second_factor_check(user=user, factor=factor, address=address, code=code)
    login_succeeded(user=user, address=address)
    return user, how
