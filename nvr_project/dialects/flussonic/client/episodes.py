"""Episodes (catalog §5.4.1, §6.17, §3.5): `episodes_list`, with its long-poll.

`GET /episodes?updated_at_gt=T&poll_timeout=N` with nothing newer than T waits up to N seconds.
It waits in an async view (`episodes_list`), on the event loop: while it waits no code of ours
runs on a thread and no database connection is open (each short step runs on the shared executor
and closes its connection). Django's ASGI handler still parks one idle thread per request in
flight (its request_started signal opens a per-request executor); that is Django's, not ours.
The page itself is built by the ordinary DRF view (`EpisodeListView`), so auth, filters, cursors
and errors are the dialect's. The waiter wakes on `episode.created` in the organizations' groups
(nvr_project.events) and, because the embedded in-memory channel layer does not cross processes
(a recorder or a Celery worker creates episodes elsewhere), also re-checks the rows every
POLL_TICK_S seconds (SAFETY_TICK_S with a layer that does cross them)."""

import asyncio
import base64
import datetime as dt
import logging
import time

from asgiref.sync import sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.db.models import Case, CharField, F, Max, Q, QuerySet, Value, When
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from cameras.models import Camera
from nvr_project import events
from organizations.choices import Action
from organizations.selectors import organization_list_for_user
from recordings.choices import EpisodeType
from recordings.models import Episode
from recordings.playback.tokens import media_token_issue

from ..collections import Collection, Field, Selection
from ..errors import BadParameter
from ..openapi import INT, TEXT, UTC_MS, collection, collection_parameters, component, obj, responses
from .base import WatcherClientView
from .streams import utc_ms

logger = logging.getLogger(__name__)

MAX_POLL_TIMEOUT_S = 120
POLL_TICK_S = 0.5  # re-check of the rows: the in-memory layer does not cross processes
SAFETY_TICK_S = 5.0  # with a layer that crosses processes (Redis) the rows are a safety net only


def _episode_type(request):
    # §6.17: `generic` covers motion; the other types are named alike in both vocabularies.
    return Case(
        When(episode_type=EpisodeType.MOTION, then=Value(EpisodeType.GENERIC)),
        default=F("episode_type"),
        output_field=CharField(),
    )


EPISODE_FIELDS = {
    "episode_id": Field("id", "int"),
    "media": Field("camera__name"),
    "opened_at": Field("opened_at", "utc_ms"),
    "updated_at": Field("updated_at", "utc_ms"),
    "started_at": Field("started_at", "utc_ms", nullable=True),
    "closed_at": Field("closed_at", "utc_ms", nullable=True),
    "close_reason": Field("close_reason"),
    "preview_timestamp": Field("preview_at", "utc_ms", nullable=True),
    "episode_type": Field(_episode_type),
}


def _search(queryset, q: str):
    """§5.4.1: context search needs an inference server we do not have; titles and descriptions match."""
    return queryset.filter(Q(title__icontains=q) | Q(description__icontains=q))


EPISODES = Collection(
    fields=EPISODE_FIELDS,
    items_key="episodes",
    default_sort=("-opened_at",),
    required=("episode_id", "media", "opened_at", "updated_at"),
    search=_search,
    # Accepted and not applied yet: they need person identification (issue 7, persons).
    extra_params=frozenset({"poll_timeout", "group_view", "is_unknown", "person_id"}),
)


EPISODE_SCHEMA = component(
    "Episode",
    obj(
        *EPISODES.required,
        episode_id=INT,
        media=TEXT,
        opened_at=UTC_MS,
        updated_at=UTC_MS,
        started_at=UTC_MS,
        closed_at=UTC_MS,
        preview_timestamp=UTC_MS,
        episode_type=TEXT,
        close_reason=TEXT,
        episode_appearance_timestamps={},
        preview={"type": "string", "format": "byte"},
        frame_preview={"type": "string", "format": "byte"},
        playback_token=TEXT,
    ),
)


