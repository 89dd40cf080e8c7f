"""The dashboard in a real browser: sign in, search cameras live, add a camera."""

import re

import pytest

from cameras.models import Camera
from tests.factories import PASSWORD

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, login: str):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/cameras/$"))


def row_names(page) -> list[str]:
    return page.locator("#camera-rows tbody .cam-name").all_inner_texts()


def test_an_operator_signs_in_and_searches_cameras_without_reloading(page, live_server, world):
    sign_in(page, live_server, "alice")
    assert sorted(row_names(page)) == ["a-desk", "a-granted", "a-lobby", "a-loose", "a-vault"]
    assert "b-gate" not in page.content()
    page.evaluate("window.__not_reloaded = true")
    page.get_by_label("Search cameras").fill("desk")
    page.wait_for_url(re.compile(r"q=desk"))
    page.wait_for_function("() => document.querySelectorAll('#camera-rows tbody tr').length === 1")
    assert row_names(page) == ["a-desk"]
    assert page.evaluate("window.__not_reloaded") is True  # htmx swapped the rows in place


def test_a_viewer_sees_only_granted_cameras_and_no_add_button(page, live_server, world):
    sign_in(page, live_server, "bob")
    assert sorted(row_names(page)) == ["a-desk", "a-granted", "a-lobby"]
    assert page.get_by_role("link", name="Add camera").count() == 0


def test_an_admin_adds_a_camera_and_its_password_never_comes_back(page, live_server, world):
    sign_in(page, live_server, "alice")
    page.get_by_role("link", name="Add camera").first.click()
    page.get_by_label("Name", exact=True).fill("a-dock")
    page.get_by_label("Title", exact=True).fill("Loading dock")
    page.get_by_label("Main input URL").fill("rtsp://viewer:dock-s3cret@192.0.2.40:554/ch1")
    page.get_by_role("button", name="Add camera").click()
    page.wait_for_load_state("networkidle")
    camera = Camera.objects.get(name="a-dock")
    assert camera.organization == world.org_a
    assert camera.inputs.get().url == "rtsp://192.0.2.40:554/ch1"
    page.goto(f"{live_server.url}{camera.get_absolute_url()}")
    assert page.get_by_label("Main input URL").input_value() == "rtsp://192.0.2.40:554/ch1"
    assert "dock-s3cret" not in page.content()
