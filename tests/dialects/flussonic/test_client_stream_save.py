"""`stream_save` and `stream_delete` (catalog §5.2.3-5.2.4): merge, create, reset, errors, moves, deletes."""

import datetime as dt
import json

from django.conf import settings
from django.utils import timezone

from cameras.choices import CameraStatus
from cameras.models import Camera, CameraGrant, CameraInput, MosaicSlot
from cameras.services import camera_delete
from recordings.models import Episode, Segment
from tests.factories import (
    MembershipFactory,
    MosaicFactory,
    OrganizationFactory,
    PresetFactory,
    SegmentFactory,
)

JSON = "application/json"


def put(api, name, body, login="alice", **params):
    query = "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""
    return api("PUT", f"/streams/{name}{query}", login=login, data=json.dumps(body), content_type=JSON)


def pointers(response) -> list[str]:
    return [e["source"]["pointer"] for e in response.json()["errors"]]


def test_a_partial_body_changes_only_what_it_names(world, api):
    world.cameras.lobby.title, world.cameras.lobby.comment = "Lobby", "keep me"
    world.cameras.lobby.save()
    stream = put(api, "a-lobby", {"comment": "new note", "stats": {"alive": True}, "junk": 1}).json()
    assert stream["comment"] == "new note" and stream["title"] == "Lobby"


def test_a_stream_got_and_put_back_keeps_its_input_credentials(world, api):
    put(api, "a-lobby", {"inputs": [{"url": "rtsp://admin:secret@10.0.0.5/main", "comment": "main"}]})
    stream = api("GET", "/streams/a-lobby", login="alice").json()
    assert stream["inputs"] == [{"url": "rtsp://10.0.0.5/main", "priority": 1, "comment": "main"}]
    assert put(api, "a-lobby", stream).status_code == 200
    (stored,) = CameraInput.objects.filter(camera=world.cameras.lobby)
    assert (stored.username, stored.password, stored.comment) == ("admin", "secret", "main")
    put(api, "a-lobby", {"inputs": [{"url": "rtsp://10.0.0.6/main"}]})
    (moved,) = CameraInput.objects.filter(camera=world.cameras.lobby)
    assert (moved.username, moved.password) == ("", "")  # never sent to a new address


def test_inputs_are_ordered_by_priority_then_list_order(world, api):
    body = {"inputs": [{"url": "rtsp://b/", "priority": 2}, {"url": "rtsp://a/", "priority": 1}]}
    stream = put(api, "a-lobby", body).json()
    assert [i["url"] for i in stream["inputs"]] == ["rtsp://a/", "rtsp://b/"]


def test_wrong_types_are_400_with_a_pointer_per_field(world, api):
    body = {"title": 5, "dvr": {"expiration": -1}, "inputs": [{"url": "rtsp://x/"}, {"comment": "no url"}]}
    response = put(api, "a-lobby", body)
    assert response.status_code == 400
    assert sorted(pointers(response)) == ["/dvr/expiration", "/inputs/1/url", "/title"]
    assert all(e["status"] == "400" and e["code"] == "invalid" for e in response.json()["errors"])


def test_a_value_the_model_refuses_points_at_the_api_field(world, api):
    response = put(api, "a-lobby", {"coordinates": {"latitude": 91, "longitude": 10}})
    assert response.status_code == 400 and pointers(response) == ["/coordinates/latitude"]


def test_a_body_name_other_than_the_path_is_400(world, api):
    response = put(api, "a-lobby", {"name": "a-other"})
    assert response.status_code == 400 and pointers(response) == ["/name"]


def test_put_creates_a_stream_when_the_body_names_it(world, api):
    response = put(api, "a-new", {"name": "a-new", "title": "New", "inputs": [{"url": "rtsp://n/"}]})
    assert response.status_code == 200, response.content
    created = Camera.objects.get(name="a-new")
    assert created.organization == world.org_a and created.title == "New"
    assert put(api, "a-absent", {"title": "no name"}).status_code == 404


def test_creating_where_the_user_is_in_several_organizations_needs_organization_id(world, api):
    MembershipFactory(user=world.alice, organization=world.org_b)
    response = put(api, "a-new", {"name": "a-new"})
    assert response.status_code == 400 and pointers(response) == ["/organization_id"]
    assert put(api, "a-new", {"name": "a-new", "organization_id": world.org_a.id}).status_code == 200


def test_a_viewer_may_not_change_a_stream_but_may_favourite_it(world, api):
    assert put(api, "a-lobby", {"title": "mine"}, login="bob").status_code == 403
    response = put(api, "a-lobby", {"is_favourite": True}, login="bob")
    assert response.status_code == 200 and response.json()["is_favourite"] is True
    assert api("GET", "/streams/a-lobby", login="alice").json()["is_favourite"] is False


