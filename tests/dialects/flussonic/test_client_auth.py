"""Watcher Client API authentication (catalog §2): login, Bearer, refresh, sessions, throttling, API keys."""

import time

import jwt
import pytest

from accounts import keys
from accounts.models import AuthSession, LoginFailure
from accounts.services import api_key_create, auth_sessions_revoke

from .conftest import basic, bearer

API_KEY = "k3y-for-the-watcher-client-api"


def login(api, who="alice", **kwargs):
    response = api("POST", "/login", login=who, **kwargs)
    assert response.status_code == 200, response.content
    return response.json()


def test_bearer_access_token_works_on_other_operations(world, api):
    tokens = login(api)
    response = api("GET", "/streams", headers=bearer(tokens["access_token"]))
    assert response.status_code == 200 and response.json()["estimated_count"] == 5


def test_login_accepts_an_empty_body_and_a_json_null(world, api):
    login(api, data="", content_type="application/json")
    login(api, data="null", content_type="application/json")
    login(api, data="whatever", content_type="text/plain")


def test_each_password_login_starts_a_session_named_in_the_token(world, api):
    first, second = login(api), login(api)
    sessions = set(AuthSession.objects.filter(user=world.alice).values_list("key", flat=True))
    claims = [jwt.decode(t["access_token"], options={"verify_signature": False}) for t in (first, second)]
    assert {c["session"] for c in claims} == sessions and len(sessions) == 2


def test_refresh_token_renews_the_access_token_only_at_login(world, api):
    tokens = login(api)
    assert api("GET", "/streams", headers=bearer(tokens["refresh_token"])).status_code == 401
    renewed = api("POST", "/login", headers=bearer(tokens["refresh_token"]))
    assert renewed.status_code == 200
    body = renewed.json()
    assert body["refresh_token"] != tokens["refresh_token"]  # rotated: the one sent is spent
    assert api("GET", "/profile", headers=bearer(body["access_token"])).json()["name"] == "alice"
    assert AuthSession.objects.filter(user=world.alice).count() == 1


def test_an_access_token_is_not_a_refresh_token(world, api):
    tokens = login(api)
    assert api("POST", "/login", headers=bearer(tokens["access_token"])).status_code == 401


def test_expired_access_token_is_401(world, api):
    tokens = login(api)
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    expired = jwt.encode(
        {"exp": int(time.time()) - 5, "session": claims["session"]}, keys.key(keys.WATCHER_JWT), "HS256"
    )
    response = api("GET", "/streams", headers=bearer(expired))
    assert response.status_code == 401
    assert response.json()["errors"][0]["title"] == "the access token has expired"


def test_forged_or_garbage_tokens_are_401(world, api):
    tokens = login(api)
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    forged = jwt.encode(claims, "not the secret, but long enough for HS256", "HS256")
    for token in (forged, "garbage", tokens["access_token"] + "x"):
        assert api("GET", "/streams", headers=bearer(token)).status_code == 401


def test_revoked_session_ends_its_access_and_refresh_tokens(world, api):
    tokens = login(api)
    auth_sessions_revoke(sessions=AuthSession.objects.filter(user=world.alice))
    assert api("GET", "/streams", headers=bearer(tokens["access_token"])).status_code == 401
    assert api("POST", "/login", headers=bearer(tokens["refresh_token"])).status_code == 401


def test_disabled_user_cannot_use_a_live_token(world, api):
    tokens = login(api)
    world.alice.is_active = False
    world.alice.save()
    assert api("GET", "/streams", headers=bearer(tokens["access_token"])).status_code == 401


def test_max_sessions_refuses_a_login_past_the_cap(world, api):
    world.alice.max_sessions = 1
    world.alice.save()
    tokens = login(api)
    response = api("POST", "/login", login="alice")
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "max_sessions_reached"
    # refreshing the open session is not a new session
    assert api("POST", "/login", headers=bearer(tokens["refresh_token"])).status_code == 200
    auth_sessions_revoke(sessions=AuthSession.objects.filter(user=world.alice))
    login(api)


def test_wrong_password_is_401_and_recorded(world, api):
    response = api("POST", "/login", headers=basic("alice", "wrong"))
    assert response.status_code == 401
    assert response.json()["errors"][0]["status"] == "401"
    assert LoginFailure.objects.filter(login="alice").count() == 1


def test_failed_logins_are_throttled_per_login_and_address(world, api, settings):
    settings.NVR_LOGIN_FIRST_DELAY = 60
    for _ in range(settings.NVR_LOGIN_FREE_FAILURES):
        assert api("POST", "/login", headers=basic("alice", "wrong")).status_code == 401
    response = api("POST", "/login", login="alice")  # even the right password waits
    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "too_many_attempts"
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert api("GET", "/streams", login="alice").status_code == 429  # Basic on other operations too
    assert api("POST", "/login", login="bob").status_code == 200
    # Was: the owner was locked out everywhere; another address is not delayed.
    assert api("POST", "/login", login="alice", headers={"REMOTE_ADDR": "10.9.9.9"}).status_code == 200


def test_failed_logins_are_throttled_per_address_except_for_known_users(world, api, settings):
    settings.NVR_LOGIN_FREE_FAILURES_PER_ADDRESS = 3
    settings.NVR_LOGIN_FIRST_DELAY = 60
    login(api, "alice")  # alice has signed in from here before; bob has not
    for who in ("x1", "x2", "x3"):
        assert api("POST", "/login", headers=basic(who, "wrong")).status_code == 401
    assert api("POST", "/login", login="bob").status_code == 429
    assert api("POST", "/login", login="alice").status_code == 200
    other = api("POST", "/login", login="bob", headers={"REMOTE_ADDR": "10.9.9.9"})
    assert other.status_code == 200


def test_basic_password_works_on_every_operation(world, api):
    assert api("GET", "/profile", login="bob").json()["name"] == "bob"


def test_api_key_as_the_basic_password(world, api):
    api_key_create(user=world.alice, raw_key=API_KEY)
    assert api("GET", "/streams", headers=basic("alice", API_KEY)).status_code == 200
    assert api("GET", "/streams", headers=basic("bob", API_KEY)).status_code == 401
    tokens = login(api, headers=basic("alice", API_KEY))
    assert api("GET", "/profile", headers=bearer(tokens["access_token"])).json()["name"] == "alice"


@pytest.mark.parametrize("user, status", [("alice", 200), ("ALICE", 200), ("bob", 401), ("", 401)])
def test_api_key_in_the_v2_headers(world, api, user, status):
    api_key_create(user=world.alice, raw_key=API_KEY)
    headers = {"HTTP_X_VSAAS_API_KEY": API_KEY, "HTTP_X_VSAAS_USER": user}
    assert api("GET", "/profile", headers=headers).status_code == status


def test_password_in_the_v2_key_header_is_refused(world, api):
    from tests.factories import PASSWORD

    headers = {"HTTP_X_VSAAS_API_KEY": PASSWORD, "HTTP_X_VSAAS_USER": "alice"}
    assert api("GET", "/profile", headers=headers).status_code == 401


def test_malformed_authorization_is_401(world, api):
    for header in ("Basic !!!", "Basic " + "YWxpY2U=", "Digest abc"):
        response = api("GET", "/streams", headers={"HTTP_AUTHORIZATION": header})
        assert response.status_code == 401
        assert "errors" in response.json()
