"""Access rules exist once: "administrator of an organization" includes its owner everywhere, and
the per-camera rule (`camera_actions`, `camera_access_list`) agrees with the queryset rule."""

import pytest

from accounts.choices import Role
from cameras.access import camera_actions, is_organization_admin
from cameras.models import Camera
from cameras.views.permissions import camera_access_list
from organizations.access import access_organization_admin
from organizations.choices import Action
from organizations.folder_rights import folder_member_rights_get
from organizations.selectors import folder_list
from tests.factories import CameraGrantFactory, FolderGrantFactory, MembershipFactory, UserFactory

EVERYTHING = frozenset(Action.values)


@pytest.fixture
def owner_world(world):
    """bob, a member with grants on two folders only, becomes org A's owner (no admin flag)."""
    world.org_a.owner = world.bob
    world.org_a.save()
    return world


def test_the_owner_is_an_administrator_for_cameras_folders_and_the_organization(owner_world):
    w = owner_world
    everything = set(Camera.objects.filter(organization=w.org_a))
    for action in Action.values:
        assert set(Camera.objects.for_user(w.bob, action)) == everything, action
    assert camera_actions(w.bob, w.cameras.vault) == EVERYTHING
    assert set(folder_list(user=w.bob, organization=w.org_a)) == set(w.org_a.folders.all())
    assert is_organization_admin(w.bob, w.org_a)
    assert access_organization_admin(w.bob, w.org_a.id) == w.org_a
    assert folder_member_rights_get(folder=w.folders.vault, user_id=w.bob.id).rights_admin
    row = next(r for r in camera_access_list(camera=w.cameras.vault) if r.user == w.bob)
    assert row.source == "admin" and not row.editable
    # Ownership is of one organization: org B stays out of reach.
    assert not Camera.objects.for_user(w.bob).filter(organization=w.org_b).exists()
    assert not is_organization_admin(w.bob, w.org_b)


def personas(world):
    """The world's users plus the edge cases of the rule."""
    off = UserFactory(login="off")
    MembershipFactory(user=off, organization=world.org_a, can_view_cameras=False)
    FolderGrantFactory(folder=world.folders.lobby, user=off, can_view=True, can_live=True)
    tagged = UserFactory(login="tagged", allowed_tags="entrance")
    MembershipFactory(user=tagged, organization=world.org_a)
    FolderGrantFactory(
        folder=world.folders.lobby, user=tagged, can_view=True, can_live=True, can_archive=True
    )
    world.cameras.desk.tags = "Entrance, inside"
    world.cameras.desk.save()
    narrowed = UserFactory(login="narrowed")
    MembershipFactory(user=narrowed, organization=world.org_a)
    FolderGrantFactory(folder=world.folders.lobby, user=narrowed, can_view=True, can_live=True, can_ptz=True)
    FolderGrantFactory(folder=world.folders.desk, user=narrowed, can_view=True, can_live=False)
    CameraGrantFactory(
        camera=world.cameras.lobby, user=narrowed, can_view=True, can_live=False, can_export=True
    )
    disabled = UserFactory(login="disabled", is_active=False)
    MembershipFactory(user=disabled, organization=world.org_a, is_admin=True)
    root = UserFactory(login="root", role=Role.ADMIN)
    return [world.alice, world.bob, world.carol, off, tagged, narrowed, disabled, root]


def test_the_per_camera_rule_and_the_queryset_rule_agree_for_every_persona(world):
    users = personas(world)
    world.org_b.owner = world.bob  # an owner without a membership reaches no camera there
    world.org_b.save()
    cameras = list(Camera.objects.select_related("organization"))
    for user in users:
        for camera in cameras:
            actions = camera_actions(user, camera)
            for action in Action.values:
                in_queryset = Camera.objects.for_user(user, action).filter(pk=camera.pk).exists()
                assert (action in actions) == in_queryset, (user.login, camera.name, action)
    for camera in cameras:
        for row in camera_access_list(camera=camera):
            shown = frozenset(r.action for r in row.rights if r.allowed)
            assert shown == camera_actions(row.user, camera), (row.user.login, camera.name)