def test_reset_replaces_instead_of_merging(world, api):
    put(api, "a-lobby", {"title": "T", "comment": "C", "onvif": {"ptz": True}})
    stream = put(api, "a-lobby", {"$reset": True, "comment": "only"}).json()
    assert (stream["title"], stream["comment"], stream["onvif"]["ptz"]) == ("", "only", False)
    assert "folder_id" not in stream and stream["inputs"] == []


def test_disabling_a_stream_stops_it(world, api):
    stream = put(api, "a-lobby", {"disabled": True}).json()
    world.cameras.lobby.refresh_from_db()
    assert stream["disabled"] is True and world.cameras.lobby.status == CameraStatus.DISABLED


def test_a_locked_preset_ignores_dvr_and_vision(world, api):
    preset = PresetFactory(is_adjustable=False, is_default=True)
    stream = put(api, "a-lobby", {"preset_id": preset.id, "dvr": {"expiration": 60}, "title": "kept"}).json()
    assert (
        stream["preset_id"] == preset.id and "expiration" not in stream["dvr"] and stream["title"] == "kept"
    )


def test_vision_is_deep_merged(world, api):
    put(api, "a-lobby", {"vision": {"alg": "faces", "areas": "0,0,1,1"}})
    assert put(api, "a-lobby", {"vision": {"alg": "plates"}}).json()["vision"] == {
        "alg": "plates",
        "areas": "0,0,1,1",
    }


def test_a_folder_of_another_organization_is_400(world, api):
    response = put(api, "a-lobby", {"folder_id": world.folders.gate.id})
    assert response.status_code == 400 and pointers(response) == ["/folder_id"]


def test_only_the_owner_or_a_domain_admin_moves_a_stream_to_another_organization(world, api):
    org_c = OrganizationFactory(title="Org C")
    MembershipFactory(user=world.alice, organization=org_c, is_admin=True)
    assert put(api, "a-lobby", {"organization_id": org_c.id}).status_code == 403  # admin, not owner
    world.org_a.owner = world.alice
    world.org_a.save()
    stream = put(api, "a-lobby", {"organization_id": org_c.id}).json()
    assert stream["organization_id"] == org_c.id and "folder_id" not in stream
    response = put(api, "a-desk", {"organization_id": world.org_b.id})  # alice is no member of B
    assert response.status_code == 400 and pointers(response) == ["/organization_id"]


def test_config_override_edits_only_the_runtime_layer(world, api):
    assert put(api, "a-lobby", {"title": "temp"}, part="config_override").status_code == 200
    world.cameras.lobby.refresh_from_db()
    assert world.cameras.lobby.config_override == {"title": "temp"} and world.cameras.lobby.title != "temp"
    assert api("DELETE", "/streams/a-lobby?part=config_override", login="alice").status_code == 204
    world.cameras.lobby.refresh_from_db()
    assert world.cameras.lobby.config_override is None
    response = put(api, "a-lobby", {}, part="bogus")
    assert response.status_code == 400 and response.json()["errors"][0]["source"] == {"parameter": "part"}


def test_delete_removes_the_archive_files_and_rows(world, api):
    segment = SegmentFactory(camera=world.cameras.lobby, protected=True)
    path = settings.NVR_MEDIA_ROOT / segment.path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    Episode.objects.create(camera=world.cameras.lobby, opened_at=timezone.now())
    assert api("DELETE", "/streams/a-lobby", login="bob").status_code == 403
    assert api("DELETE", "/streams/a-lobby", login="alice").status_code == 204
    assert not Camera.objects.filter(name="a-lobby").exists() and not path.exists()
    assert not Segment.objects.exists() and not Episode.objects.exists()


def test_delete_waits_for_the_recorder_to_let_go(world):
    camera = world.cameras.lobby
    expires = timezone.now() + dt.timedelta(seconds=0.5)
    Camera.objects.filter(pk=camera.pk).update(lease_owner="node:1:abc", lease_expires_at=expires)
    camera_delete(camera=camera, actor=world.alice, wait_seconds=5)
    assert timezone.now() >= expires and not Camera.objects.filter(pk=camera.pk).exists()


def test_a_moved_stream_leaves_the_old_organizations_grants_and_mosaics(world, api):
    wall = MosaicFactory(organization=world.org_a)
    MosaicSlot.objects.create(mosaic=wall, position=0, camera=world.cameras.granted)
    org_c = OrganizationFactory(title="Org C", owner=world.alice)
    MembershipFactory(user=world.alice, organization=org_c, is_admin=True)
    world.org_a.owner = world.alice
    world.org_a.save()
    assert put(api, "a-granted", {"organization_id": org_c.id}).status_code == 200
    assert not CameraGrant.objects.filter(camera=world.cameras.granted).exists()
    assert MosaicSlot.objects.get(mosaic=wall, position=0).camera is None
    assert api("GET", "/streams/a-granted", login="bob").status_code == 404