def episode_queryset(user) -> QuerySet[Episode]:
    """Episodes of the cameras the user may view (§5.4.1)."""
    return Episode.objects.filter(camera__in=Camera.objects.for_user(user, Action.VIEW)).select_related(
        "camera"
    )


def _image(field) -> str | None:
    if not field:
        return None
    try:
        with field.open("rb") as handle:
            return base64.b64encode(handle.read()).decode()
    except OSError:
        return None


class EpisodeSerializer(serializers.BaseSerializer):
    """Episode → §6.17; `context` says which costly parts (`preview`, tokens) the selection wants."""

    def to_representation(self, episode: Episode) -> dict:
        ctx = self.context
        kind = EpisodeType.GENERIC if episode.episode_type == EpisodeType.MOTION else episode.episode_type
        item = {
            "episode_id": episode.id,
            "media": episode.camera.name,
            "opened_at": utc_ms(episode.opened_at),
            "updated_at": utc_ms(episode.updated_at),
            "episode_type": kind,
        }
        for key, moment in (
            ("started_at", episode.started_at),
            ("closed_at", episode.closed_at),
            ("preview_timestamp", episode.preview_at),
        ):
            if moment is not None:
                item[key] = utc_ms(moment)
        if episode.close_reason:
            item["close_reason"] = episode.close_reason
        if episode.appearance:
            item["episode_appearance_timestamps"] = episode.appearance
        for key, field in (("preview", episode.preview), ("frame_preview", episode.frame_preview)):
            if ctx["selection"].wants(key) and (data := _image(field)) is not None:
                item[key] = data
        if ctx["selection"].wants("playback_token"):
            item["playback_token"] = media_token_issue(
                user=ctx["user"], camera_id=episode.camera_id, session=ctx.get("session")
            )
        for key, value in (episode.payload or {}).items():  # face / vehicle details (§6.17 variants)
            item.setdefault(key, value)
        return item


def poll_timeout(params) -> float:
    raw = params.get("poll_timeout")
    if raw in (None, ""):
        return 0
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1
    if not 0 <= seconds <= MAX_POLL_TIMEOUT_S or seconds != seconds:
        raise BadParameter("poll_timeout", f"poll_timeout must be 0..{MAX_POLL_TIMEOUT_S} seconds")
    return seconds


class EpisodeListView(WatcherClientView):
    """One page of episodes; the async `episodes_list` around it decides whether to wait."""

    @extend_schema(
        operation_id="episodes_list",
        parameters=[
            *collection_parameters(EPISODES),
            OpenApiParameter("updated_at_gt", int, description="utc_ms: only episodes updated after it"),
            OpenApiParameter(
                "poll_timeout",
                {"type": "number", "minimum": 0, "maximum": MAX_POLL_TIMEOUT_S},
                description="long-poll: wait up to N s (§3.5)",
            ),
        ],
        responses=responses(collection(EPISODES, EPISODE_SCHEMA), 400),
    )
    def get(self, request):
        timeout = poll_timeout(request.query_params)

        def serialize(rows, selection: Selection):
            context = {"selection": selection, "user": self.user, "session": self.session}
            return EpisodeSerializer(rows, many=True, context=context).data

        page = EPISODES.page(request, episode_queryset(self.user), serialize)
        response = Response(page)
        since = request.query_params.get("updated_at_gt")
        if timeout and since and not page["episodes"]:
            # Read by `episodes_list`: what to watch while waiting (§3.5).
            response.long_poll = (
                self.user,
                EPISODE_FIELDS["updated_at"].parse(since, "updated_at_gt"),
                timeout,
            )
        return response


_page_view = EpisodeListView.as_view()


