"""Every routed Admin API operation, declared once: its catalog shape, 401 without credentials and
403 for anyone but a domain administrator (catalog §2). A route without a row fails the suite."""

import dataclasses
import datetime as dt
import json

import jwt
import pytest
from django.utils import timezone

from cameras.models import Camera, Streamer
from organizations.models import SiteSettings
from tests.factories import CameraFactory, CameraInputFactory

from .registry import JSON, UTC_MS, UTC_S, Operation, registered_operations, routed_operations


@pytest.fixture
def world(world, root):
    """The shared world plus `root`, the domain administrator, and two recording nodes."""
    now = timezone.now()
    world.node_a = Streamer.objects.create(
        hostname="node-a",
        version="0.1.0",
        channel_limit=50,
        total_bandwidth=100_000,
        started_at=now - dt.timedelta(hours=1),
        last_heartbeat_at=now,
        stats={
            "cpu_usage": 12,
            "memory_usage": 40,
            "partitions": [{"path": "/var/nvr", "total_mb": 1000, "usage": 85}],
            "recording": 2,
            "input_kbit": 4000,
            "uptime": 3600,
        },
    )
    world.node_b = Streamer.objects.create(hostname="node-b", last_heartbeat_at=now - dt.timedelta(minutes=5))
    return world


def check_login(world, api):
    response = api("POST", "/login", login="bob")  # any valid user gets tokens (§5.3.1)
    assert response.status_code == 200
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert claims["exp"] in UTC_S and claims["session"]


def check_domain_config_get(world, api):
    site = SiteSettings.load()
    site.mail = {"sending_method": "SMTP", "host": "smtp.example.test", "port": 587, "password": "s3cret"}
    site.save()
    body = api("GET", "/domain_config", login="root").json()
    assert body["mail"] == {
        "sending_method": "SMTP",
        "host": "smtp.example.test",
        "port": 587,
        "password": "***",
    }
    assert set(body["appearance"]) >= {"title", "colors"}
    assert set(body["appearance"]["colors"]) == {"primary", "secondary", "background"}


def check_domain_config_save(world, api):
    body = {"appearance": {"title": "Guard post", "colors": {"primary": "#112233"}}}
    response = api("PUT", "/domain_config", login="root", data=json.dumps(body), content_type=JSON)
    assert response.status_code == 200, response.content
    assert response.json()["appearance"]["title"] == "Guard post"
    assert response.json()["appearance"]["colors"]["primary"] == "#112233"


def check_system_config_get(world, api):
    body = api("GET", "/system_config", login="root").json()
    assert set(body) >= {
        "license_key",
        "database",
        "watcher_brute_force_timeout",
        "loglevel",
        "api_url",
        "listeners",
    }
    assert (
        isinstance(body["watcher_brute_force_timeout"], int) and body["loglevel"] == body["loglevel"].lower()
    )
    assert all(isinstance(listener["port"], int) for listener in body["listeners"]["http"])


def check_streamers_list(world, api):
    body = api("GET", "/streamers", login="root").json()
    assert list(body) == ["estimated_count", "timing", "streamers"]
    assert [s["hostname"] for s in body["streamers"]] == ["node-a", "node-b"]
    check_streamer(body["streamers"][0])


def check_streamer_get(world, api):
    CameraFactory(organization=world.org_a, name="pinned", streamer=world.node_a)
    streamer = api("GET", "/streamers/node-a", login="root").json()
    check_streamer(streamer)
    stats = streamer["stats"]
    assert stats["streamer_status"] == "running" and stats["cpu_usage"] == 12 and stats["uptime"] == 3600
    assert stats["server_version"] == "0.1.0" and stats["input_kbit"] == 4000
    assert stats["partitions"] == [{"path": "/var/nvr", "total_mb": 1000, "usage": 85}]
    assert stats["total_streams"] == 2 and stats["online_streams"] == 2
    offline = api("GET", "/streamers/node-b", login="root").json()["stats"]
    assert offline["error"] == "offline" and offline["online_streams"] == 0
    assert api("GET", "/streamers/nowhere", login="root").status_code == 404


