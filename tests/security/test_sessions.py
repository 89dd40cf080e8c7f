"""Issue 13 §1, sessions: media tokens, JWTs and refresh tokens die with a password change, a disable
and a logout; refresh tokens rotate, and a spent one presented again ends its whole session; a user
can sign out everywhere."""

import base64

import jwt
import pytest
from django.test import Client

from accounts.models import AuthSession
from accounts.services import user_set_active
from accounts.services.sessions import session_end
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

WATCHER = "/watcher/client-api/v3"
MEDIA = "/flussonic/a-lobby/info.json?token={}"
NEW_PASSWORD = "a different horse, battery and staple"


def basic(login: str, password: str = PASSWORD) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()}


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def login(client, who: str = "alice") -> dict:
    response = client.post(f"{WATCHER}/login", **basic(who))
    assert response.status_code == 200, response.content
    return response.json()


def playback_token(client, access_token: str) -> str:
    """The a-lobby playback token the Watcher Client API hands out to a Bearer session."""
    body = client.get(f"{WATCHER}/streams", **bearer(access_token)).json()
    (lobby,) = [s for s in body["streams"] if s["name"] == "a-lobby"]
    return lobby["stats"]["playback_token"]


def plays(client, token: str) -> bool:
    status = client.get(MEDIA.format(token)).status_code
    assert status in {200, 403}, status
    return status == 200


def test_a_media_token_dies_with_a_password_change(client, world):
    tokens = login(client)
    token = playback_token(client, tokens["access_token"])
    assert plays(client, token)
    # changed through the API by alice herself: her own session stays, the token does not
    response = client.put(
        f"{WATCHER}/profile",
        {"password": NEW_PASSWORD},
        content_type="application/json",
        **bearer(tokens["access_token"]),
    )
    assert response.status_code == 200, response.content
    assert not plays(client, token)
    assert client.get(f"{WATCHER}/streams", **bearer(tokens["access_token"])).status_code == 200
    assert plays(client, playback_token(client, tokens["access_token"]))  # a new token works


def test_a_password_set_anywhere_ends_the_api_sessions_and_their_tokens(client, world):
    """The Django admin's form only calls set_password: the stamp still ends everything."""
    tokens = login(client)
    token = playback_token(client, tokens["access_token"])
    world.alice.set_password(NEW_PASSWORD)
    world.alice.save()
    assert not plays(client, token)
    assert client.get(f"{WATCHER}/streams", **bearer(tokens["access_token"])).status_code == 401
    assert client.post(f"{WATCHER}/login", **bearer(tokens["refresh_token"])).status_code == 401


def test_a_media_token_dies_with_a_disable(client, world):
    tokens = login(client)
    token = playback_token(client, tokens["access_token"])
    assert plays(client, token)
    user_set_active(users=[world.alice], active=False)
    assert not plays(client, token)
    user_set_active(users=[world.alice], active=True)
    assert not plays(client, token)  # the session ended with the disable, and the token with it


def test_a_media_token_dies_with_the_logout_of_its_session(client, world):
    tokens = login(client)
    token = playback_token(client, tokens["access_token"])
    other = login(client)  # another device of alice's
    other_token = playback_token(client, other["access_token"])
    session_end(session=AuthSession.objects.get(key=_session_key(tokens["access_token"])))
    assert not plays(client, token)
    assert client.post(f"{WATCHER}/login", **bearer(tokens["refresh_token"])).status_code == 401
    assert plays(client, other_token)  # the other device is not logged out


def _session_key(access_token: str) -> str:
    return jwt.decode(access_token, options={"verify_signature": False})["session"]


def test_the_refresh_token_rotates_and_the_spent_one_is_refused(client, world):
    first = login(client)
    second = client.post(f"{WATCHER}/login", **bearer(first["refresh_token"])).json()
    assert second["refresh_token"] != first["refresh_token"]
    third = client.post(f"{WATCHER}/login", **bearer(second["refresh_token"]))
    assert third.status_code == 200
    assert set(third.json()) == {"access_token", "refresh_token"}  # the catalog's login shape


