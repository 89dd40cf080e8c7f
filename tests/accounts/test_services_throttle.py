"""accounts.services.throttle on its own: the rules' edges (the behaviour is in tests/security)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.choices import LoginFailureKind
from accounts.models import KnownAddress, LoginFailure
from accounts.services.throttle import (
    LoginThrottled,
    login_failure_record,
    login_success_record,
    login_throttle_check,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
HERE = "192.0.2.1"


@pytest.fixture(autouse=True)
def _slow_waits(settings):
    settings.NVR_LOGIN_FIRST_DELAY = 60


def fail(times, login="dave", address=HERE, kind=LoginFailureKind.PASSWORD):
    for _ in range(times):
        login_failure_record(login=login, ip_address=address, kind=kind)


def test_the_free_allowance_then_a_wait(settings):
    fail(settings.NVR_LOGIN_FREE_FAILURES - 1)
    login_throttle_check(login="dave", address=HERE)
    fail(1)
    with pytest.raises(LoginThrottled) as caught:
        login_throttle_check(login="DAVE", address=HERE)  # logins are case-insensitive
    assert 0 < caught.value.retry_after <= 60


def test_failures_older_than_the_window_do_not_count(settings):
    fail(settings.NVR_LOGIN_FREE_FAILURES)
    old = timezone.now() - timedelta(seconds=settings.NVR_LOGIN_FAILURE_WINDOW + 1)
    LoginFailure.objects.update(created_at=old)
    login_throttle_check(login="dave", address=HERE)


def test_password_and_code_failures_are_counted_apart(settings):
    fail(settings.NVR_LOGIN_FREE_FAILURES, kind=LoginFailureKind.TOTP)
    login_throttle_check(login="dave", address=HERE)
    with pytest.raises(LoginThrottled):
        login_throttle_check(login="dave", address="198.51.100.9", kind=LoginFailureKind.TOTP)


def test_a_request_without_an_address_is_throttled_by_login(settings):
    fail(settings.NVR_LOGIN_FREE_FAILURES, address=None)
    with pytest.raises(LoginThrottled):
        login_throttle_check(login="dave", address=None)
    login_throttle_check(login="dave", address=HERE)


def test_signing_in_resets_the_count_for_that_address_only(settings):
    user = UserFactory(login="dave")
    fail(settings.NVR_LOGIN_FREE_FAILURES - 1)
    login_success_record(user=user, ip_address=HERE)
    fail(settings.NVR_LOGIN_FREE_FAILURES - 1)
    login_throttle_check(login="dave", address=HERE)
    login_success_record(user=user, ip_address=HERE)  # a second success within a minute writes nothing
    assert KnownAddress.objects.filter(user=user).count() == 1
