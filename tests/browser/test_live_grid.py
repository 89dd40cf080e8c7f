"""The live grid in a real browser: tiles play, go grey when their camera stops, come back."""

import re
import time

import pytest

from cameras.models import Mosaic, MosaicSlot
from tests.browser.test_camera_page import screenshot, sign_in
from tests.playback.conftest import PLAYBACK_CLIP, Recording

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_tile_plays_goes_offline_when_its_camera_stops_and_comes_back(
    page, asgi_server, world, rtsp_camera
):
    source = rtsp_camera(PLAYBACK_CLIP)
    recording = Recording(world.cameras.lobby, source).start()
    try:
        recording.wait_for_fragments(4)
        page.set_viewport_size({"width": 1280, "height": 800})
        sign_in(page, asgi_server, "bob")  # granted a-lobby, a-desk and a-granted
        page.goto(f"{asgi_server.url}/cameras/live/")
        assert sorted(
            page.locator(".tile[data-camera]").evaluate_all("t => t.map(e => e.dataset.camera)")
        ) == [
            "a-desk",
            "a-granted",
            "a-lobby",
        ]
        lobby = page.locator('.tile[data-camera="a-lobby"]')
        page.wait_for_function(
            "() => document.querySelector('.tile[data-camera=\"a-lobby\"] video').currentTime > 2",
            timeout=20_000,
        )
        assert "offline" not in lobby.get_attribute("class")
        assert re.match(r"\d+ kbit/s", lobby.locator(".tile-bitrate").inner_text())
        page.evaluate("window.__not_reloaded = true")
        screenshot(page, "live-grid")

        source.refuse_for(30)  # the camera goes away and stays away
        stopped = time.monotonic()
        page.wait_for_function(
            "() => document.querySelector('.tile[data-camera=\"a-lobby\"]').classList.contains('offline')",
            timeout=10_000,
        )
        print("offline after", round(time.monotonic() - stopped, 2), "s")
        assert time.monotonic() - stopped < 10
        assert lobby.locator(".tile-offline").is_visible()
        assert lobby.locator(".tile-reason").inner_text().strip() != ""
        screenshot(page, "live-grid-offline")

        source.refuse_for(0)  # back: the recorder reconnects and the tile plays again
        page.wait_for_function(
            "() => !document.querySelector('.tile[data-camera=\"a-lobby\"]').classList.contains('offline')",
            timeout=20_000,
        )
        page.wait_for_function(
            "() => document.querySelector('.tile[data-camera=\"a-lobby\"] video').currentTime > 1",
            timeout=20_000,
        )
        assert page.evaluate("window.__not_reloaded") is True
    finally:
        recording.finish()


def test_a_camera_dragged_onto_a_tile_stays_there(page, asgi_server, world):
    mosaic = Mosaic.objects.create(organization=world.org_a, owner=world.alice, title="Doors", layout="2x2")
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, asgi_server, "alice")
    page.goto(f"{asgi_server.url}/cameras/live/?mosaic={mosaic.id}")
    assert page.locator(".tile-empty").count() == 4
    page.locator('.live-cameras li[data-camera="a-desk"]').drag_to(page.locator('.tile[data-position="2"]'))
    page.wait_for_selector('.tile[data-position="2"][data-camera="a-desk"]')
    assert MosaicSlot.objects.get(mosaic=mosaic, position=2).camera == world.cameras.desk
    screenshot(page, "live-grid-edit")
