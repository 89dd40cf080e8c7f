"""Tenancy: carol (org B) reaches nothing of org A; bob (viewer in org A) only what his grants allow."""

import pytest

from cameras.access import access_camera, access_camera_by_id
from cameras.models import Camera
from cameras.selectors import camera_list
from organizations.access import access_folder, access_organization, access_organization_admin
from organizations.choices import Action
from organizations.exceptions import ObjectNotFound
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
