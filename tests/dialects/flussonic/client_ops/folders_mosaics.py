"""Registry rows: folders_mosaics (folder writes, folder users, mosaic writes; catalog §5.12, §5.14, §10)."""

import json

from tests.factories import FolderFactory

from ..registry import JSON, Operation
from .core import check_folder, check_mosaic

PERMISSIONS = {"can_view", "can_view_dvr", "dvr_depth_limit", "can_use_ptz", "can_use_actions"}


def check_folder_create(world, api):
    body = {
        "title": "Garage",
        "parent_id": world.folders.lobby.id,
        "coordinates": {"latitude": 1, "longitude": 2},
    }
    response = api(
        "POST",
        f"/organizations/{world.org_a.id}/folders",
        login="alice",
        data=json.dumps(body),
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    folder = response.json()
    check_folder(folder)
    assert folder["title"] == "Garage" and folder["parent_id"] == world.folders.lobby.id
    # the last of Lobby's children, after Desk
    assert folder["hierarchy"] == {"level": 1, "order_num": world.folders.desk.position + 1}
    assert folder["coordinates"] == {"latitude": 1.0, "longitude": 2.0} and folder["streams_count"] == 0
    listed = api("GET", f"/organizations/{world.org_a.id}/folders/{folder['id']}", login="alice").json()
    assert listed == folder


def check_folder_save(world, api):
    body = {
        "title": "Front desk",
        "hierarchy": {"shift": {"direction": "after", "destination": world.folders.vault.id}},
    }
    path = f"/organizations/{world.org_a.id}/folders/{world.folders.desk.id}"
    response = api("PUT", path, login="alice", data=json.dumps(body), content_type=JSON)
    assert response.status_code == 200, response.content
    folder = response.json()
    check_folder(folder)
    assert folder["title"] == "Front desk" and "parent_id" not in folder  # now at the top, after Vault
    assert folder["hierarchy"] == {"level": 0, "order_num": 2}


def _empty_folder(world) -> str:
    return f"/organizations/{world.org_a.id}/folders/{FolderFactory(organization=world.org_a).id}"


def check_folder_delete(world, api):
    path = _empty_folder(world)
    response = api("DELETE", path, login="alice")
    assert response.status_code == 204 and response.content == b""
    assert api("GET", path, login="alice").status_code == 404


def check_folder_users_list(world, api):
    response = api(
        "GET", f"/organizations/{world.org_a.id}/folders/{world.folders.lobby.id}/users", login="alice"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert list(body) == ["estimated_count", "timing", "users"]
    users = {u["user_id"]: u for u in body["users"]}
    assert set(users) == {world.alice.id, world.bob.id}
    for user in users.values():
        assert set(user) == {"user_id"} | PERMISSIONS
    assert users[world.bob.id]["can_view"] is True and users[world.bob.id]["can_view_dvr"] is False
    assert all(users[world.alice.id][k] is True for k in PERMISSIONS - {"dvr_depth_limit"})  # the admin


def check_folder_user_get(world, api):
    path = f"/organizations/{world.org_a.id}/folders/{world.folders.desk.id}/users/{world.bob.id}"
    response = api("GET", path, login="alice")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "can_view": True,
        "can_view_dvr": True,
        "dvr_depth_limit": 0,
        "can_use_ptz": False,
        "can_use_actions": False,
    }


def check_folder_user_save(world, api):
    path = f"/organizations/{world.org_a.id}/folders/{world.folders.vault.id}/users/{world.bob.id}"
    body = {"can_view": True, "dvr_depth_limit": 3600}
    response = api("PUT", path, login="alice", data=json.dumps(body), content_type=JSON)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "can_view": True,
        "can_view_dvr": False,
        "dvr_depth_limit": 3600,
        "can_use_ptz": False,
        "can_use_actions": False,
    }
    assert api("GET", "/streams/a-vault", login="bob").status_code == 200  # the grant opens Vault


def check_mosaic_create(world, api):
    body = {
        "title": "Bob's second",
        "type": "2x2",
        "organization_id": world.org_a.id,
        "streams": [{"name": "a-lobby"}, {}, {"name": "a-desk"}],
    }
    response = api("POST", "/mosaics", login="bob", data=json.dumps(body), content_type=JSON)
    assert response.status_code == 200, response.content
    mosaic = response.json()
    check_mosaic(mosaic)
    assert mosaic["title"] == "Bob's second" and mosaic["organization_id"] == world.org_a.id
    assert [c.get("name") for c in mosaic["streams"]] == ["a-lobby", None, "a-desk"]
    assert set(mosaic["streams"][0]) == {"name", "title", "playback_token", "alive"}
    again = api("GET", f"/mosaics/{mosaic['id']}", login="bob").json()
    assert [c.get("name") for c in again["streams"]] == ["a-lobby", None, "a-desk"]  # tokens differ by time


def check_mosaic_save(world, api):
    body = {"title": "Wall A2", "type": "3x3", "streams": [{}, {"name": "a-loose"}]}
    response = api(
        "PUT", f"/mosaics/{world.mosaics.a.id}", login="alice", data=json.dumps(body), content_type=JSON
    )
    assert response.status_code == 200, response.content
    mosaic = response.json()
    check_mosaic(mosaic)
    assert mosaic["title"] == "Wall A2" and mosaic["type"] == "3x3"
    assert [c.get("name") for c in mosaic["streams"]] == [None, "a-loose"]  # the old cells are gone


def check_mosaic_delete(world, api):
    response = api("DELETE", f"/mosaics/{world.mosaics.own.id}", login="bob")
    assert response.status_code == 204 and response.content == b""
    assert api("GET", f"/mosaics/{world.mosaics.own.id}", login="bob").status_code == 404


FOLDER_A = "/organizations/{org_a}/folders/{folder_lobby}"
FOLDER_B = "/organizations/{org_b}/folders/{folder_gate}"

OPERATIONS: dict[str, Operation] = {
    "folder_create": Operation(
        "POST",
        "/organizations/{org_a}/folders",
        check_folder_create,
        foreign_path="/organizations/{org_b}/folders",
        route="folder_list",
    ),
    "folder_save": Operation("PUT", FOLDER_A, check_folder_save, foreign_path=FOLDER_B, route="folder_get"),
    "folder_delete": Operation(
        "DELETE", _empty_folder, check_folder_delete, foreign_path=FOLDER_B, route="folder_get"
    ),
    "folder_users_list": Operation(
        "GET", FOLDER_A + "/users", check_folder_users_list, foreign_path=FOLDER_B + "/users"
    ),
    "folder_user_get": Operation(
        "GET", FOLDER_A + "/users/{bob}", check_folder_user_get, foreign_path=FOLDER_B + "/users/{carol}"
    ),
    "folder_user_save": Operation(
        "PUT",
        FOLDER_A + "/users/{bob}",
        check_folder_user_save,
        foreign_path=FOLDER_B + "/users/{carol}",
        route="folder_user_get",
    ),
    "mosaic_create": Operation("POST", "/mosaics", check_mosaic_create, route="mosaics_list"),
    "mosaic_save": Operation(
        "PUT",
        "/mosaics/{mosaic_a}",
        check_mosaic_save,
        foreign_path="/mosaics/{mosaic_b}",
        route="mosaic_get",
    ),
    "mosaic_delete": Operation(
        "DELETE",
        "/mosaics/{mosaic_own}",
        check_mosaic_delete,
        foreign_path="/mosaics/{mosaic_b}",
        route="mosaic_get",
    ),
}