def _step(fn):
    """`fn` as an awaitable step that leaves no database connection open behind it.

    Steps run on the shared executor, not on a thread of the request's own, so a waiting poll
    holds no thread. NVR_WATCHER_POLL_THREAD_SENSITIVE=True runs them on the caller's thread and
    connection instead: tests that keep their rows in an open transaction need that.
    """

    def run(*args):
        try:
            return fn(*args)
        finally:
            if not connection.in_atomic_block:  # a test's (or a caller's) transaction keeps its own
                connection.close()

    sensitive = settings.NVR_WATCHER_POLL_THREAD_SENSITIVE
    return sync_to_async(run, thread_sensitive=sensitive)


def _page(request):
    """Run the DRF view and render it."""
    response = _page_view(request)
    response.render()
    return response


def _visible_camera_ids(user) -> list[int]:
    return list(Camera.objects.for_user(user, Action.VIEW).values_list("pk", flat=True))


def _newer(camera_ids: list[int], since):
    """The latest `updated_at` past `since` on these cameras, or None: the one-query wake test."""
    # `since` is a utc_ms the client read from us: an episode stored with µs inside that same
    # millisecond is the one it already has (collections._time_condition).
    episodes = Episode.objects.filter(
        camera_id__in=camera_ids, updated_at__gte=since + dt.timedelta(milliseconds=1)
    )
    return episodes.aggregate(latest=Max("updated_at"))["latest"]


def _group_names(user) -> list[str]:
    organizations = organization_list_for_user(user=user).values_list("pk", flat=True)
    return [events.organization_group(pk) for pk in organizations]


@login_not_required  # the dialect answers 401 itself
async def episodes_list(request):
    """GET /episodes: a page at once, or, for an empty long-poll, the page once something is newer."""
    response = await _step(_page)(request)
    if not hasattr(response, "long_poll"):
        return response
    user, since, timeout = response.long_poll
    deadline = time.monotonic() + timeout
    camera_ids = await _step(_visible_camera_ids)(user)  # the final page re-applies every rule
    layer = get_channel_layer()
    channel = await layer.new_channel() if layer is not None else None
    groups = await _step(_group_names)(user) if layer is not None else []
    tick = SAFETY_TICK_S if layer is not None and not isinstance(layer, InMemoryChannelLayer) else POLL_TICK_S
    try:
        for group in groups:
            await layer.group_add(group, channel)
    except Exception:  # no layer to wake us (Redis down): the row check below still answers
        logger.warning("long-poll: could not join the event groups; checking rows only", exc_info=True)
        channel, groups, tick = None, [], min(tick, POLL_TICK_S)
    try:
        while (left := deadline - time.monotonic()) > 0:
            await _next_news(layer, channel, min(tick, left))
            latest = await _step(_newer)(camera_ids, since)
            if latest is None:
                continue
            response = await _step(_page)(request)
            if not hasattr(response, "long_poll"):
                return response
            since = latest  # newer episodes, none matching the filters: wait for later ones
        return response
    finally:
        for group in groups:
            try:
                await layer.group_discard(group, channel)
            except Exception:  # the group's entry expires on its own
                logger.warning("long-poll: could not leave %s", group, exc_info=True)


episodes_list.watcher_methods = ("GET",)
episodes_list.cls, episodes_list.initkwargs = EpisodeListView, {}  # drf-spectacular describes the page view


async def _next_news(layer, channel: str | None, seconds: float) -> None:
    """Return when an episode.created message arrives on `channel` or `seconds` have passed."""
    if channel is None:
        await asyncio.sleep(seconds)
        return
    deadline = time.monotonic() + seconds
    try:
        while (left := deadline - time.monotonic()) > 0:
            message = await asyncio.wait_for(layer.receive(channel), timeout=left)
            if message.get("type") == events.EPISODE_CREATED:
                return
    except TimeoutError:
        return
    except Exception:  # a broken layer connection must not fail the poll: the row check still runs
        logger.warning("long-poll: the channel layer failed; waiting for the row check", exc_info=True)
        await asyncio.sleep(max(0.0, deadline - time.monotonic()))
