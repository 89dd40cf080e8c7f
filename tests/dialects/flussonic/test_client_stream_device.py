"""Stream import and the camera device (catalog §5.2.5-5.2.9), against a simulated ONVIF camera."""

import base64
import json
import socket
import time

import pytest

from cameras import onvif
from cameras.models import Camera
from cameras.services import camera_onvif_endpoint
from organizations.models import FolderGrant
from tests.factories import CameraInputFactory
from tests.support.onvif_device import DeviceState, attach, running_device

JSON = "application/json"
CSV = "text/csv"
SEED_CSV = (  # catalog §7, the seed's example; organization 1 is replaced by org A
    "name,title,comment,static,disabled,inputs_0_url,inputs_1_url,dvr_expiration,dvr_episodes_expiration,"
    "dvr_storage_limit,dvr_redundancy_factor,vision_alg,vision_areas,organization_id,coordinates_latitude,"
    "coordinates_longitude,is_test,onvif_ptz\n"
    "cam-e7fee73458,Primary camera title,,true,false,rtsp://127.0.0.1/stream/main,rtsp://127.0.0.1/stream/sub,"
    "86400,259200,32212254720,3,faces,x1 y1,{org},55.71182944518981,37.7775426954031,false,false\n"
    ",Secondary camera title,Camera comment,true,false,rtsp://127.0.0.1/stream2/main,"
    "rtsp://127.0.0.1/stream2/sub,172800,432000,,0,plates,x2 y2,{org},51.711667039488155,35.77733281254769,"
    "true,true\n"
)


@pytest.fixture
def onvif_device():
    """A simulated ONVIF camera on 127.0.0.1, serving for the test."""
    with running_device() as device:
        yield device


@pytest.fixture
def lobby(world, onvif_device):
    """a-lobby set up for ONVIF against the simulated camera."""
    attach(world.cameras.lobby, onvif_device)
    return world.cameras.lobby


def _errors(response, status: int) -> list[dict]:
    assert response.status_code == status, response.content
    errors = response.json()["errors"]
    assert all(e["status"] == str(status) for e in errors)
    return errors


def _import(api, text: str, login="alice"):
    return api("POST", "/streams/import", login=login, data=text, content_type=CSV)


# --- streams_import ---------------------------------------------------------------------------


def test_import_of_the_seed_example_creates_both_cameras(world, api):
    response = _import(api, SEED_CSV.format(org=world.org_a.id))
    assert response.json() == {"created": 2, "updated": 0}
    primary = Camera.objects.get(name="cam-e7fee73458")
    assert primary.dvr_depth == 86400 and primary.episodes_expiration == 259200
    assert primary.dvr_space_limit == 32212254720 and primary.redundancy_factor == 3
    assert primary.vision == {"alg": "faces", "areas": "x1 y1"} and primary.latitude == 55.71182944518981
    assert [i.url for i in primary.inputs.all()] == [
        "rtsp://127.0.0.1/stream/main",
        "rtsp://127.0.0.1/stream/sub",
    ]
    secondary = Camera.objects.get(title="Secondary camera title")
    assert secondary.comment == "Camera comment" and secondary.ptz_enabled is True
    assert secondary.dvr_space_limit is None  # empty cell on a new camera: the default


def test_import_leaves_fields_of_empty_cells_unchanged(world, api):
    Camera.objects.filter(pk=world.cameras.desk.pk).update(comment="keep me", title="Desk")
    response = _import(api, "name,title,comment,static\na-desk,,,false\n")
    assert response.json() == {"created": 0, "updated": 1}
    desk = Camera.objects.get(pk=world.cameras.desk.pk)
    assert (desk.title, desk.comment, desk.static) == ("Desk", "keep me", False)


def test_rows_without_a_name_each_create_a_stream_but_a_name_may_appear_once(world, api):
    response = _import(api, "name,title\n,One\n,Two\n")
    assert response.json() == {"created": 2, "updated": 0}
    assert Camera.objects.filter(title__in=["One", "Two"]).count() == 2
    (error,) = _errors(_import(api, "name,title\ntwice,A\ntwice,B\n"), 400)
    assert error["source"]["pointer"] == "/3/name" and not Camera.objects.filter(name="twice").exists()


