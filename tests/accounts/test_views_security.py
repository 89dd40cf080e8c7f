"""The security page: two-factor enrolment and removal, and trusted devices."""

import pyotp
import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import TotpDevice, TrustedDevice
from accounts.services import trusted_device_create
from accounts.views import TRUSTED_DEVICE_COOKIE
from tests.factories import PASSWORD, UserFactory

SECURITY_URL = reverse("accounts:security")

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return UserFactory(login="erin")


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def _confirmed_device(user):
    return TotpDevice.objects.create(user=user, secret=pyotp.random_base32(), confirmed_at=timezone.now())


def test_security_page_needs_a_signed_in_user(client):
    response = client.get(SECURITY_URL)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_security_page_says_two_factor_is_off_and_offers_to_enable_it(signed_in):
    response = signed_in.get(SECURITY_URL)

    content = response.content.decode()
    assert response.status_code == 200
    assert "Enable two-factor" in content


def test_enrolment_shows_secret_and_qr_code_then_a_code_confirms_the_device(signed_in, user):
    signed_in.post(reverse("accounts:totp_enable"))
    device = TotpDevice.objects.get(user=user)
    assert device.confirmed_at is None

    page = signed_in.get(SECURITY_URL).content.decode()
    assert device.secret in page
    assert "<svg" in page

    response = signed_in.post(reverse("accounts:totp_confirm"), {"code": pyotp.TOTP(device.secret).now()})

    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed_at is not None
    assert "Disable two-factor" in signed_in.get(SECURITY_URL).content.decode()


def test_wrong_enrolment_code_leaves_the_device_unconfirmed(signed_in, user):
    signed_in.post(reverse("accounts:totp_enable"))

    response = signed_in.post(reverse("accounts:totp_confirm"), {"code": "000000"})

    assert response.status_code == 422
    assert "not valid" in response.content.decode()
    assert TotpDevice.objects.get(user=user).confirmed_at is None


def test_enable_does_not_replace_a_confirmed_device(signed_in, user):
    device = _confirmed_device(user)

    signed_in.post(reverse("accounts:totp_enable"))

    assert TotpDevice.objects.get(user=user).secret == device.secret


def test_disable_needs_the_current_password(signed_in, user):
    _confirmed_device(user)

    response = signed_in.post(reverse("accounts:totp_disable"), {"password": "wrong"})

    assert response.status_code == 422
    assert TotpDevice.objects.filter(user=user).exists()

    response = signed_in.post(reverse("accounts:totp_disable"), {"password": PASSWORD})

    assert response.status_code == 302
    assert not TotpDevice.objects.filter(user=user).exists()


def test_trusted_devices_are_listed_and_can_be_revoked(signed_in, user):
    _confirmed_device(user)
    device, raw = trusted_device_create(user=user, ip_address="192.0.2.7", user_agent="Firefox on the desk")
    signed_in.cookies[TRUSTED_DEVICE_COOKIE] = raw

    page = signed_in.get(SECURITY_URL).content.decode()
    assert "Firefox on the desk" in page
    assert "This browser" in page

    response = signed_in.post(reverse("accounts:trusted_device_revoke", args=[device.pk]))

    assert response.status_code == 302
    assert not TrustedDevice.objects.filter(pk=device.pk).exists()


def test_another_users_trusted_device_cannot_be_revoked(signed_in):
    device, _raw = trusted_device_create(user=UserFactory(), ip_address=None, user_agent="")

    response = signed_in.post(reverse("accounts:trusted_device_revoke", args=[device.pk]))

    assert response.status_code == 404
    assert TrustedDevice.objects.filter(pk=device.pk).exists()
