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
import operator
from datetime import timedelta
from functools import reduce

from django.conf import settings
from django.db.models import Count, Max, Q
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


def _wait(*, count: int, last, free: int, now) -> float:
    """Seconds still to wait after `count` failures (or addresses), the latest at `last`."""
    if count < free or last is None:
        return 0.0
    delay = min(_setting("NVR_LOGIN_FIRST_DELAY") * 2 ** min(count - free, 32), max_delay())
    return max(0.0, (last + timedelta(seconds=delay) - now).total_seconds())


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


def _rules(*, login: str, address: str | None, kind: str) -> list[tuple[str, Q, int, bool]]:
    """(message, which failures, free allowance, count distinct addresses) for this attempt."""
    of_login = Q(login__iexact=login)
    free = _setting("NVR_LOGIN_FREE_FAILURES")
    if kind == LoginFailureKind.TOTP:
        return [("too many wrong two-factor codes for this account", of_login, free, False)]
    known_at = _known_at(login, address)
    pair = of_login & Q(ip_address=address)
    from_here = "too many failed sign-ins for this login from here"
    if known_at is not None:  # a known address: only failures since its last sign-in, no wider rule
        return [(from_here, pair & Q(created_at__gt=known_at), free, False)]
    rules = [
        (from_here, pair, free, False),
        ("too many failed sign-ins for this login", of_login, _setting("NVR_LOGIN_ACCOUNT_ADDRESSES"), True),
    ]
    if address:
        free_here = _setting("NVR_LOGIN_FREE_FAILURES_PER_ADDRESS")
        rules.append(("too many failed sign-ins from this address", Q(ip_address=address), free_here, False))
    return rules


def login_throttle_check(*, login: str, address: str | None, kind: str = LoginFailureKind.PASSWORD) -> None:
    """Raise LoginThrottled when `login` may not be tried from `address` yet; call before checking."""
    now = timezone.now()
    rules = _rules(login=login, address=address, kind=kind)
    recent = LoginFailure.objects.filter(kind=kind, created_at__gte=now - failure_window())
    recent = recent.filter(reduce(operator.or_, (which for _, which, _, _ in rules)))
    counts = {}
    for n, (_, which, _, distinct) in enumerate(rules):
        counts[f"count{n}"] = Count("ip_address" if distinct else "id", filter=which, distinct=distinct)
        counts[f"last{n}"] = Max("created_at", filter=which)
    stats = recent.aggregate(**counts)  # one query for every rule
    waits = [
        (_wait(count=stats[f"count{n}"], last=stats[f"last{n}"], free=free, now=now), message)
        for n, (message, _, free, _) in enumerate(rules)
    ]
    wait, message = max(waits)
    if wait > 0:
        raise LoginThrottled(message, retry_after=math.ceil(wait))


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
    # ignore_conflicts: a concurrent sign-in from the same address may have made it first
    KnownAddress.objects.bulk_create(
        [KnownAddress(user=user, ip_address=ip_address, last_login_at=now)], ignore_conflicts=True
    )


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