def test_an_empty_file_is_400_and_a_header_alone_changes_nothing(world, api):
    assert _errors(_import(api, ""), 400)[0]["code"] == "invalid"
    assert _import(api, "name,title\n").json() == {"created": 0, "updated": 0}


def test_a_bad_row_rejects_the_whole_file_and_names_every_bad_cell(world, api):
    text = (
        "name,title,dvr_expiration,static,inputs_0_url\n"
        "a-desk,Changed,3600,,\n"
        "fresh-1,Fresh,soon,,\n"
        "fresh-2,,,maybe,rtsp://127.0.0.1/x\n"
    )
    errors = _errors(_import(api, text), 400)
    assert {e["source"]["pointer"] for e in errors} == {"/3/dvr_expiration", "/4/static"}
    assert Camera.objects.get(pk=world.cameras.desk.pk).title != "Changed"
    assert not Camera.objects.filter(name__startswith="fresh").exists()


def test_a_row_the_model_refuses_points_at_its_column(world, api):
    text = "name,coordinates_latitude,coordinates_longitude\na-desk,95,10\n"
    (error,) = _errors(_import(api, text), 400)
    assert error["source"]["pointer"] == "/2/coordinates_latitude"


def test_import_cannot_touch_another_organizations_camera_or_organization(world, api):
    errors = _errors(
        _import(api, f"name,title,organization_id\nb-gate,Mine now,\nnew-one,,{world.org_b.id}\n"), 400
    )
    assert {e["source"]["pointer"] for e in errors} == {"/2/name", "/3/organization_id"}
    assert Camera.objects.get(name="b-gate").title != "Mine now"
    assert not Camera.objects.filter(name="new-one").exists()


def test_import_by_a_viewer_is_forbidden_and_writes_nothing(world, api):
    (error,) = _errors(_import(api, "name,title\nnew-cam,New\na-lobby,Renamed\n", login="bob"), 403)
    assert error["code"] == "forbidden"
    assert not Camera.objects.filter(name="new-cam").exists()


def test_import_past_the_organization_limit_is_403_and_writes_nothing(world, api):
    world.org_a.max_cameras = Camera.objects.filter(organization=world.org_a).count() + 1
    world.org_a.save()
    text = (
        f"name,title,organization_id\na-desk,Renamed,\nextra-1,,{world.org_a.id}\nextra-2,,{world.org_a.id}\n"
    )
    (error,) = _errors(_import(api, text), 403)
    assert error["code"] == "limit_reached"
    assert not Camera.objects.filter(name__startswith="extra").exists()
    assert Camera.objects.get(pk=world.cameras.desk.pk).title != "Renamed"


def test_import_takes_csv_only(world, api):
    response = api(
        "POST", "/streams/import", login="alice", data=json.dumps({"name": "x"}), content_type=JSON
    )
    assert _errors(response, 415)[0]["code"] == "unsupported_media_type"


def test_import_route_is_not_a_stream_named_import(world, api):
    response = api("GET", "/streams/import", login="alice")
    assert response.status_code == 405


# --- camera_config ----------------------------------------------------------------------------


def test_camera_config_save_changes_the_device_and_answers_what_it_reports(lobby, onvif_device, api):
    body = {
        "sensor": {
            "brightness_correction": 100,
            "wide_dynamic_range": 0,
            "blacklight_compensation": {"mode": "on"},
            "infrared_cutoff_filter": {"mode": "off"},
            "image_orientation": "upside_down",
        },
        "media_quality": "low",
    }
    response = api(
        "PUT", "/streams/a-lobby/camera_config", login="alice", data=json.dumps(body), content_type=JSON
    )
    assert response.status_code == 200, response.content
    config = response.json()
    state = onvif_device.state
    assert state.brightness == 255 and state.wdr_mode == "OFF" and state.backlight == "ON"
    assert state.ir_cut == "OFF" and state.rotate == "ON"
    # low: the offered resolution nearest 640x360, frame rate and GOP within the device's ranges
    assert (state.width, state.height, state.fps, state.bitrate, state.gov_length) == (640, 360, 10, 512, 20)
    assert config["sensor"]["brightness_correction"] == 100 and config["sensor"]["wide_dynamic_range"] == 0
    assert config["sensor"]["image_orientation"] == "upside_down" and config["media_quality"] == "low"
    assert config["sensor"]["contrast_correction"] == 50  # not in the body: untouched
    assert "Contrast" not in [el.tag.split("}")[1] for el in state.last("SetImagingSettings").body.iter()]


