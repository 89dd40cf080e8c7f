"""The episode list: who sees which episodes, the filters, the htmx fragment, paging and local times."""

import datetime as dt
import re
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from recordings.choices import EpisodeType
from recordings.models import Episode
from tests.factories import EpisodeFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/recordings/episodes/"
HTMX = {"HX-Request": "true"}


def listed(response) -> list[int]:
    """Episode ids in the order the list shows them."""
    return [int(pk) for pk in re.findall(r'data-episode="(\d+)"', response.content.decode())]


@pytest.fixture
def episodes(world):
    now = timezone.now().replace(microsecond=0)
    made = {}
    for hours, camera, kind, title in (
        (1, world.cameras.lobby, EpisodeType.MOTION, "Lobby motion"),
        (2, world.cameras.desk, EpisodeType.FACE, "Visitor at the desk"),
        (3, world.cameras.vault, EpisodeType.MOTION, "Vault door opened"),
        (4, world.cameras.granted, EpisodeType.VEHICLE, "Van in the yard"),
        (5, world.cameras.gate, EpisodeType.MOTION, "Gate motion"),
    ):
        opened = now - dt.timedelta(hours=hours)
        made[camera.name] = EpisodeFactory(
            camera=camera,
            episode_type=kind,
            title=title,
            opened_at=opened,
            closed_at=opened + dt.timedelta(seconds=95),
        )
    return made


def test_a_viewer_sees_the_episodes_of_his_cameras_newest_first_and_none_of_the_vault(
    client, world, episodes
):
    client.force_login(world.bob)

    response = client.get(URL)

    expected = [episodes[name].pk for name in ("a-lobby", "a-desk", "a-granted")]
    assert response.status_code == 200 and listed(response) == expected
    assert "Vault door opened" not in response.content.decode()


def test_an_admin_of_another_organization_sees_nothing_of_org_a(client, world, episodes):
    client.force_login(world.carol)

    response = client.get(URL)

    assert listed(response) == [episodes["b-gate"].pk]
    assert "a-lobby" not in response.content.decode()  # not even in the camera filter


def test_the_filters_narrow_the_list(client, world, episodes):
    client.force_login(world.alice)

    by_camera = client.get(URL, {"camera": "a-desk"})
    by_type = client.get(URL, {"type": "motion"})
    by_text = client.get(URL, {"q": "VISITOR"})
    by_description = client.get(URL, {"q": "yard"})
    protected_only = client.get(URL, {"protected": "on"})

    assert listed(by_camera) == [episodes["a-desk"].pk]
    assert listed(by_type) == [episodes["a-lobby"].pk, episodes["a-vault"].pk]
    assert listed(by_text) == [episodes["a-desk"].pk]
    assert listed(by_description) == [episodes["a-granted"].pk]
    assert listed(protected_only) == [] and "No episodes match" in protected_only.content.decode()


def test_a_camera_the_user_may_not_view_is_not_a_filter_that_opens_it(client, world, episodes):
    client.force_login(world.bob)

    response = client.get(URL, {"camera": "a-vault"})

    # An unknown choice is ignored like a stale link: bob gets his own cameras, never the vault's.
    assert episodes["a-vault"].pk not in listed(response)


def test_dates_are_the_organization_s_local_days(client, world):
    world.org_a.time_zone = "Asia/Tokyo"
    world.org_a.save()
    tokyo = ZoneInfo("Asia/Tokyo")
    # 23:30 UTC on 4 May is 08:30 on 5 May in Tokyo; 14:59 UTC on 5 May is 23:59 there.
    early = EpisodeFactory(
        camera=world.cameras.lobby, opened_at=dt.datetime(2025, 5, 4, 23, 30, tzinfo=dt.UTC)
    )
    late = EpisodeFactory(
        camera=world.cameras.lobby, opened_at=dt.datetime(2025, 5, 5, 14, 59, tzinfo=dt.UTC)
    )
    EpisodeFactory(camera=world.cameras.lobby, opened_at=dt.datetime(2025, 5, 5, 15, 1, tzinfo=dt.UTC))
    client.force_login(world.alice)

    response = client.get(URL, {"date_from": "2025-05-05", "date_to": "2025-05-05"})

    html = response.content.decode()
    assert listed(response) == [late.pk, early.pk]
    assert early.opened_at.astimezone(tokyo).strftime("%H:%M:%S") == "08:30:00"
    assert ">08:30:00</time>" in html and ">23:59:00</time>" in html
    assert "Monday 5 May 2025" in html and "times in Asia/Tokyo" in html


def test_an_htmx_request_gets_only_the_rows(client, world, episodes):
    client.force_login(world.alice)

    response = client.get(URL, {"type": "vehicle"}, headers=HTMX)

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="episode-rows"') and "<html" not in html
    assert "episode-filters" not in html
    assert listed(response) == [episodes["a-granted"].pk]
    assert "HX-Request" in response["Vary"]


def test_the_list_pages_by_fifty(client, world):
    now = timezone.now()
    Episode.objects.bulk_create(
        Episode(camera=world.cameras.lobby, opened_at=now - dt.timedelta(minutes=n)) for n in range(120)
    )
    client.force_login(world.alice)

    first = client.get(URL)
    last = client.get(URL, {"page": 3}, headers=HTMX)

    assert len(listed(first)) == 50 and len(listed(last)) == 20
    assert "120 episodes" in first.content.decode() and "Page 3 of 3" in last.content.decode()


def test_a_row_plays_the_episode_from_a_few_seconds_before_with_its_picture(client, world):
    opened = dt.datetime(2025, 5, 5, 10, 0, tzinfo=dt.UTC)
    EpisodeFactory(
        camera=world.cameras.desk,
        opened_at=opened,
        preview_at=opened + dt.timedelta(seconds=3),
        closed_at=opened + dt.timedelta(minutes=2, seconds=5),
        protected=True,
    )
    EpisodeFactory(camera=world.cameras.granted, opened_at=opened - dt.timedelta(hours=1))
    client.force_login(world.bob)

    html = unescape(client.get(URL).content.decode())

    at = int(opened.timestamp())
    assert f'href="/cameras/a-desk/?at={at - 5}"' in html
    assert f'src="/media/a-desk/snapshot.jpg?at={at + 3}&width=320"' in html
    assert "2 min 05 s" in html and "Protected" in html
    # bob may watch a-granted live but not its archive: the row plays, with a placeholder picture.
    assert 'href="/cameras/a-granted/' in html and "/media/a-granted/snapshot.jpg" not in html


def test_a_user_without_an_organization_gets_an_empty_state(client, world):
    client.force_login(UserFactory())

    response = client.get(URL)

    assert response.status_code == 200 and "No organization" in response.content.decode()
