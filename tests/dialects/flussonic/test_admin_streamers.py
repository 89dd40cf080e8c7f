"""Admin API streamers: node settings are validated, and the recorder honours them for real."""

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from django.test import Client
from django.utils import timezone

from accounts.choices import Role
from cameras.models import Camera, Streamer
from cameras.services import camera_create
from organizations.models import AuditEvent
from recordings.models import Segment
from tests.factories import OrganizationFactory, UserFactory
from tests.recordings.test_recorder_takeover import ROOT, database_url, wait_for
from tests.support.rtsp_camera import TEST_H264_AAC

from .conftest import ADMIN_BASE, basic
from .registry import JSON


def put(admin_api, hostname, body):
    return admin_api("PUT", f"/streamers/{hostname}", login="root", data=json.dumps(body), content_type=JSON)


@pytest.mark.parametrize(
    "body, pointers",
    [
        ({"role": "transcoder"}, ["/role"]),
        ({"channel_limit": -1}, ["/channel_limit"]),
        ({"channel_limit": True}, ["/channel_limit"]),
        ({"total_bandwidth": "fast"}, ["/total_bandwidth"]),
        ({"labels": {"site": "north pole"}}, ["/labels/site"]),
        (
            {"dvrs": [{"name": "main"}, "x", {"name": "", "root": "/a"}]},
            ["/dvrs/0/root", "/dvrs/1", "/dvrs/2/name"],
        ),
        ({"config": [], "cluster_key": 5}, ["/cluster_key", "/config"]),
    ],
)
def test_bad_streamer_settings_are_400_and_change_nothing(body, pointers, root, admin_api):
    Streamer.objects.create(hostname="node-a", channel_limit=5)
    response = put(admin_api, "node-a", body)
    assert response.status_code == 400
    assert sorted(e["source"]["pointer"] for e in response.json()["errors"]) == sorted(pointers)
    assert Streamer.objects.get(hostname="node-a").channel_limit == 5


def test_saving_a_node_is_audited_and_round_trips_a_get(root, admin_api):
    Streamer.objects.create(hostname="node-a", last_heartbeat_at=timezone.now())
    got = admin_api("GET", "/streamers/node-a", login="root").json()
    got["dvrs"] = [{"name": "main", "root": "/var/nvr", "stats": {"usage": 3}}]
    assert put(admin_api, "node-a", got).status_code == 200  # GET, edit, PUT back: read-only keys ignored
    saved = Streamer.objects.get(hostname="node-a")
    assert saved.dvrs == [{"name": "main", "root": "/var/nvr"}]
    assert AuditEvent.objects.filter(object_type="streamer", object_id="node-a").exists()


def test_a_storage_sent_without_its_key_gets_a_generated_name(root, admin_api):
    body = {"dvrs": [{"root": "/mnt/a"}, {"name": "dvr1", "root": "/mnt/b"}, {"root": "/mnt/c"}]}
    saved = put(admin_api, "node-a", body).json()["dvrs"]
    assert [(d["name"], d["root"]) for d in saved] == [
        ("dvr2", "/mnt/a"),
        ("dvr1", "/mnt/b"),
        ("dvr3", "/mnt/c"),
    ]


def test_a_node_that_holds_footage_is_not_deleted(root, admin_api):
    from tests.factories import SegmentFactory

    node = Streamer.objects.create(hostname="node-a")
    SegmentFactory(streamer=node)
    response = admin_api("DELETE", "/streamers/node-a", login="root")
    assert response.status_code == 409 and "segments" in response.json()["errors"][0]["title"]
    assert Streamer.objects.filter(hostname="node-a").exists()


def test_preview_of_an_unchanged_node_is_empty_and_pages_like_a_collection(root, admin_api):
    Streamer.objects.create(hostname="node-a", last_heartbeat_at=timezone.now())
    response = admin_api(
        "POST", "/streamers/node-a/preview_layout_change?limit=0", login="root", data="{}", content_type=JSON
    )
    assert response.status_code == 400 and response.json()["errors"][0]["source"]["parameter"] == "limit"
    page = admin_api(
        "POST", "/streamers/node-a/preview_layout_change", login="root", data="{}", content_type=JSON
    ).json()
    assert page == {"estimated_count": 0, "timing": {}, "changes": []}