def test_camera_config_save_refuses_bad_values_before_calling_the_camera(lobby, onvif_device, api):
    body = {
        "sensor": {"brightness_correction": 101, "blacklight_compensation": {"mode": "auto"}},
        "media_quality": "ultra",
    }
    response = api(
        "PUT", "/streams/a-lobby/camera_config", login="alice", data=json.dumps(body), content_type=JSON
    )
    pointers = {e["source"]["pointer"] for e in _errors(response, 400)}
    assert pointers == {
        "/sensor/brightness_correction",
        "/sensor/blacklight_compensation/mode",
        "/media_quality",
    }
    assert onvif_device.state.calls == []


def test_camera_config_of_a_camera_without_onvif_is_409(world, api):
    (error,) = _errors(api("GET", "/streams/a-desk/camera_config", login="alice"), 409)
    assert error["code"] == "onvif_unavailable"


def test_the_onvif_address_falls_back_to_the_first_inputs_host_and_account(world):
    camera = world.cameras.desk
    CameraInputFactory(camera=camera, url="rtsp://10.1.2.3:554/main", username="viewer", password="pw")
    camera.is_onvif = True
    assert camera_onvif_endpoint(camera=camera) == onvif.Endpoint("10.1.2.3", 80, "viewer", "pw")
    camera.onvif_url, camera.onvif_username, camera.onvif_password = (
        "http://cam.local:8899/onvif",
        "admin",
        "x",
    )
    camera.onvif_profile = "sub"
    assert camera_onvif_endpoint(camera=camera) == onvif.Endpoint("cam.local", 8899, "admin", "x", "sub")
    camera.onvif_port = 2020
    assert camera_onvif_endpoint(camera=camera).port == 2020


def test_a_wrong_camera_password_is_a_502_not_a_401(world, onvif_device, api):
    attach(world.cameras.lobby, onvif_device, password="wrong")
    (error,) = _errors(api("GET", "/streams/a-lobby/camera_config", login="alice"), 502)
    assert error["code"] == "camera_unauthorized"
    assert onvif_device.state.calls == []  # the device let nothing through


def test_an_unreachable_camera_is_a_502_and_fails_fast(world, api):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    Camera.objects.filter(pk=world.cameras.lobby.pk).update(is_onvif=True, onvif_url=f"127.0.0.1:{port}")
    started = time.monotonic()
    (error,) = _errors(api("GET", "/streams/a-lobby/camera_config", login="alice"), 502)
    assert error["code"] == "camera_unreachable" and time.monotonic() - started < 5


def test_a_camera_that_never_answers_times_out_as_a_502(world, api, monkeypatch):
    monkeypatch.setattr("cameras.onvif.TIMEOUT_S", 0.5)
    with socket.socket() as silent:  # accepts connections (the kernel does), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        Camera.objects.filter(pk=world.cameras.lobby.pk).update(
            is_onvif=True, onvif_url=f"127.0.0.1:{silent.getsockname()[1]}"
        )
        started = time.monotonic()
        (error,) = _errors(api("GET", "/streams/a-lobby/camera_config", login="alice"), 502)
    assert error["code"] == "camera_unreachable" and "in time" in error["title"]
    assert time.monotonic() - started < 3


def test_camera_config_needs_edit_rights_and_a_visible_stream(lobby, api):
    assert _errors(api("GET", "/streams/a-lobby/camera_config", login="bob"), 403)[0]["code"] == "forbidden"
    assert _errors(api("GET", "/streams/a-vault/camera_config", login="bob"), 404)[0]["code"] == "not_found"


# --- stream_firmware_update -------------------------------------------------------------------


def test_firmware_as_a_raw_body_reaches_the_camera(lobby, onvif_device, api):
    image = bytes(range(256)) * 64
    response = api(
        "PUT",
        "/streams/a-lobby/firmware_update?proto=isapi",
        login="alice",
        data=image,
        content_type="application/octet-stream",
    )
    assert response.status_code == 204, response.content
    assert onvif_device.state.firmware == [image]
    assert "StartFirmwareUpgrade" in onvif_device.state.operations()
    assert Camera.objects.get(pk=lobby.pk).firmware_update_started_at is not None


