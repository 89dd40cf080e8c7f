"""The live grid and its mosaics: what each member sees, saves and may change."""

import re

import pytest

from cameras.models import Mosaic, MosaicSlot

pytestmark = pytest.mark.django_db


def tiles(page: str) -> list[str]:
    """Camera names of the tiles in grid order; "" for an empty tile."""
    found = re.findall(r'<div class="tile[^"]*" data-position="\d+"(?:\s+data-camera="([^"]*)")?', page)
    return list(found)


def save(client, **data):
    return client.post("/cameras/live/mosaics/", data)


def test_without_a_mosaic_the_grid_holds_every_camera_the_member_may_watch(client, world):
    client.force_login(world.alice)
    page = client.get("/cameras/live/").content.decode()
    assert 'class="grid grid-3x3"' in page  # five cameras: the smallest grid that holds them
    assert sorted(t for t in tiles(page) if t) == ["a-desk", "a-granted", "a-lobby", "a-loose", "a-vault"]
    assert "b-gate" not in page

    client.force_login(world.bob)
    page = client.get("/cameras/live/?layout=1x1").content.decode()
    assert len(tiles(page)) == 1
    page = client.get("/cameras/live/").content.decode()
    assert sorted(t for t in tiles(page) if t) == ["a-desk", "a-granted", "a-lobby"]


def test_a_saved_view_keeps_its_cameras_and_its_cells_survive_a_smaller_layout(client, world):
    client.force_login(world.alice)
    response = save(
        client, action="create", title="Entrance", layout="2x2", cameras=["a-lobby", "", "a-desk"]
    )
    mosaic = Mosaic.objects.get(title="Entrance")
    assert response.status_code == 302 and response["Location"].endswith(f"?mosaic={mosaic.id}")
    assert mosaic.owner == world.alice
    assert tiles(client.get(f"/cameras/live/?mosaic={mosaic.id}").content.decode()) == [
        "a-lobby",
        "",
        "a-desk",
        "",
    ]

    assert save(client, action="slot", mosaic=mosaic.id, position=3, camera="a-vault").status_code == 200
    assert (
        save(client, action="slot", mosaic=mosaic.id, position=1, camera="a-lobby").status_code == 200
    )  # moves
    assert tiles(client.get(f"/cameras/live/?mosaic={mosaic.id}").content.decode()) == [
        "",
        "a-lobby",
        "a-desk",
        "a-vault",
    ]

    save(client, action="layout", mosaic=mosaic.id, layout="1x1")
    assert tiles(client.get(f"/cameras/live/?mosaic={mosaic.id}").content.decode()) == [""]
    save(client, action="layout", mosaic=mosaic.id, layout="2x2")
    assert tiles(client.get(f"/cameras/live/?mosaic={mosaic.id}").content.decode()) == [
        "",
        "a-lobby",
        "a-desk",
        "a-vault",
    ]


def test_bad_changes_are_refused_with_a_reason(client, world):
    client.force_login(world.alice)
    save(client, action="create", title="Yard", layout="2x2")
    mosaic = Mosaic.objects.get(title="Yard")
    response = save(client, action="slot", mosaic=mosaic.id, position=4, camera="a-lobby")
    assert response.status_code == 422 and "cells 0 to 3" in response.json()["error"]
    assert save(client, action="slot", mosaic=mosaic.id, position="x", camera="a-lobby").status_code == 400
    assert save(client, action="slot", mosaic=mosaic.id, position=0, camera="b-gate").status_code == 404
    assert save(client, action="layout", mosaic=mosaic.id, layout="9x9").status_code == 422
    assert save(client, action="explode").status_code == 400
    assert not MosaicSlot.objects.filter(mosaic=mosaic).exists()


def test_a_mosaic_is_its_owners_or_the_organizations_and_nobody_elses(client, world):
    client.force_login(world.alice)
    save(client, action="create", title="Mine", layout="2x2")
    save(client, action="create", title="Shared", layout="2x2", shared="on")
    mine, shared = Mosaic.objects.get(title="Mine"), Mosaic.objects.get(title="Shared")
    assert shared.owner is None

    client.force_login(world.bob)
    assert client.get(f"/cameras/live/?mosaic={mine.id}").status_code == 404
    page = client.get(f"/cameras/live/?mosaic={shared.id}").content.decode()
    assert "Shared (organization)" in page and "Mine" not in page
    assert save(client, action="slot", mosaic=shared.id, position=0, camera="a-desk").status_code == 403
    assert save(client, action="create", title="Ours", layout="2x2", shared="on").status_code == 403
    assert save(client, action="delete", mosaic=mine.id).status_code == 404

    client.force_login(world.carol)
    assert client.get(f"/cameras/live/?mosaic={shared.id}").status_code == 404
    assert save(client, action="delete", mosaic=shared.id).status_code == 404
    assert Mosaic.objects.count() == 2


def test_a_tile_shows_a_camera_only_to_those_who_may_watch_it(client, world):
    client.force_login(world.alice)
    save(client, action="create", title="Vault", layout="1x1", shared="on", cameras=["a-vault"])
    mosaic = Mosaic.objects.get(title="Vault")
    client.force_login(world.bob)  # no grant on a-vault
    assert tiles(client.get(f"/cameras/live/?mosaic={mosaic.id}").content.decode()) == [""]
