"""Tenancy: carol (org B) reaches nothing of org A; bob (viewer in org A) only what his grants allow."""

import pytest

from cameras.access import access_camera, access_camera_by_id
from cameras.models import Camera
from cameras.selectors import camera_list
from organizations.access import access_folder, access_organization, access_organization_admin
from organizations.choices import Action
from organizations.exceptions import ObjectNotFound
from organizations.models import Folder
from organizations.selectors import folder_list, organization_list_for_user
from tests.factories import CameraGrantFactory, FolderFactory, FolderGrantFactory, UserFactory

pytestmark = pytest.mark.django_db

ORG_A_CAMERAS = {"a-lobby", "a-desk", "a-vault", "a-loose", "a-granted"}


def names(cameras) -> set[str]:
    return {c.name for c in cameras}


@pytest.mark.parametrize("action", Action.values)
def test_carol_reaches_no_camera_of_org_a_for_any_action(world, action):
    assert names(Camera.objects.for_user(world.carol, action)) == ({"b-gate"})
    assert not Camera.objects.for_user(world.carol, action, organization=world.org_a).exists()
    for camera in Camera.objects.filter(organization=world.org_a):
        with pytest.raises(ObjectNotFound):
            access_camera(world.carol, camera.name, action=action)
        with pytest.raises(ObjectNotFound):
            access_camera_by_id(world.carol, camera.id, action=action)


def test_carol_cannot_reach_org_a_itself_or_its_folders(world):
    assert list(organization_list_for_user(user=world.carol)) == [world.org_b]
    with pytest.raises(ObjectNotFound):
        access_organization(world.carol, world.org_a.id)
    with pytest.raises(ObjectNotFound):
        access_organization_admin(world.carol, world.org_a.id)
    assert not folder_list(user=world.carol, organization=world.org_a).exists()
    for folder in (world.folders.lobby, world.folders.desk, world.folders.vault):
        with pytest.raises(ObjectNotFound):
            access_folder(world.carol, world.org_a, folder.id)
    # Naming her own organization does not open a folder of org A either.
    with pytest.raises(ObjectNotFound):
        access_folder(world.carol, world.org_b, world.folders.lobby.id)


def test_carol_camera_list_of_org_a_is_empty_even_with_a_search_that_matches(world):
    assert not camera_list(user=world.carol, organization=world.org_a, q="a-").exists()


def test_a_missing_camera_and_a_foreign_camera_fail_the_same_way(world):
    with pytest.raises(ObjectNotFound) as missing:
        access_camera(world.carol, "no-such-camera")
    with pytest.raises(ObjectNotFound) as foreign:
        access_camera(world.carol, "a-lobby")
    assert str(missing.value) == str(foreign.value)


def test_alice_as_org_admin_reaches_every_camera_of_org_a_with_every_action(world):
    for action in Action.values:
        assert names(Camera.objects.for_user(world.alice, action)) == ORG_A_CAMERAS
    assert access_organization_admin(world.alice, world.org_a.id) == world.org_a


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (Action.VIEW, {"a-lobby", "a-desk", "a-granted"}),
        (Action.LIVE, {"a-lobby", "a-desk", "a-granted"}),
        (Action.ARCHIVE, {"a-desk"}),
        (Action.EXPORT, {"a-granted"}),
        (Action.PTZ, set()),
        (Action.MANAGE, set()),
    ],
)
def test_bob_reaches_only_what_his_grants_allow(world, action, expected):
    assert names(Camera.objects.for_user(world.bob, action)) == expected
    for name in ORG_A_CAMERAS - expected:
        with pytest.raises(ObjectNotFound):
            access_camera(world.bob, name, action=action)


def test_bob_is_a_member_but_not_an_admin_of_org_a(world):
    assert access_organization(world.bob, world.org_a.id) == world.org_a
    with pytest.raises(ObjectNotFound):
        access_organization_admin(world.bob, world.org_a.id)


def test_bob_sees_only_granted_folders_and_their_subfolders(world):
    assert set(folder_list(user=world.bob, organization=world.org_a)) == {
        world.folders.lobby,
        world.folders.desk,
    }
    with pytest.raises(ObjectNotFound):
        access_folder(world.bob, world.org_a, world.folders.vault.id)


