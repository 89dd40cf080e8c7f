"""The owner of an organization is one of its administrators in the Watcher views too (catalog §8),
with or without the administrator flag on their membership."""

import pytest


@pytest.fixture
def owner_world(world):
    world.org_a.owner = world.bob  # a member with grants on two folders only
    world.org_a.save()
    return world


def test_the_owner_is_an_administrator_in_the_watcher_permission_views(owner_world, api):
    w = owner_world
    body = api("GET", f"/users/{w.bob.id}/organization/{w.org_a.id}/folders", login="bob").json()
    assert {f["title"] for f in body["folders"]} == {"Lobby", "Desk", "Vault"}
    for folder in body["folders"]:
        rights = folder["permissions"]
        assert rights.pop("dvr_depth_limit") == 0 and all(rights.values()), folder["title"]
    streams = api("GET", "/streams", login="bob").json()["streams"]
    assert {s["name"] for s in streams} == {"a-lobby", "a-desk", "a-vault", "a-loose", "a-granted"}