def test_reusing_a_spent_refresh_token_ends_the_whole_family(client, world):
    first = login(client)
    rotated = client.post(f"{WATCHER}/login", **bearer(first["refresh_token"])).json()  # the owner
    token = playback_token(client, rotated["access_token"])
    assert plays(client, token)
    # a thief replays the copy of the first refresh token
    assert client.post(f"{WATCHER}/login", **bearer(first["refresh_token"])).status_code == 401
    assert client.get(f"{WATCHER}/streams", **bearer(rotated["access_token"])).status_code == 401
    assert client.post(f"{WATCHER}/login", **bearer(rotated["refresh_token"])).status_code == 401
    assert not plays(client, token)
    assert AuthSession.objects.get(user=world.alice).revoked_at is not None


def test_sign_out_everywhere_ends_dashboard_and_api_sessions_and_media_tokens(client, world):
    tokens = login(client)
    token = playback_token(client, tokens["access_token"])
    here, laptop = Client(), Client()
    here.force_login(world.alice)
    laptop.force_login(world.alice)
    assert laptop.get("/accounts/security/").status_code == 200
    response = here.post("/accounts/security/sign-out-everywhere/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login")
    assert laptop.get("/accounts/security/").status_code == 302  # to the login page
    assert here.get("/accounts/security/").status_code == 302
    assert client.get(f"{WATCHER}/streams", **bearer(tokens["access_token"])).status_code == 401
    assert client.post(f"{WATCHER}/login", **bearer(tokens["refresh_token"])).status_code == 401
    assert not plays(client, token)
    assert plays(client, playback_token(client, login(client)["access_token"]))  # signing in again works


def test_signing_out_of_the_api_ends_that_session_and_its_tokens(client, world):
    tokens, other = login(client), login(client)
    token = playback_token(client, tokens["access_token"])
    response = client.delete(f"{WATCHER}/login", **bearer(tokens["access_token"]))
    assert response.status_code == 204
    assert client.get(f"{WATCHER}/streams", **bearer(tokens["access_token"])).status_code == 401
    assert client.post(f"{WATCHER}/login", **bearer(tokens["refresh_token"])).status_code == 401
    assert not plays(client, token)
    assert (
        client.get(f"{WATCHER}/streams", **bearer(other["access_token"])).status_code == 200
    )  # not that one


def test_signing_out_of_the_api_with_all_ends_every_session(client, world):
    tokens, other = login(client), login(client)
    dashboard = Client()
    dashboard.force_login(world.alice)
    assert client.delete(f"{WATCHER}/login?all=true", **bearer(tokens["access_token"])).status_code == 204
    assert client.get(f"{WATCHER}/streams", **bearer(other["access_token"])).status_code == 401
    assert dashboard.get("/accounts/security/").status_code == 302
    assert client.delete(f"{WATCHER}/login").status_code == 401  # nobody to sign out


def test_the_security_page_offers_sign_out_everywhere(client, world):
    client.force_login(world.alice)
    page = client.get("/accounts/security/").content.decode()
    assert 'action="/accounts/security/sign-out-everywhere/"' in page and "Sign out everywhere" in page


def test_dashboard_logout_ends_that_session(client, world):
    client.force_login(world.alice)
    cookie = client.cookies["sessionid"].value
    assert client.post("/accounts/logout/").status_code == 302
    client.cookies["sessionid"] = cookie  # a copy of the cookie taken before the logout
    assert client.get("/accounts/security/").status_code == 302


def test_a_password_change_of_someone_else_leaves_the_actors_session_alone(client, world):
    """`keep_session` is the caller's: alice's own session must not take bob's stamp."""
    tokens = login(client, "alice")
    bob = login(client, "bob")
    response = client.put(
        f"{WATCHER}/users/{world.bob.pk}",
        {"password": NEW_PASSWORD},
        content_type="application/json",
        **bearer(tokens["access_token"]),
    )
    assert response.status_code == 200, response.content
    assert client.get(f"{WATCHER}/streams", **bearer(tokens["access_token"])).status_code == 200
    assert client.get(f"{WATCHER}/streams", **bearer(bob["access_token"])).status_code == 401
