"""Shared fixtures: the three personas and their organizations, and per-test settings."""

from types import SimpleNamespace

import pytest

from accounts.choices import Role
from tests.factories import (
    CameraFactory,
    CameraGrantFactory,
    FolderFactory,
    FolderGrantFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)

pytest_plugins = ["tests.support.fixtures"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Tests build their own tenants: drop the default organization the migrations create
    (organizations 0002, guarded by tests/security/test_core.py), once per test database."""
    from organizations.models import Organization

    with django_db_blocker.unblock():
        Organization.objects.filter(is_default=True).delete()


@pytest.fixture(autouse=True)
def _separate_channel_groups(settings, worker_id):
    """With Redis, parallel test workers share one server: give each its own key prefix."""
    if settings.REDIS_URL:
        layer = settings.CHANNEL_LAYERS["default"]
        settings.CHANNEL_LAYERS = {
            "default": {**layer, "CONFIG": {**layer["CONFIG"], "prefix": f"nvr-test-{worker_id}"}}
        }


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.NVR_MEDIA_ROOT = tmp_path / "media"
    settings.NVR_SNAPSHOT_DIR = tmp_path / "snapshots"
    settings.NVR_MIN_FREE_BYTES = 0
    # Fast hashing: the personas log in in many tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    """Org A with alice (admin) and bob (viewer with grants on some folders); org B with carol (admin).

    Org A: folder "Lobby" (bob may view and watch live, not the archive) with subfolder "Lobby/Desk"
    (a nearer grant that also opens the archive), folder "Vault" (no grant for bob). Camera
    "a-lobby" is in Lobby, "a-desk" in Lobby/Desk, "a-vault" in Vault, "a-loose" in no folder,
    "a-granted" in Vault but with a camera grant for bob. Org B: "b-gate" in folder "Gate".
    """
    org_a = OrganizationFactory(title="Org A")
    org_b = OrganizationFactory(title="Org B")
    alice = UserFactory(login="alice")
    bob = UserFactory(login="bob", role=Role.VIEWER)
    carol = UserFactory(login="carol")
    MembershipFactory(user=alice, organization=org_a, is_admin=True)
    MembershipFactory(user=bob, organization=org_a)
    MembershipFactory(user=carol, organization=org_b, is_admin=True)

    lobby = FolderFactory(organization=org_a, title="Lobby")
    desk = FolderFactory(organization=org_a, title="Desk", parent=lobby)
    vault = FolderFactory(organization=org_a, title="Vault")
    gate = FolderFactory(organization=org_b, title="Gate")
    FolderGrantFactory(folder=lobby, user=bob, can_view=True, can_live=True)
    FolderGrantFactory(folder=desk, user=bob, can_view=True, can_live=True, can_archive=True)

    cameras = SimpleNamespace(
        lobby=CameraFactory(organization=org_a, folder=lobby, name="a-lobby"),
        desk=CameraFactory(organization=org_a, folder=desk, name="a-desk"),
        vault=CameraFactory(organization=org_a, folder=vault, name="a-vault"),
        loose=CameraFactory(organization=org_a, folder=None, name="a-loose"),
        granted=CameraFactory(organization=org_a, folder=vault, name="a-granted"),
        gate=CameraFactory(organization=org_b, folder=gate, name="b-gate"),
    )
    CameraGrantFactory(camera=cameras.granted, user=bob, can_view=True, can_live=True, can_export=True)
    return SimpleNamespace(
        org_a=org_a,
        org_b=org_b,
        alice=alice,
        bob=bob,
        carol=carol,
        folders=SimpleNamespace(lobby=lobby, desk=desk, vault=vault, gate=gate),
        cameras=cameras,
    )