def check_streamer(streamer: dict):
    assert isinstance(streamer["hostname"], str) and streamer["role"] == "streamer"
    assert isinstance(streamer["labels"], dict) and isinstance(streamer["dvrs"], list)
    assert isinstance(streamer["config"], dict)
    stats = streamer["stats"]
    for key in (
        "uptime",
        "cpu_usage",
        "memory_usage",
        "input_kbit",
        "output_kbit",
        "total_streams",
        "online_streams",
    ):
        assert isinstance(stats[key], int), key
    assert stats["now"] in UTC_MS and stats["hostname"] == streamer["hostname"]


def check_cluster_stats_get(world, api):
    now = timezone.now()
    CameraFactory(organization=world.org_a, name="live-1", last_frame_at=now, lease_owner="node-a:1")
    body = api("GET", "/cluster/stats", login="root").json()
    assert body["collected_at"] in UTC_MS and isinstance(body["version"], int)
    streams = body["stream_metrics_total"]
    assert streams["operational"] == 1 and streams["total"] == 7  # the world's six cameras are silent
    assert body["streamer_metrics_total"]["outage"] == 1 and body["streamer_metrics_total"]["total"] == 2
    node_a, node_b = body["streamer_metrics"]
    assert node_a["hostname"] == "node-a" and node_a["storage"] == {"usage": 85, "status": "degradated"}
    assert node_a["status"] == "degradated" and node_b["status"] == "outage"
    assert node_a["stream_metrics"]["operational"] == 1
    text = api("GET", "/cluster/stats?format=openmetrics", login="root")
    assert text["Content-Type"].startswith("application/openmetrics-text")
    assert 'watcher_streamer_up{hostname="node-b"} 0' in text.content.decode()
    assert text.content.decode().endswith("# EOF\n")


def check_streamer_save(world, api):
    body = {"channel_limit": 20, "labels": {"site": "north"}, "stats": {"ignored": True}, "hostname": "x"}
    response = api("PUT", "/streamers/node-a", login="root", data=json.dumps(body), content_type=JSON)
    assert response.status_code == 200, response.content
    streamer = response.json()
    check_streamer(streamer)
    assert streamer["hostname"] == "node-a" and streamer["channel_limit"] == 20
    assert streamer["labels"] == {"site": "north"} and streamer["stats"]["cpu_usage"] == 12
    created = api(
        "PUT", "/streamers/node-c", login="root", data=json.dumps({"role": "inference"}), content_type=JSON
    )
    assert created.status_code == 200 and created.json()["role"] == "inference"  # an upsert


def check_preview_layout_change(world, api):
    now = timezone.now()
    world.node_b.last_heartbeat_at = now
    world.node_b.save()
    for name in ("r1", "r2", "r3", "r4"):  # four cameras node-a records now, one with no recorder yet
        camera = CameraFactory(organization=world.org_a, name=name)
        CameraInputFactory(camera=camera)
        if name != "r4":
            camera.lease_owner, camera.lease_expires_at = "node-a:1:x", now + dt.timedelta(seconds=8)
            camera.save()
    body = json.dumps({"channel_limit": 1})
    response = api(
        "POST", "/streamers/node-a/preview_layout_change", login="root", data=body, content_type=JSON
    )
    assert response.status_code == 200, response.content
    page = response.json()
    assert list(page) == ["estimated_count", "timing", "changes"]
    assert page["changes"] == [
        {"hostname": "node-a", "role": "ingest", "before": 3, "after": 1, "delta": -2},
        {"hostname": "node-b", "role": "ingest", "before": 1, "after": 3, "delta": 2},
    ]
    assert Streamer.objects.get(hostname="node-a").channel_limit == 50  # a dry run: nothing saved


