"""Camera writes: limits, unique names, credentials kept out of URLs, events after commit."""

import asyncio

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cameras.exceptions import CameraLimitReached, CameraNameTaken
from cameras.models import Camera, CameraInput
from cameras.services import camera_create, camera_move, camera_set_enabled, camera_update, streamer_heartbeat
from nvr_project.events import organization_group
from organizations.exceptions import ObjectNotFound
from organizations.models import AuditEvent
from tests.factories import CameraFactory, FolderFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return OrganizationFactory(max_cameras=2)


@pytest.fixture
def actor():
    return UserFactory(role="admin")


def test_credentials_in_a_url_are_moved_out_of_it(org, actor):
    camera = camera_create(
        organization=org,
        actor=actor,
        name="gate",
        input_urls=["rtsp://admin:s%40cret@10.0.0.5:554/Streaming/101"],
    )
    camera_input = camera.inputs.get()
    assert camera_input.url == "rtsp://10.0.0.5:554/Streaming/101"
    assert (camera_input.username, camera_input.password) == ("admin", "s@cret")
    assert camera_input.source_url() == "rtsp://admin:s%40cret@10.0.0.5:554/Streaming/101"


def test_the_database_refuses_a_url_with_credentials(org):
    camera = CameraFactory(organization=org)
    with pytest.raises(IntegrityError), transaction.atomic():
        CameraInput.objects.create(camera=camera, url="rtsp://u:p@10.0.0.1/x")


def test_inputs_keep_their_order(org, actor):
    camera = camera_create(
        organization=org,
        actor=actor,
        name="multi",
        input_urls=["rtsp://10.0.0.1/main", "rtsp://10.0.0.2/backup"],
    )
    assert [i.url for i in camera.inputs.order_by("position")] == [
        "rtsp://10.0.0.1/main",
        "rtsp://10.0.0.2/backup",
    ]


def test_the_camera_limit_of_an_organization_is_enforced(org, actor):
    camera_create(organization=org, actor=actor, name="one")
    camera_create(organization=org, actor=actor, name="two")
    with pytest.raises(CameraLimitReached):
        camera_create(organization=org, actor=actor, name="three")
    assert not Camera.objects.filter(name="three").exists()


def test_a_name_used_in_another_organization_is_refused(org, actor):
    CameraFactory(name="shared", organization=OrganizationFactory())
    with pytest.raises(CameraNameTaken):
        camera_create(organization=org, actor=actor, name="shared")


def test_invalid_values_are_refused_and_nothing_is_written(org, actor):
    with pytest.raises(ValidationError) as error:
        camera_create(organization=org, actor=actor, name="bad name!", latitude=120)
    assert {"name", "latitude"} <= set(error.value.message_dict)
    assert not Camera.objects.filter(organization=org).exists()


def test_a_camera_cannot_be_put_in_another_organizations_folder(org, actor):
    foreign = FolderFactory(organization=OrganizationFactory())
    with pytest.raises(ObjectNotFound):
        camera_create(organization=org, actor=actor, name="x", folder=foreign)
    camera = camera_create(organization=org, actor=actor, name="y")
    with pytest.raises(ObjectNotFound):
        camera_move(camera=camera, folder=foreign, actor=actor)


def test_observed_fields_are_not_editable(org, actor):
    camera = camera_create(organization=org, actor=actor, name="cam")
    with pytest.raises(TypeError):
        camera_update(camera=camera, actor=actor, status="running")
    with pytest.raises(CameraNameTaken):
        camera_update(camera=camera, actor=actor, name="renamed")


def test_changes_are_audited_with_the_actor(org, actor):
    camera = camera_create(organization=org, actor=actor, name="cam")
    camera_set_enabled(camera=camera, enabled=False, actor=actor)
    events = AuditEvent.objects.filter(object_type="camera", object_id="cam").order_by("created_at")
    assert [e.message for e in events] == ["created cam", "disabled cam"]
    assert all(e.actor == actor and e.organization == org for e in events)
    camera.refresh_from_db()
    assert (camera.enabled, camera.status) == (False, "disabled")


def test_the_change_event_reaches_the_organization_group_only_after_commit(
    org, actor, django_capture_on_commit_callbacks
):
    layer = get_channel_layer()

    async def scenario():
        channel = await layer.new_channel()
        await layer.group_add(organization_group(org.id), channel)

        def create():
            with django_capture_on_commit_callbacks() as callbacks:
                camera_create(organization=org, actor=actor, name="evented")
            return callbacks

        callbacks = await sync_to_async(create)()
        with pytest.raises(asyncio.TimeoutError):  # nothing is sent while the transaction is open
            await asyncio.wait_for(layer.receive(channel), 0.2)
        for callback in callbacks:  # the commit
            await sync_to_async(callback)()
        return await asyncio.wait_for(layer.receive(channel), 2)

    message = async_to_sync(scenario)()
    assert message["type"] == "camera.changed"
    assert message["payload"]["camera"] == "evented"


def test_the_heartbeat_registers_this_host_as_a_recording_node(settings, monkeypatch):
    monkeypatch.setenv("NVR_NODE_NAME", "rack1-node7")
    node = streamer_heartbeat()
    assert node.hostname == "rack1-node7" and node.kind == "builtin"
    assert node.stats["partitions"][0]["path"] == str(settings.NVR_MEDIA_ROOT)
    assert node.last_heartbeat_at is not None
    again = streamer_heartbeat()
    assert again.pk == node.pk and again.last_heartbeat_at >= node.last_heartbeat_at


def test_changing_an_input_url_keeps_its_other_settings(org, actor):
    camera = camera_create(organization=org, actor=actor, name="tuned", input_urls=["rtsp://u:p@10.0.0.1/a"])
    CameraInput.objects.filter(camera=camera).update(source_timeout=7.5, purpose="main", headers={"X-A": "1"})
    camera_update(camera=camera, actor=actor, input_urls=["rtsp://10.0.0.9/b", "rtsp://10.0.0.10/c"])
    first, second = camera.inputs.order_by("position")
    assert (first.url, first.source_timeout, first.headers) == ("rtsp://10.0.0.9/b", 7.5, {"X-A": "1"})
    assert (first.username, first.password) == ("", "")  # the new URL carries no credentials
    assert second.url == "rtsp://10.0.0.10/c"
    camera_update(camera=camera, actor=actor, input_urls=["rtsp://10.0.0.9/b"])
    assert camera.inputs.count() == 1


def test_disabling_a_node_is_audited_once_per_node_that_changed(actor):
    from cameras.services import streamer_set_enabled
    from tests.factories import StreamerFactory

    on, off = StreamerFactory(), StreamerFactory(enabled=False)
    assert streamer_set_enabled(streamers=[on, off], enabled=False, actor=actor) == 1
    on.refresh_from_db()
    assert not on.enabled
    assert list(AuditEvent.objects.filter(object_type="streamer").values_list("object_id", flat=True)) == [
        on.hostname
    ]
