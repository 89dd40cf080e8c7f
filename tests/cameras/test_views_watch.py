"""The camera page: who may open it, and what it offers each of them."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_page_offers_the_timeline_and_export_only_to_those_granted(client, world):
    client.force_login(world.alice)
    page = client.get("/cameras/a-lobby/").content.decode()
    assert 'id="timeline"' in page and "Export selection" in page

    client.force_login(world.bob)  # Lobby: view and live, no archive
    page = client.get("/cameras/a-lobby/").content.decode()
    assert 'id="timeline"' not in page and "Export selection" not in page
    assert "its archive is not shared with you" in page
    page = client.get("/cameras/a-desk/").content.decode()  # Desk: the archive too, no export
    assert 'id="timeline"' in page and "Export selection" not in page


def test_a_camera_out_of_reach_is_a_404(client, world):
    client.force_login(world.bob)
    assert client.get("/cameras/a-vault/").status_code == 404
    client.force_login(world.carol)
    assert client.get("/cameras/a-lobby/").status_code == 404
    assert client.get("/cameras/no-such-camera/").status_code == 404


def test_an_instant_in_the_address_opens_the_archive_there(client, world):
    client.force_login(world.alice)
    assert (
        'data-start-at="1767225600.500"' in client.get("/cameras/a-lobby/?at=1767225600.5").content.decode()
    )
    assert "data-start-at" not in client.get("/cameras/a-lobby/?at=soon").content.decode()