def check_events_list(world, api):
    body = {"mail": {"sending_method": "SMTP", "host": "smtp.a.test", "password": "pw-secret"}}
    api(
        "PUT",
        "/domain_config",
        login="root",
        data=json.dumps(body),
        content_type=JSON,
        HTTP_X_ORIGINATOR="ansible",
        HTTP_X_TRACE_ID="5b8f7f2e-0000-4000-8000-000000000001",
    )
    page = api("GET", "/events?event=api_call&operation_id=domain_config_save", login="root").json()
    assert list(page) == ["estimated_count", "timing", "events"]
    (event,) = page["events"]
    assert (
        event["event"] == "api_call" and event["status"] == 200 and event["path"].endswith("/domain_config")
    )
    assert event["originator"] == "ansible" and event["trace_id"] == "5b8f7f2e-0000-4000-8000-000000000001"
    assert (
        event["utc_ms"] in UTC_MS
        and isinstance(event["event_id"], int)
        and isinstance(event["duration"], int)
    )
    assert "pw-secret" not in event["payload"] and json.loads(event["payload"])["mail"]["password"] == "***"
    config = api("GET", "/events?event=config_change", login="root").json()["events"]
    assert json.loads(config[0]["payload"])["object_type"] == "domain_config"


def check_agents_list(world, api):
    from cameras.models import Agent

    now = timezone.now()
    Agent.objects.create(
        agent_id="1234567", key="k-1", serial="SN1", model="IPC", organization=world.org_a, last_seen_at=now
    )
    Agent.objects.create(
        agent_id="7654321", key="k-2", organization=world.org_b, last_seen_at=now - dt.timedelta(hours=1)
    )
    world.cameras.lobby.agent_id = "1234567"
    world.cameras.lobby.save()
    page = api("GET", "/agents", login="root").json()
    assert list(page) == ["estimated_count", "timing", "agents"]
    first, second = page["agents"]
    assert (first["id"], first["key"], first["serial"], first["model"]) == ("1234567", "k-1", "SN1", "IPC")
    assert first["stats"]["endpoint_connection"]["alive"] is True
    assert second["stats"]["endpoint_connection"]["alive"] is False
    assert first["streams"] == [
        {
            "name": "a-lobby",
            "title": world.cameras.lobby.title,
            "comment": world.cameras.lobby.comment,
            "organization": {"id": world.org_a.id, "title": "Org A"},
        }
    ]
    unused = api("GET", "/agents?stream_is=null", login="root").json()["agents"]
    assert [a["id"] for a in unused] == ["7654321"]
    in_b = api("GET", f"/agents?organization_id={world.org_b.id}", login="root").json()["agents"]
    assert [a["id"] for a in in_b] == ["7654321"]


def check_stream_layouts_get(world, api):
    from cameras.services.nodes import placement_record

    lobby = world.cameras.lobby
    placement_record(camera=lobby, hostname="node-a")
    assert placement_record(camera=lobby, hostname="node-a") is None  # no move, no record
    world.node_a.channel_limit = 0
    world.node_a.save()
    placement_record(camera=lobby, hostname="node-b")
    page = api("GET", "/streams/a-lobby/layouts", login="root").json()
    assert list(page) == ["estimated_count", "timing", "layouts"]
    moved, first = page["layouts"]  # newest first
    assert (first["ingest"], first["change_reason"]) == ("node-a", "not_distributed")
    assert (moved["ingest"], moved["change_reason"]) == ("node-b", "node_channel_limit_exceeded")
    assert moved["created_at"] in UTC_MS and moved["originator"] == "layouter"
    verdicts = {d["hostname"]: d for d in moved["node_layout_decisions"]}
    assert verdicts["node-a"] == {
        "role": "streamer",
        "hostname": "node-a",
        "node_decision": False,
        "reasons": ["node_channel_limit_exceeded"],
    }
    since = first["created_at"]
    assert [
        x["ingest"]
        for x in api("GET", f"/streams/a-lobby/layouts?created_at_gt={since}", login="root").json()["layouts"]
    ] == ["node-b"]
    assert api("GET", "/streams/nowhere/layouts", login="root").status_code == 404


