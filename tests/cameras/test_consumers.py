"""The realtime channel: a signed-in page hears its own organization's events and nobody else's."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from nvr_project import events
from nvr_project.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


def run(scenario) -> None:
    """Run a scenario on a fresh event loop in its own thread, whatever this thread is running."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result()


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


async def connect(user=None) -> tuple[WebsocketCommunicator, bool]:
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if user is not None:
        headers.append((b"cookie", (await sync_to_async(session_cookie)(user)).encode()))
    communicator = WebsocketCommunicator(application, "/ws/events/", headers=headers)
    connected, _ = await communicator.connect()
    if connected:  # the state at connect comes first
        hello = await communicator.receive_json_from(timeout=2)
        assert hello["type"] == "hello"
        communicator.hello = hello["payload"]
    return communicator, connected


async def publish(organization, payload) -> None:
    await sync_to_async(events.publish)(
        events.organization_group(organization.id), events.CAMERA_STATUS, payload
    )


def test_each_organization_hears_only_its_own_camera_events(world):
    async def scenario():
        alice, alice_in = await connect(world.alice)
        carol, carol_in = await connect(world.carol)
        assert alice_in and carol_in
        await publish(world.org_a, {"camera": "a-lobby", "status": "error"})
        assert await alice.receive_json_from(timeout=2) == {
            "type": "camera.status",
            "payload": {"camera": "a-lobby", "status": "error"},
        }
        assert await carol.receive_nothing(timeout=0.3)
        await publish(world.org_b, {"camera": "b-gate", "status": "running"})
        assert (await carol.receive_json_from(timeout=2))["payload"]["camera"] == "b-gate"
        assert await alice.receive_nothing(timeout=0.3)
        await alice.disconnect()
        await carol.disconnect()

    run(scenario)


def test_an_anonymous_socket_is_refused(world):
    async def scenario():
        communicator, connected = await connect()
        assert not connected
        await communicator.disconnect()

    run(scenario)


def test_a_user_without_an_organization_is_refused(db):
    from tests.factories import UserFactory

    async def scenario():
        communicator, connected = await connect(await sync_to_async(UserFactory)())
        assert not connected
        await communicator.disconnect()

    run(scenario)


def test_a_member_hears_only_of_the_cameras_he_may_view(world):
    async def scenario():
        bob, connected = await connect(world.bob)
        assert connected
        assert sorted(c["camera"] for c in bob.hello["cameras"]) == ["a-desk", "a-granted", "a-lobby"]
        await publish(world.org_a, {"camera": "a-vault", "status": "error"})  # no grant for bob
        await publish(world.org_a, {"camera": "a-desk", "status": "error"})
        assert (await bob.receive_json_from(timeout=2))["payload"]["camera"] == "a-desk"
        assert await bob.receive_nothing(timeout=0.3)
        await bob.disconnect()

    run(scenario)


@pytest.mark.skipif(bool(settings.REDIS_URL), reason="the row watch serves the in-memory layer only")
def test_on_the_embedded_layer_a_status_written_elsewhere_reaches_the_page_once(world):
    """The recorder runs in another process there; its row update is the news."""
    from cameras.models import Camera

    async def scenario():
        alice, connected = await connect(world.alice)
        assert connected
        await sync_to_async(Camera.objects.filter(name="a-lobby").update)(
            status="waiting", status_reason="gone"
        )
        message = await alice.receive_json_from(timeout=5)
        assert message["type"] == "camera.status"
        assert (message["payload"]["camera"], message["payload"]["status"]) == ("a-lobby", "waiting")
        assert message["payload"]["reason"] == "gone"
        assert await alice.receive_nothing(timeout=1.5)  # told once, not at every look
        await alice.disconnect()

    run(scenario)


@pytest.mark.skipif(bool(settings.REDIS_URL), reason="the row watch serves the in-memory layer only")
def test_on_the_embedded_layer_a_new_episode_reaches_those_who_may_see_its_camera(world):
    from tests.factories import EpisodeFactory

    async def scenario():
        alice, _ = await connect(world.alice)
        bob, _ = await connect(world.bob)
        await sync_to_async(EpisodeFactory)(camera=world.cameras.vault, title="door forced")
        message = await alice.receive_json_from(timeout=5)
        assert message["type"] == "episode.created"
        assert (message["payload"]["camera"], message["payload"]["title"]) == ("a-vault", "door forced")
        assert await bob.receive_nothing(timeout=1.5)  # no grant on a-vault
        await alice.disconnect()
        await bob.disconnect()

    run(scenario)
