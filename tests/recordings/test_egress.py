"""What players are served becomes the node's output bitrate and client count (Admin API stats)."""

import time

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from cameras.models import NodeEgress
from cameras.services.nodes import node_name, streamer_heartbeat
from recordings import egress

pytestmark = pytest.mark.django_db


@pytest.fixture
def meter(monkeypatch):
    meter = egress.EgressMeter()
    monkeypatch.setattr(egress, "METER", meter)
    return meter


def serve(path: str, body: bytes, address: str = "10.0.0.5", status: int = 200):
    middleware = egress.EgressMiddleware(lambda request: HttpResponse(body, status=status))
    return middleware(RequestFactory().get(path, REMOTE_ADDR=address))


def test_media_answers_are_counted_per_process_and_other_pages_are_not(meter):
    serve("/media/gate/segments/1.mp4", b"x" * 1000)  # the first answer flushes at once
    serve("/media/gate/segments/2.mp4", b"x" * 500)
    serve("/flussonic/door/index.m3u8", b"x" * 100, address="10.0.0.6")
    serve("/cameras/", b"x" * 9999)  # a dashboard page, not media
    serve("/media/gate/segments/3.mp4", b"x" * 9999, status=404)
    meter.flush()
    (row,) = NodeEgress.objects.filter(hostname=node_name())
    assert row.bytes_total == 1600 and row.clients == 2


def test_the_heartbeat_turns_the_tally_into_kbit_per_second_and_clients(meter, admin_api_root):
    streamer_heartbeat()  # the reference point
    serve("/media/gate/segments/1.mp4", b"x" * 250_000)
    meter.flush()
    time.sleep(0.5)
    node = streamer_heartbeat()
    assert node.stats["total_clients"] == 1
    assert 0 < node.stats["output_kbit"] <= 250_000 * 8 / 1000 / 0.5
    shown = admin_api_root(f"/streamers/{node.hostname}")["stats"]
    assert shown["output_kbit"] == node.stats["output_kbit"] and shown["total_clients"] == 1
    assert "bytes_out_total" not in shown and "egress_at" not in shown


@pytest.fixture
def admin_api_root(client):
    from accounts.choices import Role
    from tests.dialects.flussonic.conftest import ADMIN_BASE, basic
    from tests.factories import UserFactory

    UserFactory(login="root", role=Role.ADMIN)

    def get(path: str) -> dict:
        return client.get(ADMIN_BASE + path, **basic("root")).json()

    return get
