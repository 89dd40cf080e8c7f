"""The dashboard sign-in: password, the TOTP step, trusted devices, failures and logout."""

import pyotp
import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import LoginFailure, TotpDevice, TrustedDevice
from accounts.services import trusted_device_create
from accounts.views import PENDING_KEY, PENDING_SECONDS, TRUSTED_DEVICE_COOKIE
from organizations.models import AuditEvent
from tests.factories import PASSWORD, UserFactory

LOGIN_URL = reverse("accounts:login")
TOTP_URL = reverse("accounts:login_totp")
HOME_URL = reverse("cameras:camera_list")

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return UserFactory(login="dave")


@pytest.fixture
def device(user):
    return TotpDevice.objects.create(user=user, secret=pyotp.random_base32(), confirmed_at=timezone.now())


def _signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def _password_step(client, login="dave", password=PASSWORD, **extra):
    return client.post(LOGIN_URL, {"username": login, "password": password, **extra})


def test_login_page_labels_the_name_field_login(client):
    response = client.get(LOGIN_URL)

    assert response.status_code == 200
    assert ">Login</label>" in response.content.decode()


def test_login_with_the_right_password_signs_in_and_redirects_to_cameras(client, user):
    response = _password_step(client)

    assert response.status_code == 302
    assert response.url == HOME_URL
    assert _signed_in_user_id(client) == str(user.pk)
    assert AuditEvent.objects.filter(kind="login", actor=user).exists()


def test_login_name_is_case_insensitive(client, user):
    _password_step(client, login="DAVE")

    assert _signed_in_user_id(client) == str(user.pk)


def test_wrong_password_shows_an_error_and_records_the_failure(client, user):
    response = _password_step(client, password="wrong")

    assert response.status_code == 422
    assert "Please enter a correct login and password" in response.content.decode()
    assert _signed_in_user_id(client) is None
    failure = LoginFailure.objects.get()
    assert (failure.login, failure.ip_address) == ("dave", "127.0.0.1")
    assert AuditEvent.objects.filter(kind="login_failed").exists()


def test_disabled_user_cannot_sign_in(client):
    UserFactory(login="gone", is_active=False)

    response = _password_step(client, login="gone")

    assert response.status_code == 422
    assert _signed_in_user_id(client) is None


def test_login_follows_a_safe_next_and_ignores_another_host(client, user):
    response = _password_step(client, next="/cameras/?q=lobby")
    assert response.url == "/cameras/?q=lobby"

    client.logout()
    response = _password_step(client, next="https://evil.example/steal")
    assert response.url == HOME_URL


def test_signed_in_user_visiting_login_goes_to_cameras(client, user):
    client.force_login(user)

    response = client.get(LOGIN_URL)

    assert response.status_code == 302
    assert response.url == HOME_URL


def test_totp_user_is_sent_to_the_code_step_without_being_signed_in(client, user, device):
    response = _password_step(client)

    assert response.status_code == 302
    assert response.url == TOTP_URL
    assert _signed_in_user_id(client) is None
    assert client.get(TOTP_URL).status_code == 200


def test_wrong_totp_code_is_refused(client, user, device):
    _password_step(client)

    response = client.post(TOTP_URL, {"code": "000000"})

    assert response.status_code == 422
    assert "not valid" in response.content.decode()
    assert _signed_in_user_id(client) is None


def test_right_totp_code_signs_in_and_follows_next(client, user, device):
    _password_step(client, next="/cameras/?status=error")

    response = client.post(TOTP_URL, {"code": pyotp.TOTP(device.secret).now()})

    assert response.status_code == 302
    assert response.url == "/cameras/?status=error"
    assert _signed_in_user_id(client) == str(user.pk)
    assert PENDING_KEY not in client.session
    assert TRUSTED_DEVICE_COOKIE not in response.cookies


def test_replayed_totp_code_is_refused(client, user, device):
    code = pyotp.TOTP(device.secret).now()
    _password_step(client)
    client.post(TOTP_URL, {"code": code})
    client.post(reverse("accounts:logout"))

    _password_step(client)
    response = client.post(TOTP_URL, {"code": code})

    assert response.status_code == 422
    assert _signed_in_user_id(client) is None


def test_remember_me_sets_a_cookie_that_skips_the_code_next_time(client, user, device):
    _password_step(client)
    response = client.post(TOTP_URL, {"code": pyotp.TOTP(device.secret).now(), "remember": "on"})

    cookie = response.cookies[TRUSTED_DEVICE_COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 30 * 24 * 3600
    assert TrustedDevice.objects.filter(user=user).count() == 1

    client.post(reverse("accounts:logout"))
    response = _password_step(client)

    assert response.url == HOME_URL
    assert _signed_in_user_id(client) == str(user.pk)


def test_another_users_trusted_cookie_does_not_skip_the_code(client, user, device):
    other = UserFactory()
    _device, raw = trusted_device_create(user=other, ip_address=None, user_agent="")
    client.cookies[TRUSTED_DEVICE_COOKIE] = raw

    response = _password_step(client)

    assert response.url == TOTP_URL


def test_pending_code_step_expires_after_five_minutes(client, user, device):
    _password_step(client)
    session = client.session
    session[PENDING_KEY]["at"] -= PENDING_SECONDS + 1
    session.save()

    response = client.post(TOTP_URL, {"code": pyotp.TOTP(device.secret).now()})

    assert response.status_code == 302
    assert response.url == LOGIN_URL
    assert _signed_in_user_id(client) is None
    assert PENDING_KEY not in client.session


def test_too_many_wrong_codes_make_the_account_wait(client, user, device, settings):
    # Was: five wrong codes dropped the pending sign-in, and a new password step gave five more.
    settings.NVR_LOGIN_FIRST_DELAY = 60
    _password_step(client)
    for _ in range(settings.NVR_LOGIN_FREE_FAILURES):
        assert client.post(TOTP_URL, {"code": "000000"}).status_code == 422

    response = client.post(TOTP_URL, {"code": pyotp.TOTP(device.secret).now()})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many failed attempts" in response.content.decode()
    assert _signed_in_user_id(client) is None


def test_code_step_without_a_password_step_goes_back_to_login(client):
    response = client.get(TOTP_URL)

    assert response.status_code == 302
    assert response.url == LOGIN_URL


def test_logout_accepts_only_post_and_returns_to_login(client, user):
    client.force_login(user)

    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response.url == LOGIN_URL
    assert _signed_in_user_id(client) is None
