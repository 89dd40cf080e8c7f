"""Times go out truncated to ms; a filter with a time read from us compares as the client saw it."""

import datetime as dt
import time

from django.utils import timezone

from tests.factories import EpisodeFactory


def test_updated_at_gt_with_an_episodes_own_time_excludes_that_episode(world, api):
    moment = timezone.now().replace(microsecond=123_456)  # stored with µs, shown as ...123 ms
    episode = EpisodeFactory(camera=world.cameras.lobby, opened_at=moment - dt.timedelta(minutes=1))
    type(episode).objects.filter(pk=episode.pk).update(updated_at=moment)
    (shown,) = api("GET", "/episodes", login="alice").json()["episodes"]
    since = shown["updated_at"]
    assert api("GET", f"/episodes?updated_at_gt={since}", login="alice").json()["episodes"] == []
    assert len(api("GET", f"/episodes?updated_at_gte={since}", login="alice").json()["episodes"]) == 1
    assert len(api("GET", f"/episodes?updated_at_lte={since}", login="alice").json()["episodes"]) == 1
    assert api("GET", f"/episodes?updated_at_lt={since}", login="alice").json()["episodes"] == []
    assert len(api("GET", f"/episodes?updated_at_gt={since - 1}", login="alice").json()["episodes"]) == 1


def test_a_long_poll_from_the_last_seen_episode_waits_instead_of_returning_it_again(world, api):
    moment = timezone.now().replace(microsecond=500_900)
    episode = EpisodeFactory(camera=world.cameras.lobby, opened_at=moment - dt.timedelta(minutes=1))
    type(episode).objects.filter(pk=episode.pk).update(updated_at=moment)
    since = api("GET", "/episodes", login="alice").json()["episodes"][0]["updated_at"]
    started = time.monotonic()
    response = api("GET", f"/episodes?updated_at_gt={since}&poll_timeout=1", login="alice")
    assert response.json()["episodes"] == [] and time.monotonic() - started >= 0.9