def check_stream_preview(world, api):
    now = timezone.now()
    world.node_b.last_heartbeat_at = now
    world.node_b.save()
    CameraInputFactory(camera=world.cameras.lobby)
    Camera.objects.filter(pk=world.cameras.lobby.pk).update(
        lease_owner="node-a:1:x", lease_expires_at=now + dt.timedelta(seconds=8)
    )
    url = "/streams/a-lobby/preview_layout_change"
    off = api("POST", url, login="root", data=json.dumps({"disabled": True}), content_type=JSON).json()
    assert list(off) == ["estimated_count", "timing", "changes"]
    (change,) = off["changes"]
    assert (
        change["name"] == "a-lobby"
        and change["change_reason"] == "stream_disabled"
        and "ingest" not in change
    )
    same = api("POST", url, login="root", data=json.dumps({"title": "renamed"}), content_type=JSON).json()
    assert same["changes"] == [] and Camera.objects.get(pk=world.cameras.lobby.pk).enabled  # a dry run


def check_streamer_delete(world, api):
    pinned = CameraFactory(organization=world.org_a, name="pinned", streamer=world.node_b)
    response = api("DELETE", "/streamers/node-b", login="root")  # offline, no footage
    assert response.status_code == 204 and response.content == b""
    assert not Streamer.objects.filter(hostname="node-b").exists()
    pinned.refresh_from_db()
    assert pinned.streamer is None  # it floats to the other nodes
    online = api("DELETE", "/streamers/node-a", login="root")
    assert online.status_code == 409 and online.json()["errors"][0]["code"] == "streamer_in_use"
    assert api("DELETE", "/streamers/node-b", login="root").status_code == 404


def check_presets_list(world, api):
    from cameras.models import Preset

    live = Preset.objects.create(title="Week", dvr_depth=604800)
    Preset.objects.create(title="Gone", deleted_at=timezone.now())
    default = Preset.objects.create(title="Basic", is_default=True)
    live.organizations.add(world.org_b)
    page = api("GET", "/presets", login="root").json()
    assert list(page) == ["estimated_count", "timing", "presets"]
    by_title = {p["title"]: p for p in page["presets"]}
    assert set(by_title) == {"Week", "Gone", "Basic"}  # deleted ones too (§5.9.1)
    assert by_title["Gone"]["deleted_at"] in UTC_MS and "deleted_at" not in by_title["Week"]
    assert by_title["Week"]["dvr"] == {"redundancy_factor": 0, "expiration": 604800}
    alive = api("GET", "/presets?deleted_at_is=null", login="root").json()["presets"]
    assert {p["title"] for p in alive} == {"Week", "Basic"}
    in_a = api("GET", f"/presets?organization_id={world.org_a.id}", login="root").json()["presets"]
    assert [p["id"] for p in in_a] == [default.id]


def check_presets_create(world, api):
    body = {
        "title": "Month",
        "is_adjustable": False,
        "dvr": {"expiration": 2592000},
        "vision": {"alg": "faces"},
    }
    response = api("POST", "/presets", login="root", data=json.dumps(body), content_type=JSON)
    assert response.status_code == 200, response.content
    preset = response.json()
    assert isinstance(preset["id"], int) and preset["title"] == "Month" and preset["is_adjustable"] is False
    assert preset["dvr"]["expiration"] == 2592000 and preset["vision"] == {"alg": "faces"}
    bad = api(
        "POST", "/presets", login="root", data=json.dumps({"dvr": {"expiration": -1}}), content_type=JSON
    )
    assert bad.status_code == 400
    assert sorted(e["source"]["pointer"] for e in bad.json()["errors"]) == ["/dvr/expiration", "/title"]


def check_preset_get(world, api):
    from cameras.models import Preset

    gone = Preset.objects.create(title="Gone", deleted_at=timezone.now())
    preset = api("GET", f"/presets/{gone.id}", login="root").json()
    assert preset["id"] == gone.id and preset["deleted_at"] in UTC_MS
    assert api("GET", "/presets/999999", login="root").status_code == 404


def check_preset_save(world, api):
    from cameras.models import Preset

    preset = Preset.objects.create(title="Week", dvr_depth=604800, vision_alg="faces")
    body = {"dvr": {"storage_limit": 10**12}, "vision": {"alg": None}}
    saved = api("PUT", f"/presets/{preset.id}", login="root", data=json.dumps(body), content_type=JSON).json()
    assert saved["title"] == "Week" and saved["dvr"]["expiration"] == 604800  # a patch
    assert saved["dvr"]["storage_limit"] == 10**12 and saved["vision"] == {}
    missing = api("PUT", "/presets/999999", login="root", data="{}", content_type=JSON)
    assert missing.status_code == 404  # no upsert


