"""Registry rows: users (catalog §5.13, §6.12, §10 `user_delete`)."""

import json

from ..conftest import basic
from ..registry import JSON, Operation
from .core import check_organization

USER_KEYS = {
    "id",
    "name",
    "fullname",
    "email",
    "phone",
    "locale",
    "note",
    "max_sessions",
    "disabled",
    "readonly",
    "organizations",
    "access_level",
}
PERMISSION_KEYS = {
    "is_member",
    "can_view_stats",
    "can_edit_streams",
    "can_edit_users",
    "can_view_persons_lists",
    "can_edit_persons_lists",
}


def check_user(user: dict):
    assert set(user) == USER_KEYS  # never `password`
    assert isinstance(user["id"], int) and isinstance(user["name"], str) and user["name"]
    assert isinstance(user["max_sessions"], int)
    assert isinstance(user["disabled"], bool) and isinstance(user["readonly"], bool)
    assert user["access_level"] in {"generic", "admin"}
    for organization in user["organizations"]:
        assert isinstance(organization["id"], int) and isinstance(organization["title"], str)
        assert set(organization["permissions"]) == PERMISSION_KEYS


def check_users_list(world, api):
    body = api("GET", "/users", login="alice").json()
    assert list(body) == ["estimated_count", "timing", "users_list"]
    assert [u["name"] for u in body["users_list"]] == ["alice", "bob"]  # not carol of org B
    for user in body["users_list"]:
        check_user(user)
    bob = body["users_list"][1]
    assert [o["id"] for o in bob["organizations"]] == [world.org_a.id]
    assert bob["organizations"][0]["permissions"]["is_member"] is True


def check_user_create(world, api):
    body = {
        "name": "dave",
        "fullname": "Dave D",
        "password": "a long enough passphrase",
        "email": "dave@example.test",
        "max_sessions": 2,
        "organization_id": world.org_a.id,
    }
    response = api("POST", "/users", login="alice", data=json.dumps(body), content_type=JSON)
    assert response.status_code == 200, response.content
    user = response.json()
    check_user(user)
    assert user["name"] == "dave" and user["max_sessions"] == 2 and user["access_level"] == "generic"
    assert [o["id"] for o in user["organizations"]] == [world.org_a.id]
    assert api("GET", "/profile", headers=basic("dave", body["password"])).json()["name"] == "dave"
    assert api("GET", f"/users/{user['id']}", login="alice").status_code == 200


def check_user_get(world, api):
    response = api("GET", f"/users/{world.bob.id}", login="alice")
    assert response.status_code == 200
    user = response.json()
    check_user(user)
    assert user["id"] == world.bob.id and user["name"] == "bob" and user["email"] == "bob@example.test"


def check_user_save(world, api):
    body = {"fullname": "Bob Builder", "id": 999, "organizations": [], "access_level": "generic"}
    response = api("PUT", f"/users/{world.bob.id}", login="alice", data=json.dumps(body), content_type=JSON)
    assert response.status_code == 200, response.content
    user = response.json()
    check_user(user)
    assert user["id"] == world.bob.id and user["fullname"] == "Bob Builder" and user["name"] == "bob"
    assert len(user["organizations"]) == 1  # read-only keys are ignored


def check_user_delete(world, api):
    response = api("DELETE", f"/users/{world.bob.id}", login="alice")
    assert response.status_code == 204 and response.content == b""
    assert api("GET", f"/users/{world.bob.id}", login="alice").status_code == 404


def check_user_organizations_list(world, api):
    body = api("GET", f"/users/{world.bob.id}/organization", login="alice").json()
    assert list(body) == ["estimated_count", "timing", "organizations"]
    (organization,) = body["organizations"]
    check_organization(organization)
    assert organization["id"] == world.org_a.id
    # bob's permissions, not alice's (§5.13.6)
    assert organization["user_permissions"]["is_member"] is True
    assert organization["user_permissions"]["can_edit_users"] is False


