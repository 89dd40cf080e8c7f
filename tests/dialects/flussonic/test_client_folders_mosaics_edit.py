"""Client API writes on folders, folder permissions and mosaics (catalog §5.12, §5.14, §8, §10)."""

import base64
import io
import json

import pytest
from PIL import Image

from cameras.models import MosaicSlot
from organizations.models import Folder, FolderGrant
from tests.factories import FolderFactory, FolderGrantFactory, MembershipFactory, MosaicFactory, UserFactory

JSON = "application/json"


def png_bytes(size=(4, 3), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


PNG = png_bytes()


@pytest.fixture
def send(api):
    def request(method, path, body=None, login="alice"):
        if method == "GET":
            return api(method, path, login=login)
        return api(method, path, login=login, data=json.dumps(body or {}), content_type=JSON)

    return request


def folders_url(world, *rest) -> str:
    return "/".join([f"/organizations/{world.org_a.id}/folders", *map(str, rest)])


def pointers(response) -> list[str]:
    assert response.status_code == 400, response.content
    return [e["source"]["pointer"] for e in response.json()["errors"]]


def siblings(world, parent=None) -> list[str]:
    rows = Folder.objects.filter(organization=world.org_a, parent=parent).order_by("position")
    return [f"{f.title}:{f.position}" for f in rows]


# --- folders ------------------------------------------------------------------------------------


def test_only_organization_administrators_change_folders(world, send):
    lobby, vault = world.folders.lobby.id, world.folders.vault.id
    assert send("POST", folders_url(world), {"title": "Bob's"}, login="bob").status_code == 403
    assert send("PUT", folders_url(world, lobby), {"title": "Mine"}, login="bob").status_code == 403
    assert send("DELETE", folders_url(world, lobby), login="bob").status_code == 403
    assert send("PUT", folders_url(world, vault), {"title": "Mine"}, login="bob").status_code == 404  # unseen
    assert Folder.objects.get(pk=lobby).title == "Lobby"


def test_folder_body_errors_point_at_each_field(world, send):
    body = {"parent_id": "top", "coordinates": {"latitude": 100}, "hierarchy": {"shift": {"direction": "up"}}}
    assert sorted(pointers(send("POST", folders_url(world), body))) == [
        "/coordinates/latitude",
        "/coordinates/longitude",
        "/hierarchy/shift/destination",
        "/hierarchy/shift/direction",
        "/parent_id",
    ]
    assert pointers(send("POST", folders_url(world), {"title": "  "})) == ["/title"]
    gate = world.folders.gate.id  # another organization's folder is unknown here
    assert pointers(send("POST", folders_url(world), {"title": "X", "parent_id": gate})) == ["/parent_id"]
    assert not Folder.objects.filter(title="X").exists()


def test_a_folder_cannot_move_into_its_own_subtree(world, send):
    shift = {"direction": "inside", "destination": world.folders.desk.id}
    response = send(
        "PUT", folders_url(world, world.folders.lobby.id), {"hierarchy": {"shift": shift}, "title": "L"}
    )
    assert pointers(response) == ["/hierarchy/shift/destination"]
    lobby = Folder.objects.get(pk=world.folders.lobby.id)
    assert lobby.parent_id is None and lobby.title == "Lobby"  # nothing of the failed save stays


def test_moves_and_reorders_renumber_the_siblings(world, send):
    desk, vault, lobby = world.folders.desk, world.folders.vault, world.folders.lobby
    moved = send("PUT", folders_url(world, desk.id), {"parent_id": None}).json()
    assert "parent_id" not in moved and moved["hierarchy"] == {"level": 0, "order_num": 2}
    assert siblings(world) == ["Lobby:0", "Vault:1", "Desk:2"]
    send("PUT", folders_url(world, vault.id), {"hierarchy": {"order_num": 0}})
    assert siblings(world) == ["Vault:0", "Lobby:1", "Desk:2"]
    shift = {"direction": "before", "destination": vault.id}
    send("PUT", folders_url(world, desk.id), {"hierarchy": {"shift": shift}})
    assert siblings(world) == ["Desk:0", "Vault:1", "Lobby:2"]
    shift = {"direction": "inside", "destination": lobby.id}
    inside = send("PUT", folders_url(world, vault.id), {"hierarchy": {"shift": shift}}).json()
    assert inside["parent_id"] == lobby.id and inside["hierarchy"]["level"] == 1
    assert siblings(world) == ["Desk:0", "Lobby:1"]


def test_folder_save_is_a_partial_merge_and_a_read_form_round_trips(world, send, api):
    path = folders_url(world, world.folders.desk.id)
    saved = send("PUT", path, {"coordinates": {"latitude": 55.5, "longitude": 37.25}}).json()
    assert saved["title"] == "Desk" and saved["coordinates"] == {"latitude": 55.5, "longitude": 37.25}
    again = send("PUT", path, saved)  # GET-edit-PUT with the read-only keys left in
    assert again.status_code == 200 and again.json() == saved
    cleared = send("PUT", path, {"coordinates": None}).json()
    assert "coordinates" not in cleared and cleared["parent_id"] == world.folders.lobby.id


def test_a_folder_with_cameras_or_subfolders_is_not_deleted(world, send):
    response = send("DELETE", folders_url(world, world.folders.lobby.id))
    assert response.status_code == 409
    (error,) = response.json()["errors"]
    assert error["code"] == "not_empty" and "1 subfolder and 1 camera" in error["title"]
    assert Folder.objects.filter(pk=world.folders.lobby.id).exists()


def test_deleting_an_empty_folder_removes_its_grants(world, send):
    empty = FolderFactory(organization=world.org_a, parent=world.folders.lobby, title="Empty")
    FolderGrantFactory(folder=empty, user=world.bob)
    assert send("DELETE", folders_url(world, empty.id)).status_code == 204
    assert not FolderGrant.objects.filter(folder_id=empty.id).exists()
    assert send("GET", folders_url(world, empty.id)).status_code == 404


def test_floor_plan_upload_corners_and_removal(world, send, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    path = folders_url(world, world.folders.vault.id)
    corner = {"latitude": 1.5, "longitude": 2.5}
    plan = {
        "file": {"b64_content": base64.b64encode(PNG).decode(), "mime_type": "image/png"},
        "topleft": corner,
    }
    saved = send("PUT", path, {"floor_plan": plan}).json()["floor_plan"]
    assert saved["topleft"] == corner and saved["file"]["name"].endswith(".png")
    stored = Folder.objects.get(pk=world.folders.vault.id).floor_plan
    picture = Image.open(stored)  # re-encoded, the same picture
    assert (picture.format, picture.size, picture.getpixel((0, 0))) == ("PNG", (4, 3), (200, 30, 30))
    kept = send("PUT", path, {"floor_plan": {"topright": corner}}).json()["floor_plan"]
    assert kept["file"] == saved["file"] and set(kept) == {"file", "topleft", "topright"}
    assert send("PUT", path, {"floor_plan": None}).json().get("floor_plan") is None


def test_the_floor_plan_url_serves_the_picture_to_who_may_see_the_folder(
    world, send, settings, tmp_path, client
):
    settings.MEDIA_ROOT = tmp_path
    plan = {"file": {"b64_content": base64.b64encode(PNG).decode(), "mime_type": "image/png"}}
    url = send("PUT", folders_url(world, world.folders.lobby.id), {"floor_plan": plan}).json()["floor_plan"][
        "file"
    ]["url"]
    assert url.startswith("/uploads/floor_plans/")
    assert client.get(url).status_code in (302, 401, 403, 404)  # signed out: not served
    for login, expected in (("bob", 200), ("carol", 404)):  # bob sees Lobby; carol is another tenant
        client.force_login(getattr(world, login))
        response = client.get(url)
        assert response.status_code == expected
        if expected == 200:
            served = b"".join(response.streaming_content)
            assert response["Content-Type"] == "image/png"
            assert Image.open(io.BytesIO(served)).size == (4, 3)


def test_floor_plan_must_be_the_image_it_says(world, send, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    path = folders_url(world, world.folders.vault.id)
    not_base64 = {"floor_plan": {"file": {"b64_content": "%%%", "mime_type": "image/png"}}}
    assert pointers(send("PUT", path, not_base64)) == ["/floor_plan/file/b64_content"]
    jpeg_as_png = {
        "file": {"b64_content": base64.b64encode(b"\xff\xd8\xff\xe0").decode(), "mime_type": "image/png"}
    }
    assert pointers(send("PUT", path, {"floor_plan": jpeg_as_png})) == ["/floor_plan/file"]
    assert not Folder.objects.get(pk=world.folders.vault.id).floor_plan


# --- folder permissions -------------------------------------------------------------------------


def test_members_without_can_edit_users_see_only_their_own_entry(world, api):
    lobby = world.folders.lobby.id
    assert api("GET", folders_url(world, lobby, "users"), login="bob").status_code == 403
    own = api("GET", folders_url(world, lobby, "users", world.bob.id), login="bob")
    assert own.status_code == 200 and own.json()["can_view"] is True
    assert api("GET", folders_url(world, lobby, "users", world.alice.id), login="bob").status_code == 403
    vault = world.folders.vault.id
    assert api("GET", folders_url(world, vault, "users", world.bob.id), login="bob").status_code == 404


def test_a_member_with_can_edit_users_sets_folder_permissions(world, send):
    dave = UserFactory(login="dave")
    MembershipFactory(user=dave, organization=world.org_a, can_edit_users=True)
    path = folders_url(world, world.folders.vault.id, "users", world.bob.id)
    saved = send("PUT", path, {"can_view": True, "can_view_dvr": True}, login="dave")
    assert saved.status_code == 200 and saved.json()["can_view_dvr"] is True
    grant = FolderGrant.objects.get(folder=world.folders.vault, user=world.bob)
    assert grant.can_live and grant.can_archive and grant.can_export and not grant.can_ptz
    assert send("PUT", path, {"can_view": True}, login="bob").status_code == 403


def test_folder_user_save_keeps_what_the_body_leaves_out(world, send):
    # Desk inherits nothing here: bob's grant on Desk opens live and archive.
    path = folders_url(world, world.folders.desk.id, "users", world.bob.id)
    assert send("PUT", path, {"can_use_ptz": True}).json() == {
        "can_view": True,
        "can_view_dvr": True,
        "dvr_depth_limit": 0,
        "can_use_ptz": True,
        "can_use_actions": False,
    }


def test_a_new_grant_starts_from_the_inherited_permissions(world, send, api):
    child = FolderFactory(organization=world.org_a, parent=world.folders.lobby, title="Child")
    path = folders_url(world, child.id, "users", world.bob.id)
    assert api("GET", path, login="alice").json()["can_view"] is True  # Lobby's grant reaches it
    saved = send("PUT", path, {"dvr_depth_limit": 600}).json()
    assert saved["can_view"] is True and saved["dvr_depth_limit"] == 600


def test_folder_permission_errors(world, send):
    path = folders_url(world, world.folders.vault.id, "users", world.bob.id)
    body = {"can_view": "yes", "dvr_depth_limit": -1}
    assert sorted(pointers(send("PUT", path, body))) == ["/can_view", "/dvr_depth_limit"]
    carol = folders_url(world, world.folders.vault.id, "users", world.carol.id)  # not a member of org A
    assert send("PUT", carol, {"can_view": True}).status_code == 404
    assert not FolderGrant.objects.filter(user=world.carol).exists()


# --- mosaics ------------------------------------------------------------------------------------


@pytest.fixture
def wall(world):
    wall = MosaicFactory(organization=world.org_a, title="Wall A", layout="2x2")
    for position, camera in enumerate([world.cameras.lobby, world.cameras.desk]):
        MosaicSlot.objects.create(mosaic=wall, position=position, camera=camera)
    return wall


def test_shared_mosaics_are_changed_by_administrators_only(world, send, wall):
    assert send("PUT", f"/mosaics/{wall.id}", {"title": "Bob's now"}, login="bob").status_code == 403
    assert send("DELETE", f"/mosaics/{wall.id}", login="bob").status_code == 403
    alices = MosaicFactory(organization=world.org_a, owner=world.alice)
    assert send("PUT", f"/mosaics/{alices.id}", {"title": "x"}, login="bob").status_code == 404
    assert send("DELETE", f"/mosaics/{wall.id}", login="alice").status_code == 204


def test_a_cell_must_name_a_stream_the_caller_may_watch(world, send):
    cells = [{"name": "a-lobby"}, {"name": "a-vault"}, {"name": "b-gate"}, {"name": "a-lobby"}]
    body = {"title": "Mine", "organization_id": world.org_a.id, "streams": cells}
    assert pointers(send("POST", "/mosaics", body, login="bob")) == ["/streams/3/name"]  # duplicate first
    body["streams"] = cells[:3]
    assert pointers(send("POST", "/mosaics", body, login="bob")) == ["/streams/1/name", "/streams/2/name"]
    too_many = {"title": "Mine", "type": "1x1", "streams": [{"name": "a-lobby"}, {"name": "a-desk"}]}
    assert pointers(send("POST", "/mosaics", too_many, login="bob")) == ["/streams"]


def test_mosaic_create_checks_title_type_and_organization(world, send):
    assert pointers(send("POST", "/mosaics", {"type": "2x2"}, login="bob")) == ["/title"]
    assert pointers(send("POST", "/mosaics", {"title": "x", "type": "9x9"}, login="bob")) == ["/type"]
    foreign = {"title": "x", "organization_id": world.org_b.id}
    assert pointers(send("POST", "/mosaics", foreign, login="bob")) == ["/organization_id"]
    made = send("POST", "/mosaics", {"title": "Only org"}, login="bob").json()  # bob has one organization
    assert made["organization_id"] == world.org_a.id and made["type"] == "2x2" and made["streams"] == []


def test_a_smaller_layout_keeps_cells_until_streams_replace_them(world, send, wall):
    path = f"/mosaics/{wall.id}"
    assert send("PUT", path, {"type": "1x1"}).json()["streams"][0]["name"] == "a-lobby"
    back = send("PUT", path, {"type": "2x2"}).json()
    assert [c["name"] for c in back["streams"]] == ["a-lobby", "a-desk"]
    assert pointers(send("PUT", path, {"organization_id": world.org_b.id})) == ["/organization_id"]
    replaced = send("PUT", path, {"streams": [{}, {}, {"name": "a-vault"}]}).json()
    assert replaced["streams"][:2] == [{}, {}] and replaced["streams"][2]["name"] == "a-vault"
    assert replaced["title"] == "Wall A"