def check_organization_preset_save(world, api):
    from cameras.models import Preset

    preset = Preset.objects.create(title="Week")
    url = f"/organizations/{world.org_b.id}/presets"
    saved = api("PUT", url, login="root", data=json.dumps({"preset_id": preset.id}), content_type=JSON)
    assert saved.status_code == 200 and saved.json()["id"] == preset.id
    assert list(preset.organizations.all()) == [world.org_b]


def check_delete_organization_preset(world, api):
    from cameras.models import Preset

    preset = Preset.objects.create(title="Week")
    preset.organizations.add(world.org_b)
    response = api("DELETE", f"/organizations/{world.org_b.id}/presets/{preset.id}", login="root")
    assert response.status_code == 204 and not preset.organizations.exists()


def check_users_list(world, api):
    page = api("GET", "/users", login="root").json()
    assert list(page) == ["estimated_count", "timing", "users_list"]
    assert {u["name"] for u in page["users_list"]} == {"alice", "bob", "carol", "root"}  # every organization
    root = next(u for u in page["users_list"] if u["name"] == "root")
    assert root["access_level"] == "admin" and "password" not in root
    in_b = api("GET", f"/users?organization_id={world.org_b.id}", login="root").json()["users_list"]
    assert [u["name"] for u in in_b] == ["carol"]


def check_user_create(world, api):
    body = {"name": "dave", "password": "A-long-enough-pass-1", "organization_id": world.org_b.id}
    response = api("POST", "/users", login="root", data=json.dumps(body), content_type=JSON)
    assert response.status_code == 200, response.content
    user = response.json()
    assert user["name"] == "dave" and [o["id"] for o in user["organizations"]] == [world.org_b.id]
    assert "password" not in user


def check_user_get(world, api):
    user = api("GET", f"/users/{world.carol.id}", login="root").json()
    assert user["id"] == world.carol.id and user["organizations"][0]["permissions"]["is_member"] is True


def check_user_save(world, api):
    body = {"disabled": True, "note": "left the company"}
    response = api("PUT", f"/users/{world.bob.id}", login="root", data=json.dumps(body), content_type=JSON)
    assert response.status_code == 200 and response.json()["disabled"] is True
    assert api("GET", "/streams", login="bob").status_code in (401, 404)  # a disabled user cannot sign in


def check_user_delete(world, api):
    assert api("DELETE", f"/users/{world.bob.id}", login="root").status_code == 204
    assert api("GET", f"/users/{world.bob.id}", login="root").status_code == 404


def check_users_apikey(world, api):
    made = api("POST", f"/users/{world.carol.id}/apikey", login="root").json()
    assert made["has_apikey"] is True and made["apikey"]
    shown = api("GET", f"/users/{world.carol.id}/apikey", login="root").json()
    assert shown["apikey"] is None and shown["prefix"] == made["apikey"][:8]


def check_admin_stream(stream: dict):
    assert isinstance(stream["name"], str) and isinstance(stream["organization_id"], int)
    assert "playback_token" not in stream["stats"]  # the admin does not watch content (§6.7.1)
    assert "is_favourite" not in stream and "notifications_enabled" not in stream
    assert stream["stats"]["status"] in {"running", "waiting", "error"}


def check_streams_list(world, api):
    page = api("GET", "/streams", login="root").json()
    assert list(page) == ["estimated_count", "timing", "streams"]
    assert {s["name"] for s in page["streams"]} == {
        "a-lobby",
        "a-desk",
        "a-vault",
        "a-loose",
        "a-granted",
        "b-gate",
    }
    for stream in page["streams"]:
        check_admin_stream(stream)
    in_b = api("GET", f"/streams?organization_id={world.org_b.id}", login="root").json()["streams"]
    assert [s["name"] for s in in_b] == ["b-gate"]


