"""The daily playback page: a month of recorded shares, a day's local hours, and who may see them."""

import datetime as dt
import re
import uuid
from html import unescape as html_unescape
from zoneinfo import ZoneInfo

import pytest

from recordings.models import Gap, Run
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/recordings/daily/"
HTMX = {"HX-Request": "true"}
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def berlin(world):
    world.org_a.time_zone = "Europe/Berlin"
    world.org_a.save()
    return world


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def record(camera, start: dt.datetime, end: dt.datetime) -> Run:
    return Run.objects.create(camera=camera, run_id=uuid.uuid4(), started_at=start, ended_at=end)


def day_share(html: str, day: str) -> str:
    match = re.search(rf'data-day="{day}".*?class="cal-pct">([^<]*)<', html, re.S)
    assert match, f"no clickable cell for {day}"
    return html_unescape(match.group(1))


def hour_rows(html: str) -> list[str]:
    return re.findall(r'class="hour-row[^"]*"[^>]*data-hour="([^"]+)"', html)


def test_the_calendar_shows_the_share_recorded_on_each_local_day(client, berlin):
    lobby = berlin.cameras.lobby
    record(lobby, local("2025-05-05T00:00"), local("2025-05-06T00:00"))  # all of Monday the 5th
    record(lobby, local("2025-05-06T06:00"), local("2025-05-06T18:00"))  # half of the 6th
    record(lobby, local("2025-05-07T23:59:30"), local("2025-05-08T00:00"))  # 30 s of the 7th
    client.force_login(berlin.alice)

    response = client.get(URL, {"camera": "a-lobby", "month": "2025-05"})

    html = response.content.decode()
    assert response.status_code == 200 and "May 2025" in html
    assert day_share(html, "2025-05-05") == "100%"
    assert day_share(html, "2025-05-06") == "50%"
    assert day_share(html, "2025-05-07") == "<1%"  # some footage never reads as none
    assert day_share(html, "2025-05-08") == "0%"
    assert "36 h 00 min" in html and "on 3 days" in html  # the month's summary
    # Weeks start on Monday: May 2025 begins on a Thursday, after three days of April.
    first_week = html.split('class="cal-row" role="row"')[1]
    assert first_week.count("is-outside") == 3
    assert re.findall(r'role="columnheader">(\w+)<', html)[:2] == ["Mon", "Tue"]


def test_days_to_come_are_dimmed_and_cannot_be_opened(client, berlin):
    client.force_login(berlin.alice)
    html = client.get(URL, {"camera": "a-lobby", "month": "2099-01"}).content.decode()
    assert html.count('class="cal-day is-future"') == 31
    assert '<a class="cal-day' not in html and "This month is still to come" in html


def test_the_default_is_the_first_camera_and_the_current_local_month(client, berlin):
    client.force_login(berlin.alice)
    html = client.get(URL).content.decode()
    today = dt.datetime.now(BERLIN).date()
    options = re.findall(r'<option value="([^"]+)"( selected)?>', html)
    assert len(options) == 5 and options[0][1] == " selected"  # alice's first camera
    assert sum(1 for _, selected in options if selected) == 1
    assert f'value="{today:%Y-%m}"' in html and "is-today" in html


@pytest.mark.parametrize(
    ("day", "count", "repeated"),
    [("2025-10-26", 25, "02:00"), ("2025-03-30", 23, None), ("2025-05-06", 24, None)],
)
def test_a_day_shows_one_bar_per_local_hour_across_dst(client, berlin, day, count, repeated):
    date = dt.date.fromisoformat(day)
    record(berlin.cameras.lobby, local(f"{day}T00:00"), local(f"{date + dt.timedelta(days=1)}T00:00"))
    client.force_login(berlin.alice)

    response = client.get(URL, {"camera": "a-lobby", "day": day}, headers=HTMX)

    html = response.content.decode()
    hours = hour_rows(html)
    assert response.status_code == 200 and "<html" not in html  # only the hours, for htmx
    assert len(hours) == count and all(h.startswith(f"{n:02d}") for n, h in zip([0, 1], hours, strict=False))
    if repeated:  # the fall-back hour twice, told apart by its offset
        assert [h for h in hours if h.startswith(repeated)] == ["02:00+02:00", "02:00+01:00"]
        assert "UTC+02:00" in html and "UTC+01:00" in html
    if count == 23:  # the hour the clocks skip is not there
        assert not any(h.startswith("02:00") for h in hours)
    assert 'id="month-calendar" class="panel cal-panel"' in html and 'hx-swap-oob="true"' in html


def test_an_hour_plays_from_its_first_recorded_instant_and_empty_hours_are_not_links(client, berlin):
    start = local("2025-05-06T10:20:15")
    record(berlin.cameras.lobby, start, local("2025-05-06T10:40"))
    Gap.objects.create(
        camera=berlin.cameras.lobby,
        started_at=local("2025-05-06T10:40"),
        ended_at=local("2025-05-06T10:45"),
        reason="stalled",
    )
    client.force_login(berlin.alice)

    html = client.get(URL, {"camera": "a-lobby", "month": "2025-05", "day": "2025-05-06"}).content.decode()

    links = re.findall(r'<a class="hour-row" href="([^"]+)" data-hour="([^"]+)"', html)
    assert links == [(f"/cameras/a-lobby/?at={int(start.timestamp())}", "10:00+02:00")]
    assert len(hour_rows(html)) == 24
    assert "No data from the source" in html and "10:40:00" in html  # the outage, in local time
    assert '<span class="gap" style="left: 66.667%; width: 8.333%">' in html  # drawn on its hour
    assert 'aria-current="date"' in html  # the chosen day is marked in the calendar


def test_a_viewer_picks_only_cameras_with_archive_rights(client, world):
    client.force_login(world.bob)
    html = client.get(URL).content.decode()
    assert re.findall(r'<option value="([^"]+)"', html) == ["a-desk"]
    assert client.get(URL, {"camera": "a-desk"}).status_code == 200
    assert client.get(URL, {"camera": "a-lobby"}).status_code == 404  # live only, no archive
    assert client.get(URL, {"camera": "a-granted"}).status_code == 404  # export, no archive


def test_another_tenants_camera_is_not_found(client, world):
    client.force_login(world.carol)
    assert client.get(URL, {"camera": "a-lobby"}).status_code == 404
    assert client.get(URL, {"camera": "no-such-camera"}).status_code == 404
    html = client.get(URL).content.decode()
    assert re.findall(r'<option value="([^"]+)"', html) == ["b-gate"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"month": "2025-13"}, "“2025-13” is not a month"),
        ({"month": "May"}, "“May” is not a month"),
        ({"day": "2025-02-30"}, "“2025-02-30” is not a day"),
        ({"day": "20250201"}, "“20250201” is not a day"),
    ],
)
def test_a_bad_month_or_day_says_so_with_a_400(client, world, params, message):
    client.force_login(world.alice)
    response = client.get(URL, {"camera": "a-lobby", **params})
    assert response.status_code == 400 and message in response.content.decode()


def test_without_an_organization_or_archive_rights_the_page_says_why(client, world):
    client.force_login(UserFactory(login="drifter"))
    assert "No organization" in client.get(URL).content.decode()
    newcomer = UserFactory(login="newcomer")
    MembershipFactory(user=newcomer, organization=world.org_a)  # a member without any grant
    client.force_login(newcomer)
    response = client.get(URL)
    assert response.status_code == 200 and "No archive to play" in response.content.decode()
