"""Registry rows: organizations writes, organization members, presets (catalog §5.9.2-5.9.10, §5.10)."""

import json

from accounts.choices import Role
from tests.factories import MembershipFactory, OrganizationFactory, PresetFactory, UserFactory

from ..registry import JSON, Operation
from .core import check_organization

PERMISSION_KEYS = {
    "is_member",
    "can_view_stats",
    "can_edit_streams",
    "can_edit_users",
    "can_view_persons_lists",
    "can_edit_persons_lists",
}
FOLDER_PERMISSION_KEYS = {
    "id",
    "can_view",
    "can_view_dvr",
    "dvr_depth_limit",
    "can_use_ptz",
    "can_use_actions",
}


def domain_admin():
    """Dora, a domain administrator (`access_level: admin`) who belongs to no organization."""
    return UserFactory(login="dora", role=Role.ADMIN)


def check_organization_create(world, api):
    domain_admin()
    body = {"title": "Org C", "limits": {"streams": 10, "users": 5}, "owner": {"id": world.carol.id}}
    response = api("POST", "/organizations", login="dora", data=json.dumps(body), content_type=JSON)
    assert response.status_code == 200, response.content
    org = response.json()
    check_organization(org)
    assert org["title"] == "Org C" and org["limits"] == {"streams": 10, "users": 5}
    assert org["owner"] == {"id": world.carol.id, "name": "carol"} and org["stats"]["users"] == 1
    carol = api("GET", f"/organizations/{org['id']}", login="carol").json()
    assert carol["user_permissions"]["can_edit_users"] is True


def check_organization_save(world, api):
    before = api("GET", f"/organizations/{world.org_a.id}", login="alice").json()
    body = {**before, "title": "Org A Ltd"}  # GET, edit, PUT back: read-only keys are ignored
    response = api(
        "PUT", f"/organizations/{world.org_a.id}", login="alice", data=json.dumps(body), content_type=JSON
    )
    assert response.status_code == 200, response.content
    org = response.json()
    check_organization(org)
    assert org["title"] == "Org A Ltd" and org["id"] == world.org_a.id


def _empty_organization_of_alice(world) -> str:
    organization = OrganizationFactory(title="Spare", owner=world.alice)
    MembershipFactory(
        user=world.alice, organization=organization, is_admin=True
    )  # as organization_create does
    return f"/organizations/{organization.id}"


def check_organization_delete(world, api):
    path = _empty_organization_of_alice(world)
    response = api("DELETE", path, login="alice")
    assert response.status_code == 204, response.content
    assert api("GET", path, login="alice").status_code == 404


def check_organization_users_list(world, api):
    response = api("GET", f"/organizations/{world.org_a.id}/users", login="alice")
    assert response.status_code == 200, response.content
    body = response.json()
    assert list(body) == ["estimated_count", "timing", "users"] and body["estimated_count"] == 2
    assert [u["name"] for u in body["users"]] == ["alice", "bob"]
    for user in body["users"]:
        check_organization_user(user)


def check_organization_user(user: dict):
    assert set(user) == {"id", "name", "email", "permissions"}
    assert isinstance(user["id"], int) and isinstance(user["name"], str) and isinstance(user["email"], str)
    assert set(user["permissions"]) == {"organization", "folders"}
    assert set(user["permissions"]["organization"]) == PERMISSION_KEYS
    for folder in user["permissions"]["folders"]:
        assert set(folder) == FOLDER_PERMISSION_KEYS


def check_organization_user_get(world, api):
    response = api("GET", f"/organizations/{world.org_a.id}/users/{world.bob.id}", login="alice")
    assert response.status_code == 200, response.content
    bob = response.json()
    check_organization_user(bob)
    assert bob["id"] == world.bob.id and bob["email"] == "bob@example.test"
    folders = {f["id"]: f for f in bob["permissions"]["folders"]}
    assert set(folders) == {world.folders.lobby.id, world.folders.desk.id}
    assert folders[world.folders.lobby.id]["can_view"] is True
    assert folders[world.folders.lobby.id]["can_view_dvr"] is False
    assert folders[world.folders.desk.id]["can_view_dvr"] is True


def check_organization_user_save(world, api):
    path = f"/organizations/{world.org_a.id}/users/{world.bob.id}"
    body = {"can_edit_streams": True, "can_view_stats": True}
    response = api("PUT", path, login="alice", data=json.dumps(body), content_type=JSON)
    assert response.status_code == 200, response.content
    bob = response.json()
    check_organization_user(bob)
    flags = bob["permissions"]["organization"]
    assert flags["can_edit_streams"] is True and flags["can_view_stats"] is True
    assert flags["can_edit_users"] is False and flags["is_member"] is True