def check_user_organization_folders_list(world, api):
    path = f"/users/{world.bob.id}/organization/{world.org_a.id}/folders"
    body = api("GET", path, login="alice").json()
    assert list(body) == ["estimated_count", "timing", "folders"]
    assert [f["title"] for f in body["folders"]] == ["Lobby", "Desk"]  # no grant on Vault
    lobby, desk = body["folders"]
    for folder in body["folders"]:
        assert isinstance(folder["id"], int) and set(folder["hierarchy"]) == {"level", "order_num"}
        assert set(folder["permissions"]) == {
            "can_view",
            "can_view_dvr",
            "dvr_depth_limit",
            "can_use_ptz",
            "can_use_actions",
        }
    assert lobby["permissions"]["can_view"] is True and lobby["permissions"]["can_view_dvr"] is False
    assert desk["permissions"]["can_view_dvr"] is True and desk["permissions"]["dvr_depth_limit"] == 0


def check_user_apikey(world, api):
    """A user's own key: none, made (shown once, then only its prefix), used, revoked."""
    assert api("GET", "/profile/apikey", login="bob").json()["has_apikey"] is False
    made = api("POST", "/profile/apikey", login="bob").json()
    assert made["has_apikey"] is True and len(made["apikey"]) >= 16
    shown = api("GET", "/profile/apikey", login="bob").json()
    assert shown["apikey"] is None and shown["prefix"] == made["apikey"][:8]
    assert api("GET", "/profile", headers=basic("bob", made["apikey"])).json()["name"] == "bob"
    assert api("DELETE", "/profile/apikey", login="bob").status_code == 204
    assert api("GET", "/profile", headers=basic("bob", made["apikey"])).status_code == 401


def check_users_apikey(world, api):
    """An organization administrator hands bob a key; bob signs in with it; another tenant's is a 404."""
    assert api("GET", f"/users/{world.bob.id}/apikey", login="alice").json()["has_apikey"] is False
    made = api("POST", f"/users/{world.bob.id}/apikey", login="alice").json()
    assert made["has_apikey"] is True and made["apikey"]
    assert api("GET", "/profile", headers=basic("bob", made["apikey"])).json()["name"] == "bob"
    refused = api("POST", f"/users/{world.alice.id}/apikey", login="bob").status_code
    assert (
        refused in (403, 404) and refused == api("GET", f"/users/{world.alice.id}", login="bob").status_code
    )
    assert api("POST", f"/users/{world.carol.id}/apikey", login="alice").status_code == 404


OPERATIONS: dict[str, Operation] = {
    "user_apikey_get": Operation("GET", "/profile/apikey", check_user_apikey),
    "user_apikey_create": Operation("POST", "/profile/apikey", check_user_apikey, route="user_apikey_get"),
    "user_apikey_delete": Operation("DELETE", "/profile/apikey", check_user_apikey, route="user_apikey_get"),
    "users_apikey_get": Operation(
        "GET", "/users/{bob}/apikey", check_users_apikey, foreign_path="/users/{carol}/apikey"
    ),
    "users_apikey_create": Operation(
        "POST",
        "/users/{bob}/apikey",
        check_users_apikey,
        foreign_path="/users/{carol}/apikey",
        route="users_apikey_get",
    ),
    "users_list": Operation("GET", "/users", check_users_list),
    "user_create": Operation("POST", "/users", check_user_create, route="users_list"),
    "user_get": Operation("GET", "/users/{bob}", check_user_get, foreign_path="/users/{carol}"),
    "user_save": Operation(
        "PUT", "/users/{bob}", check_user_save, foreign_path="/users/{carol}", route="user_get"
    ),
    "user_delete": Operation(
        "DELETE", "/users/{bob}", check_user_delete, foreign_path="/users/{carol}", route="user_get"
    ),
    "user_organizations_list": Operation(
        "GET",
        "/users/{bob}/organization",
        check_user_organizations_list,
        foreign_path="/users/{carol}/organization",
    ),
    "user_organization_folders_list": Operation(
        "GET",
        "/users/{bob}/organization/{org_a}/folders",
        check_user_organization_folders_list,
        foreign_path="/users/{bob}/organization/{org_b}/folders",
    ),
}
