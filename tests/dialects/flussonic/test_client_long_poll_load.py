"""Many concurrent long-polls (issue 7): they wait on the event loop and all wake for one new episode."""

import asyncio
import base64
import sys
import threading
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


@pytest.mark.django_db(transaction=True)
def test_waiting_long_polls_hold_no_thread_through_the_middleware(world, settings):
    """Every middleware in the request path is async-capable: Django runs a sync one in a thread
    that blocks in async_to_sync on the rest of the chain, so each waiting request parks a thread."""
    settings.NVR_WATCHER_POLL_THREAD_SENSITIVE = False
    since = int(timezone.now().timestamp() * 1000)
    credentials = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
    url = f"{BASE}/episodes?updated_at_gt={since}&poll_timeout=30"
    pollers = 40

    async def poll(client):
        async with ThreadSensitiveContext():
            return await client.get(url, headers={"Authorization": f"Basic {credentials}"})

    async def scenario():
        client = AsyncClient()
        polls = [asyncio.create_task(poll(client)) for _ in range(pollers)]
        await asyncio.sleep(2)
        waiting_threads = parked_threads()
        assert not any(p.done() for p in polls)
        await sync_to_async(episode_create)(camera=world.cameras.lobby, opened_at=timezone.now())
        responses = await asyncio.gather(*polls)
        return waiting_threads, responses

    waiting_threads, responses = asyncio.run(scenario())
    assert all(r.status_code == 200 for r in responses)
    assert waiting_threads == 0, f"{waiting_threads} threads parked by {pollers} waiting long-polls"


def parked_threads() -> int:
    """Threads blocked in asgiref's async_to_sync, waiting for a coroutine to finish."""
    return sum(
        any(f.f_code.co_qualname == "AsyncToSync.__call__" for f in _stack(frame))
        for ident, frame in sys._current_frames().items()
        if ident != threading.get_ident()
    )


def _stack(frame):
    while frame is not None:
        yield frame
        frame = frame.f_back
