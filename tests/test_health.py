"""/healthz tells a monitor whether the database, broker, channel layer and media disk work."""

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_every_check_ok_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "channel_layer", "disk"}
    assert all(check["ok"] for check in body["checks"].values())


def test_healthz_is_503_when_the_media_disk_is_nearly_full(client, settings):
    settings.NVR_MIN_FREE_BYTES = 10**18
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert not body["checks"]["disk"]["ok"] and "NVR_MIN_FREE_BYTES" in body["checks"]["disk"]["error"]
    assert body["checks"]["database"]["ok"]


def test_healthz_is_503_when_the_broker_is_unreachable(client, monkeypatch):
    from nvr_project import health

    def broken():
        raise ConnectionRefusedError("broker down")

    monkeypatch.setitem(health.CHECKS, "broker", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == {
        "ok": False,
        "error": "ConnectionRefusedError: broker down",
        "ms": response.json()["checks"]["broker"]["ms"],
    }


def test_the_api_schema_and_docs_are_served(client):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
