"""Many concurrent long-polls (issue 7): they wait on the event loop and all wake for one new episode."""

import asyncio
import base64
import time

import pytest
from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.test import AsyncClient
from django.utils import timezone

from recordings.services import episode_create
from tests.factories import PASSWORD

from .conftest import BASE

POLLERS = 100


@pytest.mark.django_db(transaction=True)
def test_a_hundred_concurrent_long_polls_all_return_the_new_episode_promptly(world, settings):
    settings.NVR_WATCHER_POLL_THREAD_SENSITIVE = False  # as in production: steps on the shared executor
    since = int(timezone.now().timestamp() * 1000)
    credentials = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
    url = f"{BASE}/episodes?updated_at_gt={since}&poll_timeout=30"

    async def poll(client):
        async with ThreadSensitiveContext():  # one per request, as Django's ASGIHandler does
            return await client.get(url, headers={"Authorization": f"Basic {credentials}"})

    async def scenario():
        client = AsyncClient()
        polls = [asyncio.create_task(poll(client)) for _ in range(POLLERS)]
        await asyncio.sleep(2)
        assert not any(p.done() for p in polls)
        created = time.monotonic()
        episode = await sync_to_async(episode_create)(camera=world.cameras.lobby, opened_at=timezone.now())
        responses = await asyncio.gather(*polls)
        return episode, responses, time.monotonic() - created

    episode, responses, elapsed = asyncio.run(scenario())
    assert all(r.status_code == 200 for r in responses)
    assert all([e["episode_id"] for e in r.json()["episodes"]] == [episode.id] for r in responses)
    # Woken by the episode, not by their 30 s timeout (how fast is bench material, not a test's).
    assert elapsed < 15