def start_node(name: str, node: str, settings, *extra: str) -> subprocess.Popen:
    """A recorder process for one camera on node `node` (what an ingest worker runs per camera)."""
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(DATABASE_URL=database_url(), NVR_MEDIA_ROOT=str(settings.NVR_MEDIA_ROOT), NVR_NODE_NAME=node)
    return subprocess.Popen(
        [sys.executable, "manage.py", "record_camera", name, *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_draining_a_node_moves_its_camera_to_the_other_worker(rtsp_camera, settings):
    """Two recorder processes on two nodes: A records, B stands by; the administrator sets A's
    channel_limit to 0 through the Admin API; A stops by itself and B records within the failover
    time, from where A's footage ends."""
    UserFactory(login="root", role=Role.ADMIN)
    now = timezone.now()
    for hostname in ("worker-a", "worker-b"):
        Streamer.objects.create(hostname=hostname, last_heartbeat_at=now)
    source = rtsp_camera(TEST_H264_AAC)
    camera = camera_create(
        organization=OrganizationFactory(),
        actor=None,
        name="moving",
        input_urls=[source.url],
        segment_duration=60,
    )
    worker_a = start_node(camera.name, "worker-a", settings)
    worker_b = None
    try:
        wait_for(
            lambda: Segment.objects.filter(camera=camera, fragment_count__gte=2).exists(), 30, "A's fragments"
        )
        assert Camera.objects.get(pk=camera.pk).lease_owner.startswith("worker-a:")
        worker_b = start_node(camera.name, "worker-b", settings, "--wait")
        time.sleep(2)
        assert Camera.objects.get(pk=camera.pk).lease_owner.startswith("worker-a:")  # B waits its turn
        drained_at = time.monotonic()
        response = Client().put(
            f"{ADMIN_BASE}/streamers/worker-a",
            data=json.dumps({"channel_limit": 0}),
            content_type=JSON,
            **basic("root"),
        )
        assert response.status_code == 200
        worker_a.wait(timeout=15)  # A loses its lease at the next renewal and exits on its own
        wait_for(
            lambda: Camera.objects.get(pk=camera.pk).lease_owner.startswith("worker-b:"), 15, "B's lease"
        )
        moved_after = time.monotonic() - drained_at
        wait_for(lambda: Segment.objects.filter(camera=camera).count() >= 2, 20, "B's first segment")
    finally:
        for worker in (worker_a, worker_b):
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGTERM)  # B closes its segment and releases the lease
                try:
                    worker.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()
    assert worker_a.returncode == 0
    assert moved_after < 12  # a lease renewal (2 s), B's next try (1 s) and its start, within 8 s + 3 s
    first, second = Segment.objects.filter(camera=camera).order_by("started_at")[:2]
    assert first.complete and second.started_at >= first.ended_at
    assert (first.streamer.hostname, second.streamer.hostname) == ("worker-a", "worker-b")
    layouts = Client().get(f"{ADMIN_BASE}/streams/moving/layouts", **basic("root")).json()["layouts"]
    assert [(x["ingest"], x["change_reason"]) for x in layouts] == [
        ("worker-b", "node_channel_limit_exceeded"),
        ("worker-a", "not_distributed"),
    ]


def test_stream_labels_round_trip_and_steer_the_preview(world, root, admin_api):
    from tests.factories import CameraInputFactory

    now = timezone.now()
    Streamer.objects.create(hostname="node-a", last_heartbeat_at=now)
    Streamer.objects.create(hostname="node-b", last_heartbeat_at=now, labels={"site": "north"})
    gate = world.cameras.gate
    CameraInputFactory(camera=gate)
    Camera.objects.filter(pk=gate.pk).update(
        lease_owner="node-a:1:x", lease_expires_at=now + dt.timedelta(seconds=8)
    )
    body = json.dumps({"labels": {"site": "north"}, "title": "North gate"})
    saved = admin_api("PUT", "/streams/b-gate", login="root", data=body, content_type=JSON).json()
    assert saved["labels"] == {"site": "north"} and saved["title"] == "North gate"
    bad = admin_api(
        "PUT",
        "/streams/b-gate",
        login="root",
        data=json.dumps({"labels": {"site": "a b"}}),
        content_type=JSON,
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["source"]["pointer"] == "/labels/site"
    # Taking the label off node-b would leave the camera nowhere to go.
    preview = admin_api(
        "POST",
        "/streamers/node-b/preview_layout_change",
        login="root",
        data=json.dumps({"labels": {}}),
        content_type=JSON,
    ).json()
    assert preview["changes"] == [
        {"hostname": "node-b", "role": "ingest", "before": 1, "after": 0, "delta": -1}
    ]
