"""`profile_save` (catalog §5.5.2, §6.13, §2): partial saves, password, API key, read-only users."""

import json

from accounts.models import AuthSession

from .conftest import basic

JSON = "application/json"
KEY = "k" * 20


def save(api, body, login="alice", headers=None):
    return api("PUT", "/profile", login=login, data=json.dumps(body), content_type=JSON, headers=headers)


def pointers(response) -> list[str]:
    return [e["source"]["pointer"] for e in response.json()["errors"]]


def test_a_partial_save_changes_only_what_it_names(world, api):
    profile = save(api, {"phone": "+78007778413", "max_sessions": 3}).json()
    assert (profile["phone"], profile["max_sessions"], profile["email"]) == (
        "+78007778413",
        3,
        "alice@example.test",
    )


def test_wrong_values_are_400_with_pointers(world, api):
    response = save(api, {"fullname": 1, "max_sessions": -1, "email": "not-an-address"})
    assert response.status_code == 400 and sorted(pointers(response)) == ["/fullname", "/max_sessions"]
    response = save(api, {"email": "not-an-address"})
    assert response.status_code == 400 and pointers(response) == ["/email"]
    response = save(api, {"name": "bob"})
    assert response.status_code == 400 and pointers(response) == ["/name"]
    response = save(api, {"apikey": "short"})
    assert response.status_code == 400 and pointers(response) == ["/apikey"]


def test_a_new_password_replaces_the_old_and_ends_other_sessions(world, api):
    api("POST", "/login", login="alice")
    assert save(api, {"password": ""}).status_code == 200  # blank: unchanged
    assert save(api, {"password": "a new long passphrase 42"}).status_code == 200
    assert api("GET", "/profile", login="alice").status_code == 401
    assert api("GET", "/profile", headers=basic("alice", "a new long passphrase 42")).status_code == 200
    assert not AuthSession.objects.filter(user=world.alice, revoked_at__isnull=True).exists()


def test_an_api_key_is_set_echoed_once_and_works_as_the_basic_password(world, api):
    profile = save(api, {"apikey": KEY}).json()
    assert profile["apikey"] == KEY
    assert "apikey" not in api("GET", "/profile", login="alice").json()
    assert api("GET", "/profile", headers=basic("alice", KEY)).status_code == 200
    generated = save(api, {"apikey": ""}).json()["apikey"]
    assert len(generated) >= 16 and generated != KEY
    assert api("GET", "/profile", headers=basic("alice", KEY)).status_code == 401
    assert api("GET", "/profile", headers=basic("alice", generated)).status_code == 200
    assert "apikey" not in save(api, {"apikey": None}).json()
    assert api("GET", "/profile", headers=basic("alice", generated)).status_code == 401


def test_a_read_only_user_may_not_save(world, api):
    world.bob.readonly = True
    world.bob.save()
    response = save(api, {"fullname": "Bob"}, login="bob")
    assert response.status_code == 403 and response.json()["errors"][0]["code"] == "forbidden"
