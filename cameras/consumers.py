"""Realtime relay: a dashboard page joins its organization's group and receives its events.

On connect the page gets a `hello` with the status of every camera it may view. A user hears
of the cameras they may view and nothing else: events that name a camera are
relayed only when that camera is among the user's (the set is read at connect and again when an
unknown camera's news arrives, so a new grant takes effect without reconnecting).

The socket lives only as long as the sign-in that opened it: every SESSION_CHECK_S the session is
read again, and a disabled user, a changed password or a logout closes it (code 4401), whichever
channel layer is configured.

The embedded defaults use the in-memory channel layer, which does not cross processes, and the
recorder runs in the Celery ingest worker, not in the web process. There the consumer also
watches its cameras' rows (one query every WATCH_INTERVAL_S) and sends what changed, so a
status change reaches the page whichever layer is configured.
"""

import asyncio
from importlib import import_module
from types import SimpleNamespace

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib import auth

from cameras.models import Camera
from nvr_project import events
from organizations.choices import Action
from organizations.middleware import current_organization

WATCH_INTERVAL_S = 1.0
SESSION_CHECK_S = 2.0
CLOSE_SIGNED_OUT = 4401
_STATUS_FIELDS = (
    "name",
    "status",
    "status_reason",
    "video_codec",
    "width",
    "height",
    "audio_transcoded",
    "bitrate",
)


def layer_crosses_processes() -> bool:
    backend = settings.CHANNEL_LAYERS.get("default", {}).get("BACKEND", "")
    return not backend.endswith("InMemoryChannelLayer")


def status_payload(row: dict) -> dict:
    """The `camera.status` payload from a camera row (events.camera_status_payload)."""
    return events.camera_status_payload(
        camera=row["name"],
        status=row["status"],
        reason=row["status_reason"],
        video_codec=row["video_codec"],
        width=row["width"],
        height=row["height"],
        audio_transcoded=row["audio_transcoded"],
        bitrate=row["bitrate"],
    )


class OrganizationEventsConsumer(AsyncJsonWebsocketConsumer):
    """Camera status, new episodes and job progress for the organization chosen in the session."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_SIGNED_OUT)
            return
        self.organization = await database_sync_to_async(self._organization)()
        if self.organization is None:
            await self.close(code=4404)
            return
        self.visible = await database_sync_to_async(self._visible_cameras)()
        self._told: dict[str, tuple] = {}
        self.group = events.organization_group(self.organization.id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        # Where things stand now, so a page rendered a moment ago (or reconnecting after a drop)
        # catches up on what changed before its socket was open.
        rows, last_episode = await database_sync_to_async(self._snapshot)()
        self._told = {name: (row["status"], row["status_reason"]) for name, row in rows.items()}
        await self.send_json(
            {"type": "hello", "payload": {"cameras": [status_payload(r) for r in rows.values()]}}
        )
        if not layer_crosses_processes():
            self._watcher = asyncio.ensure_future(self._watch(last_episode))
        self._guard = asyncio.ensure_future(self._guard_session())

    async def _guard_session(self):
        still_signed_in = database_sync_to_async(self._still_signed_in)
        while True:
            await asyncio.sleep(SESSION_CHECK_S)
            if not await still_signed_in():
                # Hear nothing more even before the client acknowledges the close.
                await self.channel_layer.group_discard(self.group, self.channel_name)
                watcher = getattr(self, "_watcher", None)
                if watcher is not None:
                    watcher.cancel()
                await self.close(code=CLOSE_SIGNED_OUT)
                return

    def _still_signed_in(self) -> bool:
        """Whether the session that opened the socket still signs in this user, read afresh.

        Django's own check, as on the next page load: the session exists, its user is active
        (LoginBackend.get_user) and its password hash is the user's current one.
        """
        key = self.scope["session"].session_key
        store = import_module(settings.SESSION_ENGINE).SessionStore(key)
        user = auth.get_user(SimpleNamespace(session=store))
        return user.is_authenticated and user.pk == self.scope["user"].pk

    def _organization(self):
        class _Request:  # current_organization reads only .user and .session
            user = self.scope["user"]
            session = self.scope["session"]

        return current_organization(_Request)

    def _cameras(self):
        return Camera.objects.for_user(self.scope["user"], Action.VIEW, organization=self.organization)

    def _visible_cameras(self) -> set[str]:
        return set(self._cameras().values_list("name", flat=True))

    async def disconnect(self, code):
        for task in (getattr(self, "_watcher", None), getattr(self, "_guard", None)):
            if task is not None:
                task.cancel()
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def _relay(self, event):
        camera = event["payload"].get("camera")
        if camera is not None and camera not in self.visible:
            self.visible = await database_sync_to_async(self._visible_cameras)()
            if camera not in self.visible:
                return
        if event["type"] == events.CAMERA_STATUS:
            self._told[camera] = (event["payload"].get("status"), event["payload"].get("reason", ""))
        await self.send_json({"type": event["type"], "payload": event["payload"]})

    camera_status = camera_changed = episode_created = job_progress = _relay

    # --- the embedded defaults: news from the rows ------------------------------------------------
    def _snapshot(self) -> tuple[dict[str, dict], int]:
        rows = {row["name"]: row for row in self._cameras().values(*_STATUS_FIELDS)}
        from recordings.models import Episode  # recordings depends on cameras, not the reverse

        last_episode = (
            Episode.objects.filter(camera__organization=self.organization)
            .order_by("-id")
            .values_list("id", flat=True)
            .first()
        )
        return rows, last_episode or 0

    def _new_episodes(self, after: int) -> list[dict]:
        from recordings.models import Episode

        return list(
            Episode.objects.filter(camera__in=self._cameras(), id__gt=after)
            .order_by("id")
            .values("id", "camera__name", "episode_type", "opened_at", "title")
        )

    async def _watch(self, last_episode: int):
        snapshot = database_sync_to_async(self._snapshot)
        while True:
            await asyncio.sleep(WATCH_INTERVAL_S)
            current, newest = await snapshot()
            self.visible = set(current)
            for name, row in current.items():
                # What the page was last told, by this watch or by a relayed event: never twice.
                if self._told.get(name) != (row["status"], row["status_reason"]):
                    self._told[name] = (row["status"], row["status_reason"])
                    await self.send_json({"type": events.CAMERA_STATUS, "payload": status_payload(row)})
            if newest > last_episode:
                for episode in await database_sync_to_async(self._new_episodes)(last_episode):
                    payload = events.episode_created_payload(
                        camera=episode["camera__name"],
                        episode_id=episode["id"],
                        episode_type=episode["episode_type"],
                        opened_at=episode["opened_at"],
                        title=episode["title"],
                    )
                    await self.send_json({"type": events.EPISODE_CREATED, "payload": payload})
            last_episode = newest
