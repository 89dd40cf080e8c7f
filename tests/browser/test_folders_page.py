"""The folder tree, the connection test and camera access in a real browser: drag to move without a
reload, probe a simulated camera, set a camera grant."""

import re

import pytest

from cameras.choices import CameraStatus
from cameras.models import Camera, CameraGrant
from organizations.models import Folder
from tests.browser.test_camera_page import screenshot
from tests.browser.test_dashboard import sign_in
from tests.factories import CameraInputFactory
from tests.support.rtsp_camera import TEST_H264_AAC

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def camera_in(page, folder_id: int, camera: str):
    return page.locator(f'.ft-folder[data-folder-id="{folder_id}"] > .ft-children > [data-camera="{camera}"]')


def test_an_admin_drags_a_camera_and_a_folder_then_tests_a_camera_connection(
    page, live_server, world, rtsp_camera
):
    Camera.objects.filter(name__in=["a-lobby", "a-desk", "a-granted"]).update(
        status=CameraStatus.RUNNING, video_codec="h264", width=1920, height=1080, fps=25
    )
    Camera.objects.filter(name="a-vault").update(
        status=CameraStatus.ERROR, status_reason="connection refused"
    )
    desk, vault, lobby = world.folders.desk, world.folders.vault, world.folders.lobby
    page.set_viewport_size({"width": 1280, "height": 760})
    sign_in(page, live_server, "alice")

    page.get_by_role("link", name="Folders").click()
    page.wait_for_url(re.compile(r"/cameras/folders/$"))
    assert page.locator('[data-status-for="a-vault"]').inner_text() == "Error"
    screenshot(page, "folders-tree")
    page.evaluate("window.__not_reloaded = true")

    page.locator('[data-camera="a-loose"]').drag_to(page.locator(f'.ft-row[data-drop-folder="{desk.id}"]'))
    camera_in(page, desk.id, "a-loose").wait_for()
    assert "to “Desk”" in page.locator(".ft-notice").inner_text()
    assert Camera.objects.get(name="a-loose").folder_id == desk.id

    page.locator(f'.ft-row[data-drag-folder="{vault.id}"]').drag_to(
        page.locator(f'.ft-row[data-drop-folder="{lobby.id}"]')
    )
    page.locator(
        f'.ft-folder[data-folder-id="{lobby.id}"] .ft-folder[data-folder-id="{vault.id}"]'
    ).wait_for()
    assert Folder.objects.get(pk=vault.pk).parent_id == lobby.id
    assert page.evaluate("window.__not_reloaded") is True  # both moves swapped the tree in place
    screenshot(page, "folders-tree-moved")

    source = rtsp_camera(TEST_H264_AAC)
    CameraInputFactory(camera=world.cameras.desk, url=source.url)
    page.goto(f"{live_server.url}/cameras/a-desk/edit/")
    page.get_by_role("button", name="Test connection").click()
    result = page.locator("#probe-result.probe-ok")
    result.wait_for()
    assert "H264 640×360" in result.inner_text()
    assert "25 fps" in result.inner_text()
    screenshot(page, "camera-form-probe")

    page.get_by_label("Main input URL").fill(source.url.rsplit(":", 1)[0] + ":1/ch1")
    page.get_by_role("button", name="Test connection").click()
    page.locator("#probe-result.probe-error").wait_for()
    assert "Connection refused" in page.locator("#probe-result").inner_text()
    screenshot(page, "camera-form-probe-refused")

    page.get_by_role("link", name="Access").click()
    page.wait_for_url(re.compile(r"/cameras/a-desk/access/$"))
    bob = page.locator('[data-member="bob"]')
    assert "Folder “Desk”" in bob.inner_text()
    bob.get_by_label("Archive playback for bob").uncheck()
    bob.get_by_label("Export clips for bob").check()
    bob.get_by_role("button", name="Set camera grant").click()
    page.get_by_text("Camera grant for bob saved.").wait_for()
    grant = CameraGrant.objects.get(camera=world.cameras.desk, user=world.bob)
    assert grant.actions == {"view", "live", "export"}
    assert "Without it: folder “Desk”" in page.locator('[data-member="bob"]').inner_text()
    screenshot(page, "camera-access")