def test_a_nearer_folder_grant_narrows_what_a_parent_grant_opens(world):
    closet = FolderFactory(organization=world.org_a, parent=world.folders.lobby, title="Closet")
    FolderGrantFactory(folder=closet, user=world.bob, can_view=False, can_live=False)
    camera = Camera.objects.create(organization=world.org_a, folder=closet, name="a-closet")
    assert camera not in Camera.objects.for_user(world.bob, Action.VIEW)
    # A folder below the closet inherits the closet's narrower grant, not the lobby's.
    shelf = FolderFactory(organization=world.org_a, parent=closet, title="Shelf")
    Camera.objects.create(organization=world.org_a, folder=shelf, name="a-shelf")
    assert "a-shelf" not in names(Camera.objects.for_user(world.bob, Action.VIEW))


def test_a_camera_grant_overrides_its_folder_grant(world):
    CameraGrantFactory(camera=world.cameras.lobby, user=world.bob, can_view=True, can_live=False)
    assert "a-lobby" in names(Camera.objects.for_user(world.bob, Action.VIEW))
    assert "a-lobby" not in names(Camera.objects.for_user(world.bob, Action.LIVE))


def test_a_grant_in_org_a_does_not_leak_to_carol_through_a_shared_camera_name_search(world):
    CameraGrantFactory(camera=world.cameras.vault, user=world.carol, can_view=True)
    # A grant row for a user who is not a member of org A opens nothing.
    assert names(Camera.objects.for_user(world.carol, Action.VIEW)) == {"b-gate"}


def test_allowed_tags_restrict_even_an_organization_admin(world):
    world.cameras.lobby.tags = "entrance, outdoor"
    world.cameras.lobby.save()
    world.alice.allowed_tags = "outdoor"
    world.alice.save()
    assert names(Camera.objects.for_user(world.alice, Action.VIEW)) == {"a-lobby"}


def test_domain_admin_reaches_every_organization(world):
    root = UserFactory(role="admin")
    assert set(organization_list_for_user(user=root)) == {world.org_a, world.org_b}
    assert names(Camera.objects.for_user(root, Action.MANAGE)) == ORG_A_CAMERAS | {"b-gate"}


def test_a_disabled_user_reaches_nothing(world):
    world.alice.is_active = False
    world.alice.save()
    assert not Camera.objects.for_user(world.alice, Action.VIEW).exists()
    assert not organization_list_for_user(user=world.alice).exists()


def test_a_member_without_camera_access_sees_no_camera_despite_grants(world):
    membership = world.bob.memberships.get(organization=world.org_a)
    membership.can_view_cameras = False
    membership.save()
    assert not Camera.objects.for_user(world.bob, Action.VIEW).exists()


def test_restriction_needs_a_constant_number_of_queries(world, django_assert_max_num_queries):
    for index in range(20):
        FolderFactory(organization=world.org_a, parent=world.folders.desk, title=f"Sub {index}")
    with django_assert_max_num_queries(5):
        list(Camera.objects.for_user(world.bob, Action.ARCHIVE))


# --- every websocket route and every upload route -------------------------------------------------
# Each route is registered below with the check that another organization's object stays out of
# reach; a new route fails test_every_*_route_is_registered until it has one.


