"""Registry rows of the operations built first: login, streams, episodes, profile, read sides."""

import datetime as dt
import json

import jwt
from django.utils import timezone

from recordings.playback.tokens import media_token_verify
from tests.factories import EpisodeFactory, RunFactory

from ..registry import JSON, UTC_MS, UTC_S, Operation


def check_login(world, api):
    response = api("POST", "/login", login="alice")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"access_token", "refresh_token"}
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert isinstance(claims["exp"], int) and claims["exp"] in UTC_S
    assert isinstance(claims["session"], str) and claims["session"]
    assert isinstance(body["refresh_token"], str) and body["refresh_token"]


def check_login_delete(world, api):
    """Our extension: signing out ends the session of the access token sent (catalog has no logout)."""
    token = api("POST", "/login", login="alice").json()["access_token"]
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert api("DELETE", "/login", headers=bearer).status_code == 204
    assert api("GET", "/profile", headers=bearer).status_code == 401


def check_profile_get(world, api):
    body = api("GET", "/profile", login="alice").json()
    assert body == {
        "name": "alice",
        "fullname": "",
        "email": "alice@example.test",
        "phone": "",
        "locale": "",
        "note": "",
        "max_sessions": 0,
        "is_admin": True,
        "is_domain_admin": False,
        "is_readonly": False,
    }


def check_profile_save(world, api):
    body = {"fullname": "Alice Doe", "is_domain_admin": True, "stats": {}}
    response = api("PUT", "/profile", login="alice", data=json.dumps(body), content_type=JSON)
    assert response.status_code == 200, response.content
    profile = response.json()
    assert profile["fullname"] == "Alice Doe" and profile["is_domain_admin"] is False
    assert set(profile) == set(api("GET", "/profile", login="alice").json())  # no apikey unless set


def check_streams_list(world, api):
    response = api("GET", "/streams", login="alice")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["estimated_count", "timing", "streams"]  # no next/prev on a single page
    assert body["estimated_count"] == 5 and body["timing"] == {}
    assert {s["name"] for s in body["streams"]} == {"a-lobby", "a-desk", "a-vault", "a-loose", "a-granted"}
    check_stream(body["streams"][0])


def check_stream_get(world, api):
    RunFactory(camera=world.cameras.lobby)
    response = api("GET", "/streams/a-lobby", login="alice")
    assert response.status_code == 200
    stream = response.json()
    check_stream(stream)
    assert stream["name"] == "a-lobby" and stream["folder_id"] == world.folders.lobby.id
    assert stream["path"] == [{"id": world.folders.lobby.id, "title": "Lobby"}]
    dvr = stream["stats"]["dvr_info"]
    assert dvr["from"] in UTC_S and dvr["depth"] == 300 and dvr["duration"] == 300
    (only,) = dvr["ranges"]
    assert only["from"] == dvr["from"] and only["duration"] == 300
    assert only["opened_at"] in UTC_MS and only["closed_at"] - only["opened_at"] == 300_000
    grant = media_token_verify(stream["stats"]["playback_token"])
    assert (grant.user, grant.camera_id) == (world.alice, world.cameras.lobby.id)


def check_stream_save(world, api):
    body = {"title": "Parking entrance", "dvr": {"expiration": 604800}, "onvif": {"ptz": True}}
    response = api("PUT", "/streams/a-lobby", login="alice", data=json.dumps(body), content_type=JSON)
    assert response.status_code == 200, response.content
    stream = response.json()
    check_stream(stream)
    assert stream["title"] == "Parking entrance" and stream["dvr"]["expiration"] == 604800
    assert stream["onvif"] == {"ptz": True} and stream["folder_id"] == world.folders.lobby.id


def check_stream_delete(world, api):
    response = api("DELETE", "/streams/a-loose", login="alice")
    assert response.status_code == 204 and response.content == b""
    assert api("GET", "/streams/a-loose", login="alice").status_code == 404


