"""One recorder per camera: leases are taken atomically, renewed, lost, and taken over."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cameras.models import Camera
from recordings.recorder.lease import (
    cameras_without_lease,
    lease_claim,
    lease_release,
    lease_renew,
    lease_reserve,
)
from tests.factories import CameraFactory, CameraInputFactory, StreamerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def camera():
    camera = CameraFactory()
    CameraInputFactory(camera=camera)
    return camera


def test_a_second_claimant_gets_nothing_while_the_first_holds_the_lease(camera):
    assert lease_claim(camera_id=camera.pk, owner="node-a:1:x")
    assert not lease_claim(camera_id=camera.pk, owner="node-b:2:y")
    assert Camera.objects.get(pk=camera.pk).lease_owner == "node-a:1:x"


def test_an_expired_lease_is_taken_over(camera):
    assert lease_claim(camera_id=camera.pk, owner="dead:1:x")
    Camera.objects.filter(pk=camera.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert not lease_renew(camera_id=camera.pk, owner="other:1:x")
    assert lease_claim(camera_id=camera.pk, owner="live:2:y")
    assert not lease_renew(camera_id=camera.pk, owner="dead:1:x")  # the old holder learns it lost


def test_renewal_fails_once_the_camera_is_disabled(camera):
    assert lease_claim(camera_id=camera.pk, owner="a:1:x")
    assert lease_renew(camera_id=camera.pk, owner="a:1:x")
    Camera.objects.filter(pk=camera.pk).update(enabled=False)
    assert not lease_renew(camera_id=camera.pk, owner="a:1:x")


def test_a_reserved_camera_goes_only_to_the_task_holding_the_token(camera):
    assert lease_reserve(camera_id=camera.pk, token="t1")
    assert not lease_reserve(camera_id=camera.pk, token="t2")  # the next assign pass skips it
    assert not lease_claim(camera_id=camera.pk, owner="a:1:x", token="wrong")
    assert lease_claim(camera_id=camera.pk, owner="a:1:x", token="t1")


def test_release_frees_the_camera_for_the_next_assign_pass(camera):
    lease_claim(camera_id=camera.pk, owner="a:1:x")
    assert not cameras_without_lease().filter(pk=camera.pk).exists()
    lease_release(camera_id=camera.pk, owner="a:1:x")
    assert cameras_without_lease().filter(pk=camera.pk).exists()


def test_assign_skips_disabled_cameras_and_cameras_without_input_but_not_those_of_disabled_nodes(camera):
    no_input = CameraFactory()
    disabled = CameraFactory(enabled=False)
    CameraInputFactory(camera=disabled)
    pinned_elsewhere = CameraFactory(streamer=StreamerFactory(hostname="other"))
    CameraInputFactory(camera=pinned_elsewhere)
    on_disabled_node = CameraFactory(streamer=StreamerFactory(hostname="here", enabled=False))
    CameraInputFactory(camera=on_disabled_node)
    found = dict(cameras_without_lease().values_list("pk", "_pin_draining"))
    assert found[camera.pk] is False and found[pinned_elsewhere.pk] is False
    assert found[on_disabled_node.pk] is True  # offered to every node while its own is disabled
    assert not set(found) & {no_input.pk, disabled.pk}


def test_a_pinned_camera_goes_to_its_node_queue_and_other_nodes_decline_it(camera, monkeypatch):
    from recordings.recorder.lease import ingest_queue
    from recordings.recorder.supervisor import record_camera

    assert ingest_queue(None) == "ingest" and ingest_queue("rack2") == "ingest.rack2"
    Camera.objects.filter(pk=camera.pk).update(streamer=StreamerFactory(hostname="rack2"))
    monkeypatch.setenv("NVR_NODE_NAME", "rack1")
    import threading

    assert record_camera(camera_id=camera.pk, stop=threading.Event()) == "pinned to node rack2"
    assert Camera.objects.get(pk=camera.pk).lease_owner == ""  # released for the right node


def test_the_outage_before_a_recorder_starts_says_whether_the_camera_was_switched_off(camera):
    from cameras.services import camera_set_enabled
    from recordings.recorder.supervisor import _gap_since_last_footage
    from tests.factories import SegmentFactory

    assert _gap_since_last_footage(camera) is None  # never recorded: nothing is missing
    SegmentFactory(camera=camera)
    assert _gap_since_last_footage(camera).reason == "worker_stopped"
    camera_set_enabled(camera=camera, enabled=False, actor=None)
    camera_set_enabled(camera=camera, enabled=True, actor=None)
    camera.refresh_from_db()
    assert _gap_since_last_footage(camera).reason == "disabled"


@pytest.mark.parametrize("drain", [{"enabled": False}, {"channel_limit": 0}])
def test_a_draining_node_loses_its_leases_at_renewal_and_claims_nothing(camera, drain):
    node = StreamerFactory(hostname="node-a")
    assert lease_claim(camera_id=camera.pk, owner="node-a:1:x")
    assert lease_renew(camera_id=camera.pk, owner="node-a:1:x")
    for field, value in drain.items():
        setattr(node, field, value)
    node.save()
    assert not lease_renew(camera_id=camera.pk, owner="node-a:1:x")  # its recorder stops
    lease_release(camera_id=camera.pk, owner="node-a:1:x")
    assert not lease_claim(camera_id=camera.pk, owner="node-a:2:y")
    assert lease_claim(camera_id=camera.pk, owner="node-b:1:z")  # another node takes the camera


def test_a_node_takes_no_more_cameras_than_its_channel_limit(camera):
    StreamerFactory(hostname="node-a", channel_limit=1)
    second = CameraFactory()
    CameraInputFactory(camera=second)
    assert lease_claim(camera_id=camera.pk, owner="node-a:1:x")
    assert not lease_claim(camera_id=second.pk, owner="node-a:1:y")
    assert lease_claim(camera_id=second.pk, owner="node-b:1:y")


def test_a_camera_with_labels_is_recorded_only_by_a_node_carrying_them(camera):
    Camera.objects.filter(pk=camera.pk).update(labels={"site": "north"})
    StreamerFactory(hostname="south-1", labels={"site": "south"})
    StreamerFactory(hostname="north-1", labels={"site": "north", "disk": "ssd"})
    assert not lease_claim(camera_id=camera.pk, owner="south-1:1:x")
    assert not lease_claim(camera_id=camera.pk, owner="bare:1:x")  # a node without labels either
    assert lease_claim(camera_id=camera.pk, owner="north-1:1:y")