@pytest.mark.parametrize("content_type", ["multipart/form-data; boundary=xyz", "text/plain"])
def test_firmware_in_another_media_type_is_415(lobby, onvif_device, api, content_type):
    response = api(
        "PUT", "/streams/a-lobby/firmware_update", login="alice", data=b"--xyz--", content_type=content_type
    )
    assert _errors(response, 415)[0]["code"] == "unsupported_media_type"
    assert onvif_device.state.firmware == []


def test_firmware_with_invalid_base64_or_proto_is_400(lobby, onvif_device, api):
    body = {"image": "b'DL\\u0003\\u0004'", "proto": "ftp"}
    response = api(
        "PUT", "/streams/a-lobby/firmware_update", login="alice", data=json.dumps(body), content_type=JSON
    )
    assert {e["source"]["pointer"] for e in _errors(response, 400)} == {"/image", "/proto"}
    response = api(
        "PUT",
        "/streams/a-lobby/firmware_update?proto=ftp",
        login="alice",
        data=b"x",
        content_type="application/octet-stream",
    )
    assert _errors(response, 400)[0]["source"] == {"parameter": "proto"}
    assert onvif_device.state.calls == []


def test_a_refused_firmware_upload_is_502_and_leaves_no_update_running(lobby, onvif_device, api):
    onvif_device.state.firmware_status = 500
    body = {"image": base64.b64encode(b"firmware").decode()}
    response = api(
        "PUT", "/streams/a-lobby/firmware_update", login="alice", data=json.dumps(body), content_type=JSON
    )
    assert _errors(response, 502)[0]["code"] == "camera_error"
    assert Camera.objects.get(pk=lobby.pk).firmware_update_started_at is None


# --- stream_ptz_execute -----------------------------------------------------------------------


def _ptz(api, body: dict, login="alice", name="a-lobby"):
    return api("POST", f"/streams/{name}/ptz", login=login, data=json.dumps(body), content_type=JSON)


def test_ptz_moves_with_the_configured_profile_and_stops_on_all_zero(lobby, onvif_device, api):
    Camera.objects.filter(pk=lobby.pk).update(onvif_profile="main")
    body = {"command": "move_continuous", "up": 30, "right": 100, "out": 10}
    assert _ptz(api, body).status_code == 204
    move = onvif_device.state.last("ContinuousMove")
    assert move.find("tptz:ProfileToken") == "main"
    assert move.attribute(".//tt:PanTilt", "x") == "1.0" and move.attribute(".//tt:PanTilt", "y") == "0.3"
    assert move.attribute(".//tt:Zoom", "x") == "-0.1"
    assert _ptz(api, {"command": "move_continuous"}).status_code == 204
    stop = onvif_device.state.last("Stop")
    assert stop.find("tptz:ProfileToken") == "main" and stop.find("tptz:PanTilt") == "true"


def test_ptz_needs_the_ptz_permission(lobby, onvif_device, world, api):
    assert _errors(_ptz(api, {"command": "move_continuous"}, login="bob"), 403)[0]["code"] == "forbidden"
    FolderGrant.objects.filter(folder=world.folders.lobby, user=world.bob).update(can_ptz=True)
    assert _ptz(api, {"command": "move_continuous", "left": 10}, login="bob").status_code == 204


def test_ptz_on_a_stream_without_ptz_enabled_is_409(world, onvif_device, api):
    attach(world.cameras.lobby, onvif_device, ptz=False)
    (error,) = _errors(_ptz(api, {"command": "move_continuous", "up": 10}), 409)
    assert error["code"] == "ptz_disabled" and onvif_device.state.calls == []


def test_ptz_on_a_camera_without_a_ptz_service_is_409(world, api):
    with running_device(DeviceState(has_ptz=False)) as device:
        attach(world.cameras.lobby, device)
        (error,) = _errors(_ptz(api, {"command": "move_continuous", "up": 10}), 409)
    assert error["code"] == "onvif_unsupported"


def test_ptz_command_and_speeds_are_checked(lobby, onvif_device, api):
    errors = _errors(_ptz(api, {"command": "goto_preset", "up": 150, "in": "fast"}), 400)
    assert {e["source"]["pointer"] for e in errors} == {"/command", "/up", "/in"}
    assert onvif_device.state.calls == []