def check_episodes_list(world, api):
    opened = timezone.now() - dt.timedelta(minutes=5)
    EpisodeFactory(
        camera=world.cameras.lobby, opened_at=opened, episode_type="motion", close_reason="timeout"
    )
    EpisodeFactory(camera=world.cameras.vault, opened_at=opened + dt.timedelta(minutes=1))
    EpisodeFactory(camera=world.cameras.gate, opened_at=opened)
    body = api("GET", "/episodes", login="alice").json()
    assert list(body) == ["estimated_count", "timing", "episodes"]
    assert [e["media"] for e in body["episodes"]] == ["a-vault", "a-lobby"]  # newest first, no b-gate
    lobby = body["episodes"][1]
    assert isinstance(lobby["episode_id"], int) and lobby["episode_type"] == "generic"
    assert lobby["opened_at"] in UTC_MS and lobby["updated_at"] in UTC_MS
    assert lobby["close_reason"] == "timeout" and isinstance(lobby["playback_token"], str)
    assert [e["media"] for e in api("GET", "/episodes", login="bob").json()["episodes"]] == ["a-lobby"]


def check_stream(stream: dict):
    for key, kind in {
        "name": str,
        "title": str,
        "comment": str,
        "static": bool,
        "disabled": bool,
        "organization_id": int,
        "is_favourite": bool,
        "notifications_enabled": bool,
        "inputs": list,
        "dvr": dict,
        "vision": dict,
        "onvif": dict,
        "audio": dict,
        "stats": dict,
        "last_change": dict,
    }.items():
        assert isinstance(stream[key], kind), key
    assert "position" not in stream and "named_by" not in stream
    assert stream["last_change"]["created_at"] in UTC_MS
    stats = stream["stats"]
    assert stats["status"] in {"running", "waiting", "error"}
    assert isinstance(stats["alive"], bool) and isinstance(stats["bitrate"], int)
    assert isinstance(stats["lifetime"], int) and stats["media_info"]["flow_type"] == "stream"
    assert isinstance(stats["playback_token"], str) and stats["playback_token"]
    assert stats["streaming_endpoint"].startswith("http://testserver/")


def check_organizations_list(world, api):
    body = api("GET", "/organizations", login="alice").json()
    assert list(body) == ["estimated_count", "timing", "organizations"]
    (org,) = body["organizations"]
    check_organization(org)
    assert org["id"] == world.org_a.id


def check_organization_get(world, api):
    world.org_a.owner = world.alice
    world.org_a.save()
    org = api("GET", f"/organizations/{world.org_a.id}", login="bob").json()
    check_organization(org)
    assert org["owner"] == {"id": world.alice.id, "name": "alice"}
    assert org["user_permissions"]["is_member"] is True


def check_organization(org: dict):
    assert (
        isinstance(org["id"], int) and isinstance(org["title"], str) and isinstance(org["is_default"], bool)
    )
    assert set(org["stats"]) == {"streams", "users", "mosaics"}
    assert all(isinstance(v, int) for v in org["stats"].values())
    assert isinstance(org["limits"], dict)
    assert set(org["user_permissions"]) == {
        "is_member",
        "can_view_stats",
        "can_edit_streams",
        "can_edit_users",
        "can_view_persons_lists",
        "can_edit_persons_lists",
    }


def check_ui_settings_get(world, api):
    from organizations.models import SiteSettings

    site = SiteSettings.load()
    site.map_settings = {"provider": "osm", "center": {"latitude": 55.75, "longitude": 37.61}}
    site.mail = {"password": "never shown"}
    site.save()
    response = api("GET", "/ui_settings")  # no credentials
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "title",
        "brand",
        "product",
        "fonts",
        "favicons",
        "colors",
        "locales",
        "default_locale",
        "company_info",
        "map",
        "web_push",
    }
    assert set(body["colors"]) == {"primary", "secondary", "background"}
    assert body["map"]["provider"] == "osm" and "never shown" not in response.content.decode()


def check_folder_list(world, api):
    body = api("GET", f"/organizations/{world.org_a.id}/folders", login="bob").json()
    assert list(body) == ["estimated_count", "timing", "folders"]
    assert [f["title"] for f in body["folders"]] == ["Lobby", "Desk"]  # bob has no grant on Vault
    for folder in body["folders"]:
        check_folder(folder)