def check_stream_get(world, api):
    from cameras.services.nodes import placement_record

    gate = world.cameras.gate
    gate.onvif_url = "http://10.0.0.9/onvif/device_service"
    gate.save()
    placement_record(camera=gate, hostname="node-a")
    stream = api("GET", "/streams/b-gate", login="root").json()
    check_admin_stream(stream)
    assert stream["onvif"]["url"] == "http://10.0.0.9/onvif/device_service"
    assert stream["layout"]["ingest"] == "node-a" and stream["layout"]["change_reason"] == "not_distributed"
    assert api("GET", "/streams/nowhere", login="root").status_code == 404


def check_stream_save(world, api):
    body = {"title": "Back gate", "dvr": {"expiration": 3600}}
    response = api("PUT", "/streams/b-gate", login="root", data=json.dumps(body), content_type=JSON)
    assert response.status_code == 200, response.content
    stream = response.json()
    check_admin_stream(stream)
    assert stream["title"] == "Back gate" and stream["dvr"]["expiration"] == 3600
    create = {"name": "b-new", "organization_id": world.org_b.id, "inputs": [{"url": "rtsp://10.0.0.7/main"}]}
    created = api("PUT", "/streams/b-new", login="root", data=json.dumps(create), content_type=JSON)
    assert created.status_code == 200, created.content
    assert Camera.objects.get(name="b-new").organization_id == world.org_b.id


def check_stream_delete(world, api):
    assert api("DELETE", "/streams/b-gate", login="root").status_code == 204
    assert not Camera.objects.filter(name="b-gate").exists()


def check_camera_config_get(world, api):
    from tests.support.onvif_device import attach, running_device

    with running_device() as device:
        attach(world.cameras.gate, device)
        response = api("GET", "/streams/b-gate/camera_config", login="root")
    assert response.status_code == 200, response.content
    assert response.json()["camera_info"]["model"] == "SIM-1080"


def check_camera_config_save(world, api):
    from tests.support.onvif_device import attach, running_device

    body = {"sensor": {"contrast_correction": 70}}
    with running_device() as device:
        attach(world.cameras.gate, device)
        response = api(
            "PUT", "/streams/b-gate/camera_config", login="root", data=json.dumps(body), content_type=JSON
        )
    assert response.status_code == 200 and device.state.contrast == 70


def check_stream_firmware_update(world, api):
    import base64

    from tests.support.onvif_device import attach, running_device

    image = b"DL\x03\x04firmware"
    with running_device() as device:
        attach(world.cameras.gate, device)
        response = api(
            "PUT",
            "/streams/b-gate/firmware_update?proto=iris",
            login="root",
            data=image,
            content_type="application/octet-stream",
        )
    assert response.status_code == 204 and device.state.firmware == [image]
    body = json.dumps({"image": base64.b64encode(image).decode()})
    wrong = api("PUT", "/streams/b-gate/firmware_update", login="root", data=body, content_type="text/plain")
    assert wrong.status_code == 415