def _run(scenario) -> None:
    """Run an async scenario on a fresh event loop in its own thread."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result()


def _cookie_choosing(user, organization) -> str:
    """A session cookie of `user` whose dashboard has chosen `organization` (which may not be theirs)."""
    from django.conf import settings
    from django.test import Client

    from organizations.middleware import SESSION_KEY

    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = organization.id
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def check_events_socket(world):
    """Carol, her session pointing at org A, hears of org B only; bob not of a camera he may not view."""
    from asgiref.sync import sync_to_async
    from channels.testing import WebsocketCommunicator

    from nvr_project import events
    from nvr_project.asgi import application

    async def connect(user, organization):
        cookie = await sync_to_async(_cookie_choosing)(user, organization)
        headers = [(b"origin", b"http://testserver"), (b"host", b"testserver"), (b"cookie", cookie.encode())]
        communicator = WebsocketCommunicator(application, "/ws/events/", headers=headers)
        connected, _ = await communicator.connect()
        assert connected
        hello = await communicator.receive_json_from(timeout=2)
        return communicator, {c["camera"] for c in hello["payload"]["cameras"]}

    async def scenario():
        carol, carol_sees = await connect(world.carol, world.org_a)
        bob, bob_sees = await connect(world.bob, world.org_a)
        assert carol_sees == {"b-gate"}
        assert bob_sees == {"a-lobby", "a-desk", "a-granted"}
        for camera in ("a-vault", "a-lobby"):
            await sync_to_async(events.publish)(
                events.organization_group(world.org_a.id), events.CAMERA_STATUS, {"camera": camera}
            )
        assert (await bob.receive_json_from(timeout=2))["payload"]["camera"] == "a-lobby"
        assert await bob.receive_nothing(timeout=0.3)  # not a-vault
        assert await carol.receive_nothing(timeout=0.3)
        for communicator in (carol, bob):
            await communicator.disconnect()

    _run(scenario)


WEBSOCKET_CHECKS = {"ws/events/": check_events_socket}


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (2, 2)).save(out, format="PNG")
    return out.getvalue()


def check_floor_plan_file(world, client):
    """Org A's floor plan is a 404 to carol (another tenant) and to bob where he has no grant."""
    from django.core.files.base import ContentFile

    world.folders.vault.floor_plan.save("vault.png", ContentFile(_png()))
    url = world.folders.vault.floor_plan.url
    client.force_login(world.alice)
    assert client.get(url).status_code == 200
    for user in (world.carol, world.bob):
        client.force_login(user)
        assert client.get(url).status_code == 404


def _floor_plan_body(**fields) -> str:
    import base64
    import json

    content = base64.b64encode(_png()).decode()
    return json.dumps({**fields, "floor_plan": {"file": {"b64_content": content, "mime_type": "image/png"}}})


def check_watcher_folder_floor_plan_upload(world, client):
    """Carol cannot upload a floor plan onto org A's folder through the Watcher Client API."""
    from tests.dialects.flussonic.conftest import basic

    body = _floor_plan_body()
    for organization in (world.org_a, world.org_b):  # org A's folder, named under either organization
        path = f"/watcher/client-api/v3/organizations/{organization.id}/folders/{world.folders.lobby.id}"
        response = client.put(path, data=body, content_type="application/json", **basic("carol"))
        assert response.status_code == 404, response.content
    world.folders.lobby.refresh_from_db()
    assert not world.folders.lobby.floor_plan


def check_watcher_folder_create_with_floor_plan(world, client):
    """Carol cannot add a folder, floor plan and all, to org A."""
    from tests.dialects.flussonic.conftest import basic

    path = f"/watcher/client-api/v3/organizations/{world.org_a.id}/folders"
    response = client.post(path, data=_floor_plan_body(title="Mine"), content_type="application/json",
                           **basic("carol"))  # fmt: skip
    assert response.status_code == 404, response.content
    assert not Folder.objects.filter(title="Mine").exists()


# The routes that serve uploads (everything under MEDIA_URL) and the ones that take them.
UPLOAD_SERVING_CHECKS = {"uploads/floor_plans/<str:filename>": check_floor_plan_file}
UPLOAD_TAKING_CHECKS = {
    "PUT watcher_client:folder_get": check_watcher_folder_floor_plan_upload,
    "POST watcher_client:folder_list": check_watcher_folder_create_with_floor_plan,
    # Django admin's folder form takes one too; the admin site is for domain admins only.
}


def test_every_websocket_route_is_registered():
    from nvr_project.routing import websocket_urlpatterns

    assert {str(p.pattern) for p in websocket_urlpatterns} == set(WEBSOCKET_CHECKS)


def test_every_upload_serving_route_is_registered():
    from django.conf import settings

    from nvr_project.urls import urlpatterns

    media = settings.MEDIA_URL.lstrip("/")
    assert {str(p.pattern) for p in urlpatterns if str(p.pattern).startswith(media)} == set(
        UPLOAD_SERVING_CHECKS
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("route", sorted(WEBSOCKET_CHECKS))
def test_a_websocket_route_keeps_another_organization_out(route, world):
    WEBSOCKET_CHECKS[route](world)


@pytest.mark.parametrize("route", sorted({**UPLOAD_SERVING_CHECKS, **UPLOAD_TAKING_CHECKS}))
def test_an_upload_route_keeps_another_organization_out(route, world, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    {**UPLOAD_SERVING_CHECKS, **UPLOAD_TAKING_CHECKS}[route](world, client)
