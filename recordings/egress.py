"""Counting what the web process serves to players (media bytes and the players themselves).

Each process keeps its own tally and writes it to its `NodeEgress` row every FLUSH_SECONDS, so
a media request costs a lock and an addition, never a database write of its own; the recording
node's heartbeat (cameras.services.nodes.streamer_heartbeat) turns the rows into `output_kbit`
and `total_clients`.
"""

import logging
import os
import threading
import time
import uuid

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.db import DatabaseError
from django.db.models import F
from django.utils import timezone
from django.utils.decorators import sync_and_async_middleware

from cameras.models import NodeEgress
from cameras.services.nodes import node_name

FLUSH_SECONDS = 5.0
CLIENT_WINDOW_SECONDS = 30.0
MEDIA_PREFIXES = ("/media/", "/flussonic/")
PROCESS = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
logger = logging.getLogger(__name__)


class EgressMeter:
    def __init__(self):
        self._lock = threading.Lock()
        self._bytes = 0
        self._clients: dict[tuple, float] = {}
        self._flushed_at = 0.0  # the first request flushes at once

    def count(self, nbytes: int, client: tuple) -> None:
        now = time.monotonic()
        with self._lock:
            self._bytes += nbytes
            self._clients[client] = now
            due = now - self._flushed_at >= FLUSH_SECONDS
        if due:
            try:
                self.flush()
            except DatabaseError:  # counting must never cost a player its answer
                logger.warning("could not record the media served by this process", exc_info=True)

    def flush(self) -> None:
        now = time.monotonic()
        with self._lock:
            sent, self._bytes = self._bytes, 0
            self._clients = {k: t for k, t in self._clients.items() if now - t <= CLIENT_WINDOW_SECONDS}
            clients = len(self._clients)
            self._flushed_at = now
        fields = {"clients": clients, "updated_at": timezone.now()}
        try:
            row, created = NodeEgress.objects.get_or_create(
                hostname=node_name(), process=PROCESS, defaults={**fields, "bytes_total": sent}
            )
            if not created:
                NodeEgress.objects.filter(pk=row.pk).update(bytes_total=F("bytes_total") + sent, **fields)
        except DatabaseError:
            with self._lock:
                self._bytes += sent  # counted at the next flush instead
            raise


METER = EgressMeter()


@sync_and_async_middleware
def EgressMiddleware(get_response):  # noqa: N802 - named as the class it replaced
    """Counts the bytes of every media answer (HLS playlists and segments, previews, exports).

    Async-capable, so a waiting async view (the Watcher long-poll) holds no thread in it.
    """
    if iscoroutinefunction(get_response):

        async def middleware(request):
            response = await get_response(request)
            if _counted(request, response):  # the count may write its row: off the event loop
                await sync_to_async(_count)(request, response)
            return response

    else:

        def middleware(request):
            response = get_response(request)
            if _counted(request, response):
                _count(request, response)
            return response

    return middleware


def _counted(request, response) -> bool:
    return request.path.startswith(MEDIA_PREFIXES) and response.status_code in (200, 206)


def _count(request, response) -> None:
    size = response.get("Content-Length")
    if size is None and not response.streaming:
        size = len(response.content)
    camera = request.path.split("/")[2] if request.path.count("/") >= 2 else ""
    METER.count(int(size or 0), (request.META.get("REMOTE_ADDR", ""), camera))
