"""Issue 13, "second factor bypassed": a TOTP user's password alone opens no dialect.

Before: Watcher Client and Admin API logins (and Basic on any operation) took the password alone;
the dashboard's code counter restarted with every password step.
"""

import json

import pyotp
import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import TotpDevice
from accounts.services import api_key_create
from tests.dialects.flussonic.conftest import ADMIN_BASE, BASE, basic, bearer
from tests.factories import PASSWORD

KEY = "a-long-key-for-the-integration"
ELSEWHERE = {"REMOTE_ADDR": "198.51.100.7"}


@pytest.fixture
def totp(world):
    """alice turns two-factor authentication on; returns her authenticator."""
    secret = pyotp.random_base32()
    TotpDevice.objects.create(user=world.alice, secret=secret, confirmed_at=timezone.now())
    return pyotp.TOTP(secret)


def code_at(totp, offset_steps: int = 0) -> str:
    """The code of the current step (or a neighbour, accepted for clock drift)."""
    return totp.at(timezone.now().timestamp() + 30 * offset_steps)


def wrong_code(totp) -> str:
    """A code that matches none of the accepted steps."""
    accepted = {code_at(totp, offset) for offset in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in accepted)


def post_login(client, base=BASE, **headers):
    return client.post(base + "/login", **headers)


def assert_second_factor_refused(response, code="second_factor_required"):
    assert response.status_code == 401
    (error,) = response.json()["errors"]
    assert (error["status"], error["code"]) == ("401", code)
    assert "X-TOTP" in error["title"] and "API key" in error["title"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("base", [BASE, ADMIN_BASE], ids=["client", "admin"])
def test_the_password_alone_gets_no_token_from_either_watcher_login(client, totp, base):
    response = post_login(client, base, **basic("alice"))
    assert_second_factor_refused(response)
    assert "access_token" not in response.content.decode()


def test_the_password_alone_opens_no_operation_over_basic(client, totp):
    assert_second_factor_refused(client.get(BASE + "/streams", **basic("alice")))
    assert_second_factor_refused(client.get(ADMIN_BASE + "/streams", **basic("alice")))


@pytest.mark.parametrize("base", [BASE, ADMIN_BASE], ids=["client", "admin"])
def test_the_current_code_in_x_totp_gets_tokens(client, totp, base):
    response = post_login(client, base, **basic("alice"), HTTP_X_TOTP=code_at(totp))
    assert response.status_code == 200
    token = response.json()["access_token"]
    assert client.get(BASE + "/profile", **bearer(token)).json()["name"] == "alice"


def test_a_code_is_good_once(client, totp):
    code = code_at(totp)
    assert post_login(client, **basic("alice"), HTTP_X_TOTP=code).status_code == 200
    replay = post_login(client, **basic("alice"), HTTP_X_TOTP=code)
    assert_second_factor_refused(replay, code="second_factor_invalid")
    wrong = post_login(client, **basic("alice"), HTTP_X_TOTP=wrong_code(totp))
    assert_second_factor_refused(wrong, code="second_factor_invalid")


def test_a_code_never_rescues_a_wrong_password(client, totp):
    response = post_login(client, **basic("alice", "wrong"), HTTP_X_TOTP=code_at(totp))
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "unauthorized"


def test_the_profile_api_key_works_without_a_code(client, totp):
    token = post_login(client, **basic("alice"), HTTP_X_TOTP=code_at(totp)).json()["access_token"]
    body = json.dumps({"apikey": KEY})
    saved = client.put(BASE + "/profile", data=body, content_type="application/json", **bearer(token))
    assert saved.status_code == 200 and saved.json()["apikey"] == KEY

    assert post_login(client, **basic("alice", KEY)).status_code == 200
    assert post_login(client, ADMIN_BASE, **basic("alice", KEY)).status_code == 200
    assert client.get(BASE + "/streams", **basic("alice", KEY)).status_code == 200
    v2 = {"HTTP_X_VSAAS_API_KEY": KEY, "HTTP_X_VSAAS_USER": "alice"}
    assert client.get(BASE + "/streams", **v2).status_code == 200


def test_the_key_from_profile_apikey_works_without_a_code(client, totp):
    """The V-SDK route Watcher clients call: POST /profile/apikey (signed in with the code once)."""
    token = post_login(client, **basic("alice"), HTTP_X_TOTP=code_at(totp)).json()["access_token"]
    made = client.post(BASE + "/profile/apikey", **bearer(token)).json()["apikey"]
    assert post_login(client, **basic("alice", made)).status_code == 200
    assert_second_factor_refused(post_login(client, **basic("alice")))  # the password alone still is not


def test_users_without_two_factor_are_unaffected(client, world, totp):
    assert post_login(client, **basic("bob")).status_code == 200
    assert post_login(client, **basic("bob"), HTTP_X_TOTP="123456").status_code == 200


def test_code_guesses_are_limited_per_account_across_password_steps_and_addresses(
    client, world, totp, settings
):
    settings.NVR_LOGIN_FIRST_DELAY = 60
    right, wrong = code_at(totp), wrong_code(totp)
    for _ in range(settings.NVR_LOGIN_FREE_FAILURES):  # each request is a fresh password step
        assert post_login(client, **basic("alice"), HTTP_X_TOTP=wrong).status_code == 401
    for where in ({}, ELSEWHERE):
        response = post_login(client, **basic("alice"), HTTP_X_TOTP=right, **where)
        assert response.status_code == 429
        assert response.json()["errors"][0]["code"] == "too_many_attempts"
        assert int(response.headers["Retry-After"]) > 0
    # Only code guessing waits: the owner's API key still works.
    api_key_create(user=world.alice, raw_key=KEY)
    assert post_login(client, **basic("alice", KEY)).status_code == 200


def test_the_dashboard_counts_codes_per_account_not_per_password_step(client, totp, settings):
    settings.NVR_LOGIN_FIRST_DELAY = 60
    login_url, totp_url = reverse("accounts:login"), reverse("accounts:login_totp")
    for _ in range(settings.NVR_LOGIN_FREE_FAILURES):
        # Before, starting again with the password gave five fresh guesses every time.
        assert client.post(login_url, {"username": "alice", "password": PASSWORD}).url == totp_url
        assert client.post(totp_url, {"code": wrong_code(totp)}).status_code == 422
    assert client.post(login_url, {"username": "alice", "password": PASSWORD}).url == totp_url
    response = client.post(totp_url, {"code": code_at(totp)})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