def check_folder_get(world, api):
    desk = api(
        "GET", f"/organizations/{world.org_a.id}/folders/{world.folders.desk.id}", login="alice"
    ).json()
    check_folder(desk)
    assert desk["parent_id"] == world.folders.lobby.id and desk["hierarchy"]["level"] == 1
    assert desk["streams_count"] == 1 and desk["organization_id"] == world.org_a.id


def check_folder(folder: dict):
    assert isinstance(folder["id"], int) and isinstance(folder["title"], str)
    assert isinstance(folder["streams_count"], int) and isinstance(folder["organization_id"], int)
    assert set(folder["hierarchy"]) == {"level", "order_num"}
    assert "permissions" not in folder  # only the user-scoped list carries them


def check_mosaics_list(world, api):
    body = api("GET", "/mosaics", login="bob").json()
    assert list(body) == ["estimated_count", "timing", "mosaics"]
    assert [m["title"] for m in body["mosaics"]] == ["Wall A", "Bob's own"]
    check_mosaic(body["mosaics"][0])


def check_mosaic_get(world, api):
    mosaic = api("GET", f"/mosaics/{world.mosaics.a.id}", login="bob").json()
    check_mosaic(mosaic)
    # cell 0: a-lobby (bob may watch it live); cell 1: a-vault (out of his reach) is empty
    assert [c.get("name") for c in mosaic["streams"]] == ["a-lobby", None, "a-desk"]
    assert mosaic["streams"][1] == {}
    assert set(mosaic["streams"][0]) == {"name", "title", "playback_token", "alive"}
    assert media_token_verify(mosaic["streams"][0]["playback_token"]).camera_id == world.cameras.lobby.id


def check_mosaic(mosaic: dict):
    assert set(mosaic) == {"id", "title", "type", "organization_id", "streams"}
    assert isinstance(mosaic["id"], int) and mosaic["type"] in {"1x1", "2x2", "3x3", "4x4", "1+5", "1x7"}
    assert isinstance(mosaic["streams"], list)


OPERATIONS: dict[str, Operation] = {
    "login_create": Operation("POST", "/login", check_login),
    "login_delete": Operation("DELETE", "/login", check_login_delete, route="login_create"),
    "mosaics_list": Operation("GET", "/mosaics", check_mosaics_list),
    "mosaic_get": Operation(
        "GET", "/mosaics/{mosaic_a}", check_mosaic_get, foreign_path="/mosaics/{mosaic_b}"
    ),
    "organizations_list": Operation("GET", "/organizations", check_organizations_list),
    "organization_get": Operation(
        "GET", "/organizations/{org_a}", check_organization_get, foreign_path="/organizations/{org_b}"
    ),
    "episodes_list": Operation("GET", "/episodes", check_episodes_list),
    "folder_list": Operation(
        "GET",
        "/organizations/{org_a}/folders",
        check_folder_list,
        foreign_path="/organizations/{org_b}/folders",
    ),
    "folder_get": Operation(
        "GET",
        "/organizations/{org_a}/folders/{folder_lobby}",
        check_folder_get,
        foreign_path="/organizations/{org_b}/folders/{folder_gate}",
    ),
    "profile_get": Operation("GET", "/profile", check_profile_get),
    "profile_save": Operation("PUT", "/profile", check_profile_save, route="profile_get"),
    "streams_list": Operation("GET", "/streams", check_streams_list),
    "ui_settings_get": Operation("GET", "/ui_settings", check_ui_settings_get, public=True),
    "stream_get": Operation("GET", "/streams/a-lobby", check_stream_get, foreign_path="/streams/b-gate"),
    "stream_save": Operation(
        "PUT", "/streams/a-lobby", check_stream_save, foreign_path="/streams/b-gate", route="stream_get"
    ),
    "stream_delete": Operation(
        "DELETE", "/streams/a-loose", check_stream_delete, foreign_path="/streams/b-gate", route="stream_get"
    ),
}
