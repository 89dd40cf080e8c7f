"""Sign-in throttling: the one implementation every login path calls (dashboard, TOTP step, each API).

Failed checks are LoginFailure rows, kept NVR_LOGIN_FAILURE_WINDOW. Each rule below has a free
allowance; past it, the next attempt must wait NVR_LOGIN_FIRST_DELAY * 2**(n - free) seconds after
the latest failure, at most NVR_LOGIN_MAX_DELAY, and is refused unchecked (LoginThrottled) until then:

- one login from one address: failures since that pair last signed in; always applies.
- one address, any login (password spraying): spares logins that signed in from it before
  (KnownAddress), so colleagues behind an attacker's NAT keep working.
- one login from many addresses (a distributed attack): counts distinct addresses, not failures,
  and spares known addresses.
- TOTP codes: per account wherever they come from; whoever guesses them already has the password.

So failures from one address never delay the owner at another. django-axes and django-ratelimit
were considered: both lock (or count) fixed windows per key, neither spares known addresses, grows
delays or covers a TOTP step, and axes wants its own backend and middleware on every path.
"""

import math
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone

from accounts.choices import LoginFailureKind
from accounts.models import KnownAddress, LoginFailure, User

KNOWN_ADDRESS_DAYS = 90  # an address unused this long is a stranger again
KNOWN_ADDRESS_REFRESH = timedelta(minutes=1)  # fewer writes for clients that send Basic every request


class LoginThrottled(Exception):
    """Too many recent failures: `retry_after` seconds until the next attempt is checked."""

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def _setting(name: str) -> int:
    return int(getattr(settings, name))


def failure_window() -> timedelta:
    return timedelta(seconds=_setting("NVR_LOGIN_FAILURE_WINDOW"))


def max_delay() -> int:
    """The longest a throttled client waits (Watcher's `watcher_brute_force_timeout`)."""
    return _setting("NVR_LOGIN_MAX_DELAY")


def _wait(failures, *, free: int, now, distinct_addresses: bool = False) -> float:
    """Seconds still to wait after these failures (or the distinct addresses they came from)."""
    count = Count("ip_address", distinct=True) if distinct_addresses else Count("id")
    stats = failures.aggregate(count=count, last=Max("created_at"))
    if stats["count"] < free or stats["last"] is None:
        return 0.0
    delay = min(_setting("NVR_LOGIN_FIRST_DELAY") * 2 ** min(stats["count"] - free, 32), max_delay())
    return max(0.0, (stats["last"] + timedelta(seconds=delay) - now).total_seconds())


def _known_at(login: str, address: str | None):
    """When `login` last signed in from `address`, if it is a known address of that account."""
    if not address:
        return None
    since = timezone.now() - timedelta(days=KNOWN_ADDRESS_DAYS)
    return (
        KnownAddress.objects.filter(user__login__iexact=login, ip_address=address, last_login_at__gte=since)
        .values_list("last_login_at", flat=True)
        .first()
    )


def login_throttle_check(*, login: str, address: str | None, kind: str = LoginFailureKind.PASSWORD) -> None:
    """Raise LoginThrottled when `login` may not be tried from `address` yet; call before checking."""
    now = timezone.now()
    recent = LoginFailure.objects.filter(kind=kind, created_at__gte=now - failure_window())
    free = _setting("NVR_LOGIN_FREE_FAILURES")
    of_login = recent.filter(login__iexact=login)
    if kind == LoginFailureKind.TOTP:
        waits = {"too many wrong two-factor codes for this account": _wait(of_login, free=free, now=now)}
    else:
        known_at = _known_at(login, address)
        pair = of_login.filter(ip_address=address)
        if known_at is not None:
            pair = pair.filter(created_at__gt=known_at)
        waits = {"too many failed sign-ins for this login from here": _wait(pair, free=free, now=now)}
        if known_at is None:
            waits["too many failed sign-ins for this login"] = _wait(
                of_login.filter(ip_address__isnull=False),
                free=_setting("NVR_LOGIN_ACCOUNT_ADDRESSES"),
                now=now,
                distinct_addresses=True,
            )
        if known_at is None and address:
            waits["too many failed sign-ins from this address"] = _wait(
                recent.filter(ip_address=address),
                free=_setting("NVR_LOGIN_FREE_FAILURES_PER_ADDRESS"),
                now=now,
            )
    message, wait = max(waits.items(), key=lambda item: item[1])
    if wait > 0:
        raise LoginThrottled(f"{message}; try again in {math.ceil(wait)} s", retry_after=math.ceil(wait))


def login_failure_record(
    *, login: str, ip_address: str | None, kind: str = LoginFailureKind.PASSWORD
) -> LoginFailure:
    """Remember a failed check; login_throttle_check counts these."""
    return LoginFailure.objects.create(login=login[:150], ip_address=ip_address, kind=kind)


def login_success_record(*, user: User, ip_address: str | None) -> None:
    """Remember that `user` signed in from this address with every factor it needs."""
    if not ip_address:
        return
    now = timezone.now()
    row = KnownAddress.objects.filter(user=user, ip_address=ip_address).first()
    if row is not None:
        if row.last_login_at < now - KNOWN_ADDRESS_REFRESH:
            KnownAddress.objects.filter(pk=row.pk).update(last_login_at=now)
        return
    try:
        with transaction.atomic():
            KnownAddress.objects.create(user=user, ip_address=ip_address, last_login_at=now)
    except IntegrityError:  # a concurrent sign-in from the same address made it first
        pass


def login_lockout_clear(*, login: str | None = None, ip_address: str | None = None) -> int:
    """Forget the failures of a login and/or an address (an administrator lifting a lockout).

    Returns how many failure records went. Both None clears nothing.
    """
    if login is None and ip_address is None:
        return 0
    failures = LoginFailure.objects.all()
    if login is not None:
        failures = failures.filter(login__iexact=login)
    if ip_address is not None:
        failures = failures.filter(ip_address=ip_address)
    return failures.delete()[0]


def known_addresses_purge(*, now=None) -> int:
    now = now or timezone.now()
    return KnownAddress.objects.filter(last_login_at__lt=now - timedelta(days=KNOWN_ADDRESS_DAYS)).delete()[0]
