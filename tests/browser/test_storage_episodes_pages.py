"""The storage and episode pages in a real browser, with a screenshot of each for review."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone

from cameras.models import Camera
from recordings.choices import EpisodeType, RetentionScope
from recordings.models import RetentionPolicy
from tests.dashboard.test_storage_page import footage
from tests.factories import PASSWORD, EpisodeFactory, StreamerFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
TITLES = {
    "lobby": "Lobby entrance",
    "desk": "Front desk",
    "vault": "Vault corridor",
    "loose": "Loading dock",
    "granted": "Parking level -1",
}


def sign_in(page, live_server, login: str):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/cameras/$"))


def screenshot(page, name: str) -> None:
    """The whole page at once, with a viewport that tall so the sticky sidebar spans it too."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": page.evaluate("document.documentElement.scrollHeight")})
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def titled(world):
    for key, title in TITLES.items():
        Camera.objects.filter(pk=getattr(world.cameras, key).pk).update(title=title)
    return world


def test_an_admin_reads_usage_retention_nodes_and_protected_footage(page, live_server, titled, settings):
    settings.NVR_MIN_FREE_BYTES, settings.NVR_MIN_FREE_PERCENT = 5 * 10**9, 2
    world, now = titled, timezone.now().replace(microsecond=0)
    cams = world.cameras
    RetentionPolicy.objects.create(
        scope=RetentionScope.ORGANIZATION, organization=world.org_a, max_age=14 * 86400
    )
    Camera.objects.filter(pk=cams.lobby.pk).update(dvr_depth=7 * 86400)
    Camera.objects.filter(pk=cams.desk.pk).update(dvr_space_limit=50 * 10**9)
    node = StreamerFactory(
        hostname="rec-01.example",
        title="Recorder 1",
        last_heartbeat_at=now,
        stats={"partitions": [{"path": "/srv/nvr", "total_mb": 1_907_349, "free_mb": 667_572, "usage": 65}]},
    )
    StreamerFactory(
        hostname="rec-02.example",
        last_heartbeat_at=now - dt.timedelta(hours=2),
        stats={"partitions": [{"path": "/srv/nvr", "total_mb": 476_837, "free_mb": 700, "usage": 99}]},
    )
    footage(cams.lobby, start=now - dt.timedelta(days=9.3), hours=9.3 * 24, gb_per_hour=0.4, streamer=node)
    footage(cams.desk, start=now - dt.timedelta(hours=63), hours=20, protected=True, streamer=node)
    footage(cams.desk, start=now - dt.timedelta(hours=43), hours=42, streamer=node)
    footage(cams.vault, start=now - dt.timedelta(days=5), hours=96, gb_per_hour=0.3, streamer=node)
    footage(
        cams.loose,
        start=now - dt.timedelta(days=2),
        hours=6,
        gb_per_hour=0.2,
        retention_until=now + dt.timedelta(days=30),
    )
    opened = now - dt.timedelta(hours=50)
    EpisodeFactory(
        camera=cams.vault,
        episode_type=EpisodeType.MOTION,
        title="Door forced",
        opened_at=opened,
        closed_at=opened + dt.timedelta(minutes=4),
        protected=True,
    )

    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/recordings/storage/")

    lobby = page.locator('.usage-row[data-camera="a-lobby"]')
    assert lobby.is_visible()
    assert "will be deleted at the next run" in lobby.inner_text()
    assert page.locator("#storage-nodes").get_by_text("Recorder 1").is_visible()
    assert page.locator("#storage-protected").get_by_text("Door forced").is_visible()
    assert page.locator("#storage-nodes .disk-row.is-low").get_by_text("rec-02.example").first.is_visible()
    screenshot(page, "storage_page")


def test_an_operator_filters_episodes_without_reloading(page, live_server, titled):
    world, now = titled, timezone.now().replace(microsecond=0)
    cams = world.cameras
    rows = [
        (0.2, cams.lobby, EpisodeType.MOTION, "Motion in the lobby", "", None),
        (0.7, cams.desk, EpisodeType.FACE, "Visitor at reception", "Unknown face, badge not shown", 95),
        (1.5, cams.granted, EpisodeType.VEHICLE, "Van parked in bay 12", "Plate AB-123-CD", 610),
        (3.2, cams.vault, EpisodeType.MOTION, "Door forced", "Alarm panel reported tamper", 240),
        (5.0, cams.loose, EpisodeType.HUMAN, "Person on the dock", "", 42),
        (9.5, cams.lobby, EpisodeType.CUSTOM, "Fire drill", "Announced by the building manager", 1_320),
        (26.0, cams.desk, EpisodeType.QR_CODE, "Courier badge scanned", "", 8),
        (28.4, cams.granted, EpisodeType.VEHICLE, "Barrier left open", "", 3_900),
    ]
    for hours, camera, kind, title, description, seconds in rows:
        opened = now - dt.timedelta(hours=hours)
        EpisodeFactory(
            camera=camera,
            episode_type=kind,
            title=title,
            description=description,
            opened_at=opened,
            closed_at=opened + dt.timedelta(seconds=seconds) if seconds else None,
            protected=title == "Door forced",
        )

    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/recordings/episodes/")

    assert page.locator(".episode-item").count() == len(rows)
    assert page.get_by_text("Visitor at reception").is_visible()
    screenshot(page, "episode_list")
    page.evaluate("window.__not_reloaded = true")
    page.get_by_label("Episode type").select_option("vehicle")
    page.wait_for_url(re.compile(r"type=vehicle"))
    page.wait_for_function("() => document.querySelectorAll('.episode-item').length === 2")
    assert page.evaluate("window.__not_reloaded") is True

    # A new episode: the list, still filtered, takes it in when the realtime news arrives.
    EpisodeFactory(
        camera=cams.granted, episode_type=EpisodeType.VEHICLE, title="Truck at the gate", opened_at=now
    )
    page.evaluate("document.dispatchEvent(new CustomEvent('nvr:episode.created', {detail: {}}))")
    page.wait_for_function("() => document.querySelectorAll('.episode-item').length === 3")
    assert page.get_by_text("Truck at the gate").is_visible()
    assert page.evaluate("window.__not_reloaded") is True
