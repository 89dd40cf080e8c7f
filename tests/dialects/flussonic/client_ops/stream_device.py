"""Registry rows: stream_device (stream import, camera config, firmware, PTZ; catalog §5.2.5-5.2.9)."""

import base64
import datetime as dt
import json

from django.utils import timezone

from cameras.models import Camera
from tests.support.onvif_device import attach, running_device

from ..registry import JSON, Operation

CSV = "text/csv"


def check_streams_import(world, api):
    text = (
        "name,title,static,inputs_0_url,dvr_expiration,organization_id,onvif_ptz,is_test\n"
        f"a-lobby,Lobby renamed,,,86400,{world.org_a.id},,false\n"
        f",New camera,false,rtsp://127.0.0.1/new/main,,{world.org_a.id},true,true\n"
    )
    response = api("POST", "/streams/import", login="alice", data=text, content_type=CSV)
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 1, "updated": 1}
    lobby = api("GET", "/streams/a-lobby", login="alice").json()
    assert lobby["title"] == "Lobby renamed" and lobby["dvr"]["expiration"] == 86400
    (new,) = Camera.objects.filter(title="New camera")
    assert new.name.startswith("cam-") and new.static is False and new.ptz_enabled is True
    assert [i.url for i in new.inputs.all()] == ["rtsp://127.0.0.1/new/main"]


def check_camera_config_get(world, api):
    with running_device() as device:
        attach(world.cameras.lobby, device)
        response = api("GET", "/streams/a-lobby/camera_config", login="alice")
    assert response.status_code == 200, response.content
    config = response.json()
    assert set(config) == {"sensor", "camera_info", "media_quality"}
    assert config["camera_info"] == {
        "firmware": "1.2.3",
        "model": "SIM-1080",
        "manufacturer": "Simulated",
        "serial_number": "SN0042",
    }
    sensor = config["sensor"]
    assert sensor["brightness_correction"] == 50  # 128 of the device's 0..255
    for key in ("contrast_correction", "sharpness", "saturation", "wide_dynamic_range"):
        assert isinstance(sensor[key], int) and 0 <= sensor[key] <= 100
    assert sensor["blacklight_compensation"] == {"mode": "off"}
    assert sensor["infrared_cutoff_filter"] == {"mode": "auto"}
    assert sensor["image_orientation"] == "normal" and config["media_quality"] == "high"


def check_camera_config_save(world, api):
    body = {"sensor": {"contrast_correction": 80}, "camera_info": {"model": "ignored"}}
    with running_device() as device:
        attach(world.cameras.lobby, device)
        response = api(
            "PUT", "/streams/a-lobby/camera_config", login="alice", data=json.dumps(body), content_type=JSON
        )
    assert response.status_code == 200, response.content
    config = response.json()
    assert config["sensor"]["contrast_correction"] == 80 and config["camera_info"]["model"] == "SIM-1080"
    assert device.state.contrast == 80


def check_stream_firmware_update(world, api):
    image = b"DL\x03\x04\x14\x00firmware"
    body = {"image": base64.b64encode(image).decode(), "proto": "iris"}
    with running_device() as device:
        attach(world.cameras.lobby, device)
        response = api(
            "PUT", "/streams/a-lobby/firmware_update", login="alice", data=json.dumps(body), content_type=JSON
        )
    assert response.status_code == 204 and response.content == b"", response.content
    assert device.state.firmware == [image]
    # The stream shows the update while the 90 s of down time the camera announced run, then not.
    running = api("GET", "/streams/a-lobby", login="alice").json()
    assert isinstance(running["firmware_update_duration"], int) and running["firmware_update_duration"] >= 0
    Camera.objects.filter(pk=world.cameras.lobby.pk).update(
        firmware_update_ends_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert "firmware_update_duration" not in api("GET", "/streams/a-lobby", login="alice").json()


def check_stream_ptz_execute(world, api):
    body = {"command": "move_continuous", "up": 0, "down": 50, "left": 50, "right": 0, "in": 20, "out": 0}
    with running_device() as device:
        attach(world.cameras.lobby, device)
        response = api(
            "POST", "/streams/a-lobby/ptz", login="alice", data=json.dumps(body), content_type=JSON
        )
    assert response.status_code == 204 and response.content == b"", response.content
    move = device.state.last("ContinuousMove")
    assert move.attribute(".//tt:PanTilt", "x") == "-0.5" and move.attribute(".//tt:PanTilt", "y") == "-0.5"


OPERATIONS: dict[str, Operation] = {
    "streams_import": Operation("POST", "/streams/import", check_streams_import),
    "camera_config_get": Operation(
        "GET",
        "/streams/a-lobby/camera_config",
        check_camera_config_get,
        foreign_path="/streams/b-gate/camera_config",
    ),
    "camera_config_save": Operation(
        "PUT",
        "/streams/a-lobby/camera_config",
        check_camera_config_save,
        foreign_path="/streams/b-gate/camera_config",
        route="camera_config_get",
    ),
    "stream_firmware_update": Operation(
        "PUT",
        "/streams/a-lobby/firmware_update",
        check_stream_firmware_update,
        foreign_path="/streams/b-gate/firmware_update",
    ),
    "stream_ptz_execute": Operation(
        "POST", "/streams/a-lobby/ptz", check_stream_ptz_execute, foreign_path="/streams/b-gate/ptz"
    ),
}
