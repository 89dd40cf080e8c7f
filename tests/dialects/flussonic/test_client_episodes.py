"""`episodes_list` (catalog §5.4.1, §6.17) and its long-poll (§3.5): filters, waking, timing out."""

import datetime as dt
import threading
import time

import pytest
from django.test import Client
from django.utils import timezone

from recordings.services import episode_create
from tests.factories import EpisodeFactory

from .conftest import BASE, basic


def ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def test_filters_by_stream_type_and_update_time(world, api):
    old = EpisodeFactory(camera=world.cameras.lobby, episode_type="face")
    EpisodeFactory(camera=world.cameras.desk, episode_type="vehicle", payload={"license_plate_text": "A123"})
    later = timezone.now() + dt.timedelta(seconds=1)
    newer = EpisodeFactory(camera=world.cameras.lobby, updated_at=later)
    lobby = api("GET", "/episodes?media=a-lobby&select=episode_id", login="alice").json()
    assert {e["episode_id"] for e in lobby["episodes"]} == {old.id, newer.id}
    assert set(lobby["episodes"][0]) == {"episode_id", "media", "opened_at", "updated_at"}  # required kept
    vehicles = api("GET", "/episodes?episode_type=vehicle", login="alice").json()["episodes"]
    assert [e["license_plate_text"] for e in vehicles] == ["A123"]
    since = api("GET", f"/episodes?updated_at_gt={ms(later) - 1}", login="alice").json()
    assert [e["episode_id"] for e in since["episodes"]] == [newer.id]


def test_a_bad_poll_timeout_is_400_naming_it(world, api):
    response = api("GET", "/episodes?updated_at_gt=1637094994000&poll_timeout=soon", login="alice")
    assert response.status_code == 400
    assert response.json()["errors"][0]["source"] == {"parameter": "poll_timeout"}


def test_a_long_poll_with_news_answers_at_once(world, api):
    EpisodeFactory(camera=world.cameras.lobby)
    started = time.monotonic()
    body = api("GET", "/episodes?updated_at_gt=1000000000000&poll_timeout=30", login="alice").json()
    assert len(body["episodes"]) == 1 and time.monotonic() - started < 1


def test_a_long_poll_without_news_holds_until_its_timeout(world, api):
    since = ms(timezone.now())
    started = time.monotonic()
    body = api("GET", f"/episodes?updated_at_gt={since}&poll_timeout=1", login="alice").json()
    assert body["episodes"] == [] and 1 <= time.monotonic() - started < 2.5


def _poll_in_thread(login: str, since: int, timeout: int) -> tuple[threading.Thread, dict]:
    result = {}

    def poll():
        response = Client().get(
            f"{BASE}/episodes?updated_at_gt={since}&poll_timeout={timeout}", **basic(login)
        )
        result["body"], result["at"] = response.json(), time.monotonic()

    thread = threading.Thread(target=poll)
    thread.start()
    return thread, result


@pytest.mark.django_db(transaction=True)
def test_a_long_poll_returns_within_a_second_of_a_new_episode(world):
    thread, result = _poll_in_thread("alice", ms(timezone.now()), 10)
    time.sleep(0.5)
    created_at = time.monotonic()
    episode = episode_create(camera=world.cameras.lobby, opened_at=timezone.now())
    thread.join(5)
    assert [e["episode_id"] for e in result["body"]["episodes"]] == [episode.id]
    assert result["at"] - created_at < 1


@pytest.mark.django_db(transaction=True)
def test_a_long_poll_does_not_wake_for_an_episode_it_may_not_see(world):
    thread, result = _poll_in_thread("bob", ms(timezone.now()), 2)
    time.sleep(0.3)
    started = time.monotonic()
    episode_create(camera=world.cameras.vault, opened_at=timezone.now())  # bob has no grant on Vault
    thread.join(5)
    assert result["body"]["episodes"] == [] and result["at"] - started > 1