OPERATIONS = {
    "login_create": Operation("POST", "/login", check_login, public=True),
    "domain_config_get": Operation("GET", "/domain_config", check_domain_config_get),
    "domain_config_save": Operation(
        "PUT", "/domain_config", check_domain_config_save, route="domain_config_get"
    ),
    "system_config_get": Operation("GET", "/system_config", check_system_config_get),
    "streamers_list": Operation("GET", "/streamers", check_streamers_list),
    "streamer_get": Operation("GET", "/streamers/node-a", check_streamer_get),
    "streamer_save": Operation("PUT", "/streamers/node-a", check_streamer_save, route="streamer_get"),
    "streamer_delete": Operation("DELETE", "/streamers/node-b", check_streamer_delete, route="streamer_get"),
    "preview_layout_change_for_streamer_config": Operation(
        "POST", "/streamers/node-a/preview_layout_change", check_preview_layout_change
    ),
    "cluster_stats_get": Operation("GET", "/cluster/stats", check_cluster_stats_get),
    "events_list": Operation("GET", "/events", check_events_list),
    "agents_list": Operation("GET", "/agents", check_agents_list),
    "presets_list": Operation("GET", "/presets", check_presets_list),
    "presets_create": Operation("POST", "/presets", check_presets_create, route="presets_list"),
    "preset_get": Operation("GET", "/presets/1", check_preset_get),
    "preset_save": Operation("PUT", "/presets/1", check_preset_save, route="preset_get"),
    "organization_preset_save": Operation(
        "PUT", "/organizations/{org_b}/presets", check_organization_preset_save
    ),
    "delete_organization_preset": Operation(
        "DELETE", "/organizations/{org_b}/presets/1", check_delete_organization_preset
    ),
    "streams_list": Operation("GET", "/streams", check_streams_list),
    "stream_get": Operation("GET", "/streams/b-gate", check_stream_get),
    "stream_save": Operation("PUT", "/streams/b-gate", check_stream_save, route="stream_get"),
    "stream_delete": Operation("DELETE", "/streams/b-gate", check_stream_delete, route="stream_get"),
    "camera_config_get": Operation("GET", "/streams/b-gate/camera_config", check_camera_config_get),
    "camera_config_save": Operation(
        "PUT", "/streams/b-gate/camera_config", check_camera_config_save, route="camera_config_get"
    ),
    "stream_firmware_update": Operation(
        "PUT", "/streams/b-gate/firmware_update", check_stream_firmware_update
    ),
    "users_list": Operation("GET", "/users", check_users_list),
    "user_create": Operation("POST", "/users", check_user_create, route="users_list"),
    "user_get": Operation("GET", "/users/{carol}", check_user_get),
    "user_save": Operation("PUT", "/users/{bob}", check_user_save, route="user_get"),
    "user_delete": Operation("DELETE", "/users/{bob}", check_user_delete, route="user_get"),
    "users_apikey_get": Operation("GET", "/users/{carol}/apikey", check_users_apikey),
    "users_apikey_create": Operation(
        "POST", "/users/{carol}/apikey", check_users_apikey, route="users_apikey_get"
    ),
    "stream_layouts_get": Operation("GET", "/streams/a-lobby/layouts", check_stream_layouts_get),
    "preview_layout_change_for_stream_config": Operation(
        "POST", "/streams/a-lobby/preview_layout_change", check_stream_preview
    ),
}
REGISTRY = {op_id: dataclasses.replace(op, operation_id=op_id) for op_id, op in OPERATIONS.items()}


def test_every_admin_route_is_registered():
    assert routed_operations("watcher/admin-api/v3/") == registered_operations(REGISTRY)


@pytest.mark.parametrize("operation_id", sorted(REGISTRY))
def test_admin_operation_answers_in_the_catalog_shape(operation_id, world, admin_api):
    REGISTRY[operation_id].check(world, admin_api)


@pytest.mark.parametrize("operation_id", sorted(op for op, o in REGISTRY.items() if not o.public))
def test_admin_operation_without_credentials_is_401(operation_id, world, admin_api):
    operation = REGISTRY[operation_id]
    response = admin_api(operation.method, operation.url(world))
    assert response.status_code == 401
    assert response.json()["errors"][0]["status"] == "401"


@pytest.mark.parametrize("operation_id", sorted(op for op, o in REGISTRY.items() if not o.public))
@pytest.mark.parametrize("login", ["alice", "bob"])  # an organization administrator is not enough
def test_admin_operation_is_403_for_anyone_but_a_domain_administrator(operation_id, login, world, admin_api):
    operation = REGISTRY[operation_id]
    body = {"data": "{}", "content_type": JSON} if operation.method in ("PUT", "POST") else {}
    response = admin_api(operation.method, operation.url(world), login=login, **body)
    assert response.status_code == 403
    (error,) = response.json()["errors"]
    assert error["status"] == "403"


@pytest.mark.parametrize("operation_id", sorted(REGISTRY))
def test_admin_options_is_answered_for_cors(operation_id, world, admin_api):
    response = admin_api("OPTIONS", REGISTRY[operation_id].url(world))
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"


def test_admin_unknown_path_is_a_catalog_404(world, admin_api):
    response = admin_api("GET", "/streamerz", login="root")
    assert response.status_code == 404 and response.json()["errors"][0]["code"] == "not_found"