def check_organization_preset_save(world, api):
    domain_admin()
    preset = PresetFactory(title="Gold", dvr_depth=604800, vision_alg="faces", is_adjustable=False)
    path = f"/organizations/{world.org_a.id}/presets"
    response = api("PUT", path, login="dora", data=json.dumps({"preset_id": preset.id}), content_type=JSON)
    assert response.status_code == 200, response.content
    body = response.json()
    check_preset(body)
    assert (
        body["id"] == preset.id and body["dvr"]["expiration"] == 604800 and body["vision"] == {"alg": "faces"}
    )
    listed = api("GET", f"/presets?organization_id={world.org_a.id}", login="alice").json()
    assert [p["id"] for p in listed["presets"]] == [preset.id]


def _preset_of(organization, **fields) -> str:
    preset = PresetFactory(**fields)
    preset.organizations.add(organization)
    return f"/organizations/{organization.id}/presets/{preset.id}"


def check_delete_organization_preset(world, api):
    domain_admin()
    path = _preset_of(world.org_a)
    response = api("DELETE", path, login="dora")
    assert response.status_code == 204, response.content
    assert api("GET", f"/presets?organization_id={world.org_a.id}", login="alice").json()["presets"] == []


def check_preset(preset: dict):
    assert isinstance(preset["id"], int) and isinstance(preset["title"], str)
    assert isinstance(preset["is_adjustable"], bool) and isinstance(preset["is_default"], bool)
    assert set(preset) == {"id", "title", "is_adjustable", "is_default", "dvr", "vision"}
    assert all(isinstance(v, int) for v in preset["dvr"].values()) and "redundancy_factor" in preset["dvr"]


def check_presets_list(world, api):
    default = PresetFactory(title="Default", is_default=True)
    _preset_of(world.org_a, title="Silver")
    _preset_of(world.org_b, title="Bronze")
    response = api("GET", "/presets", login="alice")
    assert response.status_code == 200, response.content
    body = response.json()
    assert list(body) == ["estimated_count", "timing", "presets"]
    assert [p["title"] for p in body["presets"]] == ["Default", "Silver"]  # not org B's Bronze
    for preset in body["presets"]:
        check_preset(preset)
    assert body["presets"][0]["id"] == default.id


def _preset_path(world, organization) -> str:
    preset = PresetFactory(title=f"Only for {organization.title}")
    preset.organizations.add(organization)
    return f"/presets/{preset.id}"


def check_preset_get(world, api):
    path = _preset_path(world, world.org_a)
    response = api("GET", path, login="bob")
    assert response.status_code == 200, response.content
    check_preset(response.json())


OPERATIONS: dict[str, Operation] = {
    "organization_create": Operation(
        "POST", "/organizations", check_organization_create, route="organizations_list"
    ),
    "organization_save": Operation(
        "PUT",
        "/organizations/{org_a}",
        check_organization_save,
        foreign_path="/organizations/{org_b}",
        route="organization_get",
    ),
    "organization_delete": Operation(
        "DELETE",
        _empty_organization_of_alice,
        check_organization_delete,
        foreign_path="/organizations/{org_b}",
        route="organization_get",
    ),
    "organization_users_list": Operation(
        "GET",
        "/organizations/{org_a}/users",
        check_organization_users_list,
        foreign_path="/organizations/{org_b}/users",
    ),
    "organization_user_get": Operation(
        "GET",
        "/organizations/{org_a}/users/{bob}",
        check_organization_user_get,
        foreign_path="/organizations/{org_b}/users/{carol}",
    ),
    "organization_user_save": Operation(
        "PUT",
        "/organizations/{org_a}/users/{bob}",
        check_organization_user_save,
        foreign_path="/organizations/{org_b}/users/{carol}",
        route="organization_user_get",
    ),
    "organization_preset_save": Operation(
        "PUT",
        "/organizations/{org_a}/presets",
        check_organization_preset_save,
        foreign_path="/organizations/{org_b}/presets",
    ),
    "delete_organization_preset": Operation(
        "DELETE",
        lambda world: _preset_of(world.org_a),
        check_delete_organization_preset,
        foreign_path=lambda world: _preset_of(world.org_b),
    ),
    "presets_list": Operation(
        "GET", "/presets", check_presets_list, foreign_path="/presets?organization_id={org_b}"
    ),
    "preset_get": Operation(
        "GET",
        lambda world: _preset_path(world, world.org_a),
        check_preset_get,
        foreign_path=lambda world: _preset_path(world, world.org_b),
    ),
}
