"""Streams (catalog §5.2, §6.1-6.3): `streams_list` and `stream_get` over the caller's cameras."""

import datetime as dt

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from cameras.access import access_camera
from cameras.choices import CameraStatus, NamedBy
from cameras.models import Camera, CameraInput
from organizations.models import Folder
from recordings.models import Episode
from recordings.playback.storage import storage_by_camera
from recordings.playback.timeline import recorded_ranges
from recordings.playback.tokens import media_token_issue

from ..collections import Collection, Field, Selection
from ..openapi import (
    BOOL,
    FREE,
    INT,
    NUMBER,
    TEXT,
    UTC_MS,
    array,
    collection,
    collection_parameters,
    component,
    obj,
    responses,
)
from .base import WatcherClientView

ALIVE_WITHIN = dt.timedelta(milliseconds=12000)  # §6.2: alive turns false when ts_delay > 12000 ms
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def utc_ms(moment: dt.datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1000)


def utc_s(moment: dt.datetime) -> int:
    return int(moment.timestamp())


# --- fields usable in filters and sort -----------------------------------------------------------


def _alive(request):
    cutoff = timezone.now() - ALIVE_WITHIN
    return Case(
        When(last_frame_at__gte=cutoff, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


def _status(request):
    return Case(
        When(status=CameraStatus.RUNNING, then=Value("running")),
        When(status=CameraStatus.ERROR, then=Value("error")),
        default=Value("waiting"),
        output_field=CharField(),
    )


def _disabled(request):
    return Case(When(enabled=False, then=Value(True)), default=Value(False), output_field=BooleanField())


def _named_by(request):
    # §3.2: streams sort config, user, remote by default.
    return Case(
        When(named_by=NamedBy.CONFIG, then=Value(0)),
        When(named_by=NamedBy.USER, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def _last_episode_at(request):
    return Subquery(
        Episode.objects.filter(camera=OuterRef("pk")).order_by("-opened_at").values("opened_at")[:1]
    )


def _is_favourite(request):
    through = Camera.favourited_by.through
    return Exists(through.objects.filter(camera_id=OuterRef("pk"), user_id=request.user.pk))


STREAM_FIELDS = {
    "name": Field("name"),
    "title": Field("title"),
    "comment": Field("comment"),
    "static": Field("static", "bool"),
    "disabled": Field(_disabled, "bool"),
    "organization_id": Field("organization_id", "int"),
    "folder_id": Field("folder_id", "int", nullable=True),
    "preset_id": Field("preset_id", "int", nullable=True),
    "is_favourite": Field(_is_favourite, "bool"),
    "notifications_enabled": Field("notifications_enabled", "bool"),
    "postal_address": Field("postal_address"),
    "last_episode_at": Field(_last_episode_at, "utc_ms", nullable=True),
    "coordinates.latitude": Field("latitude", "float", nullable=True),
    "coordinates.longitude": Field("longitude", "float", nullable=True),
    "onvif.ptz": Field("ptz_enabled", "bool"),
    "dvr.expiration": Field("dvr_depth", "int", nullable=True),
    "dvr.storage_limit": Field("dvr_space_limit", "int", nullable=True),
    "dvr.episodes_expiration": Field("episodes_expiration", "int", nullable=True),
    "dvr.redundancy_factor": Field("redundancy_factor", "int"),
    "stats.alive": Field(_alive, "bool"),
    "stats.bitrate": Field("bitrate", "int"),
    "stats.status": Field(_status),
    "stats.last_dts_at": Field("last_frame_at", "utc_ms", nullable=True),
    "stats.current_agent_id": Field("agent_id"),
    "position": Field("position", "int", returned=False),
    "named_by": Field(_named_by, "int", returned=False),
}


def _search(queryset, q: str):
    """§5.2.1: `q` matches name, title, input URLs, etc."""
    inputs = CameraInput.objects.filter(camera=OuterRef("pk"), url__icontains=q)
    return queryset.filter(
        Q(name__icontains=q)
        | Q(title__icontains=q)
        | Q(comment__icontains=q)
        | Q(postal_address__icontains=q)
        | Exists(inputs)
    )


STREAMS = Collection(
    fields=STREAM_FIELDS,
    items_key="streams",
    default_sort=("named_by", "position", "name"),
    required=("name",),
    search=_search,
)


# --- representation ------------------------------------------------------------------------------

_RANGE = obj(duration=INT, opened_at=UTC_MS, closed_at=UTC_MS, **{"from": INT})
_DVR_INFO = obj(
    "ranges", depth=INT, ranges=array(_RANGE), bytes=INT, disk_size=INT, duration=INT, **{"from": INT}
)
_TRACK = obj("content", content=TEXT, track_id=TEXT, codec=TEXT, width=INT, height=INT, fps=NUMBER)
_STATS = obj(
    status={"type": "string", "enum": ["running", "waiting", "error"]},
    alive=BOOL,
    bitrate=INT,
    lifetime=INT,
    input_error_rate=INT,
    retry_count=INT,
    media_info=obj(flow_type=TEXT, tracks=array(_TRACK)),
    last_dts_at=UTC_MS,
    ts_delay=INT,
    current_agent_id=TEXT,
    dvr_info=_DVR_INFO,
    playback_token=TEXT,
    streaming_endpoint=TEXT,
)
_INPUT = obj(
    "url",
    "priority",
    url=TEXT,
    priority=INT,
    comment=TEXT,
    user_agent=TEXT,
    via=TEXT,
    output_audio=TEXT,
    headers={"type": "object", "additionalProperties": TEXT},
    **{k: NUMBER for k in ("source_timeout", "video_timeout", "audio_timeout", "frames_timeout")},
    **{k: NUMBER for k in ("max_retry_timeout", "timeout")},
)
STREAM_SCHEMA = component(
    "Stream",
    obj(
        "name",  # with `select`, only what was asked for comes back, and `name` always (§3.2)
        name=TEXT,
        title=TEXT,
        comment=TEXT,
        static=BOOL,
        disabled=BOOL,
        organization_id=INT,
        folder_id=INT,
        preset_id=INT,
        is_favourite=BOOL,
        notifications_enabled=BOOL,
        postal_address=TEXT,
        onvif=obj(ptz=BOOL),
        audio=obj(transcode_audio_codec=TEXT, disabled=BOOL),
        dvr=obj(expiration=INT, storage_limit=INT, episodes_expiration=INT, redundancy_factor=INT),
        vision=FREE,
        inputs=array(_INPUT),
        last_change=obj(created_at=UTC_MS, user=TEXT),
        coordinates=obj(latitude=NUMBER, longitude=NUMBER),
        last_episode_at=UTC_MS,
        firmware_update_duration=INT,
        path=array(obj("id", "title", id=INT, title=TEXT)),
        stats=_STATS,
    ),
)
SELECT = OpenApiParameter("select", str, description="comma-separated dotted fields to return")


def streaming_endpoint(request) -> str:
    """Base URL of the media routes for `${endpoint}/${name}/index.m3u8?token=…` (flussonic-media-urls.md).

    The Flussonic forms are mounted at /flussonic/, beside (not under) our own /media/ API: both
    have an `info.json` of their own shape, and a missing token is 403 there, 401 in ours.
    """
    return request.build_absolute_uri("/flussonic").rstrip("/")


class StreamSerializer(serializers.BaseSerializer):
    """Camera → Stream. `context` holds the per-page lookups built by `stream_page_context`."""

    def to_representation(self, camera: Camera) -> dict:
        ctx = self.context
        now = ctx["now"]
        item = {
            "name": camera.name,
            "title": camera.title,
            "comment": camera.comment,
            "static": camera.static,
            "disabled": not camera.enabled,
            "organization_id": camera.organization_id,
            "is_favourite": bool(getattr(camera, "_is_favourite", False)),
            "notifications_enabled": camera.notifications_enabled,
            "postal_address": camera.postal_address,
            "onvif": {"ptz": camera.ptz_enabled},
            "audio": {
                "transcode_audio_codec": camera.audio_transcode_codec,
                "disabled": not camera.record_audio,
            },
            "dvr": _dvr(camera),
            "vision": camera.vision or {},
            "last_change": {"created_at": utc_ms(camera.updated_at)},
        }
        if camera.last_change_user is not None:
            item["last_change"]["user"] = camera.last_change_user.login
        for key, value in (("folder_id", camera.folder_id), ("preset_id", camera.preset_id)):
            if value is not None:
                item[key] = value
        if camera.latitude is not None and camera.longitude is not None:
            item["coordinates"] = {"latitude": camera.latitude, "longitude": camera.longitude}
        if getattr(camera, "_last_episode_at", None) is not None:
            item["last_episode_at"] = utc_ms(camera._last_episode_at)
        if camera.firmware_update_started_at is not None and (
            camera.firmware_update_ends_at is None or now < camera.firmware_update_ends_at
        ):  # present only while an update runs: the upload, then the down time the camera announced
            item["firmware_update_duration"] = int(
                (now - camera.firmware_update_started_at).total_seconds() * 1000
            )
        if ctx.get("inputs"):
            item["inputs"] = [_input(i) for i in camera.inputs.all()]
        if "folders" in ctx:
            item["path"] = _path(camera.folder_id, ctx["folders"])
        item["stats"] = _stats(camera, ctx, now)
        return item


def _dvr(camera: Camera) -> dict:
    dvr = {"redundancy_factor": camera.redundancy_factor}
    for key, value in (
        ("expiration", camera.dvr_depth),
        ("storage_limit", camera.dvr_space_limit),
        ("episodes_expiration", camera.episodes_expiration),
    ):
        if value is not None:
            dvr[key] = value
    return dvr


def _input(camera_input: CameraInput) -> dict:
    item = {"url": camera_input.url, "priority": camera_input.position + 1}
    for key, value in (
        ("comment", camera_input.comment),
        ("source_timeout", camera_input.source_timeout),
        ("video_timeout", camera_input.video_timeout),
        ("audio_timeout", camera_input.audio_timeout),
        ("frames_timeout", camera_input.frames_timeout),
        ("max_retry_timeout", camera_input.max_retry_timeout),
        ("timeout", camera_input.switch_timeout),
        ("user_agent", camera_input.user_agent),
        ("via", camera_input.via),
        ("output_audio", camera_input.output_audio),
        ("headers", camera_input.headers),
    ):
        if value not in (None, "", {}):
            item[key] = value
    return item


def _path(folder_id: int | None, folders: dict[int, tuple[int | None, str]]) -> list[dict]:
    path, seen = [], set()
    while folder_id is not None and folder_id in folders and folder_id not in seen:
        seen.add(folder_id)
        parent, title = folders[folder_id]
        path.append({"id": folder_id, "title": title})
        folder_id = parent
    return path[::-1]


def _stats(camera: Camera, ctx: dict, now: dt.datetime) -> dict:
    status = {CameraStatus.RUNNING: "running", CameraStatus.ERROR: "error"}.get(camera.status, "waiting")
    observed = camera.stats or {}
    stats = {
        "status": status,
        "alive": camera.last_frame_at is not None and now - camera.last_frame_at <= ALIVE_WITHIN,
        "bitrate": camera.bitrate,
        "lifetime": _lifetime(camera, now),
        "input_error_rate": int(observed.get("error_rate", 0) or 0),
        "retry_count": int(observed.get("retries", 0) or 0),
        "media_info": _media_info(camera),
    }
    if camera.last_frame_at is not None:
        stats["last_dts_at"] = utc_ms(camera.last_frame_at)
        stats["ts_delay"] = max(0, int((now - camera.last_frame_at).total_seconds() * 1000))
    if camera.agent_id:
        stats["current_agent_id"] = camera.agent_id
    if "ranges" in ctx:
        dvr_info = _dvr_info(ctx["ranges"].get(camera.id, []), ctx["storage"].get(camera.id, {}))
        if dvr_info is not None:
            stats["dvr_info"] = dvr_info
    if ctx.get("tokens"):
        stats["playback_token"] = media_token_issue(
            user=ctx["user"], camera_id=camera.id, session=ctx.get("session")
        )
        stats["streaming_endpoint"] = ctx["endpoint"]
    return stats


def _lifetime(camera: Camera, now: dt.datetime) -> int:
    if camera.status != CameraStatus.RUNNING or camera.status_changed_at is None:
        return 0
    return max(0, int((now - camera.status_changed_at).total_seconds() * 1000))


def _media_info(camera: Camera) -> dict:
    tracks = []
    if camera.video_codec:
        video = {"content": "video", "track_id": "v1", "codec": camera.video_codec}
        if camera.width and camera.height:
            video.update(width=camera.width, height=camera.height)
        if camera.fps:
            video["fps"] = camera.fps
        tracks.append(video)
    if camera.audio_codec:
        tracks.append({"content": "audio", "track_id": "a1", "codec": camera.audio_codec})
    return {"flow_type": "stream", "tracks": tracks}


def _dvr_info(ranges: list, usage: dict) -> dict | None:
    """§6.3 from the index: `from`/`depth`/`duration` in seconds, ranges with utc_ms bounds."""
    if not ranges:
        return None
    first, last = ranges[0][0], ranges[-1][1]
    size = usage.get("bytes") or 0
    return {
        "from": utc_s(first),
        "depth": int((last - first).total_seconds()),
        "ranges": [
            {
                "from": utc_s(start),
                "duration": int((end - start).total_seconds()),
                "opened_at": utc_ms(start),
                "closed_at": utc_ms(end),
            }
            for start, end in ranges
        ],
        "bytes": size,
        "disk_size": size,
        "duration": int(sum((end - start).total_seconds() for start, end in ranges)),
    }


def stream_page_context(request, cameras: list[Camera], selection: Selection) -> dict:
    """Per-page lookups, each a constant number of queries and only when `select` asks for it."""
    ids = [c.id for c in cameras]
    now = timezone.now()
    ctx = {"now": now, "user": request.user, "session": getattr(request, "auth", None)}  # tokens die with it
    if selection.wants("inputs"):
        prefetch_related_objects(cameras, "inputs")
        ctx["inputs"] = True
    if selection.wants("stats.dvr_info"):
        ctx["ranges"] = recorded_ranges(ids, EPOCH, now + dt.timedelta(days=1))
        ctx["storage"] = storage_by_camera(ids)
    if selection.wants("stats.playback_token") or selection.wants("stats.streaming_endpoint"):
        ctx["tokens"] = True
        ctx["endpoint"] = streaming_endpoint(request)
    if selection.wants("path"):
        organizations = {c.organization_id for c in cameras}
        rows = Folder.objects.filter(organization_id__in=organizations).values_list(
            "id", "parent_id", "title"
        )
        ctx["folders"] = {pk: (parent, title) for pk, parent, title in rows}
    return ctx


def stream_queryset(view) -> QuerySet[Camera]:
    """The caller's cameras with what a Stream needs beyond the row: last episode, favourite.

    Inputs are prefetched per page, and only when `select` asks for them (`stream_page_context`).
    """
    return (
        view.get_queryset()
        .select_related("last_change_user")
        .annotate(_last_episode_at=_last_episode_at(view.request), _is_favourite=_is_favourite(view.request))
    )


def serialize_streams(request, cameras: list[Camera], selection: Selection) -> list[dict]:
    context = stream_page_context(request, cameras, selection)
    return StreamSerializer(cameras, many=True, context=context).data


# --- views ---------------------------------------------------------------------------------------


class StreamListView(WatcherClientView):
    """GET /streams: the streams the caller may see, as a Watcher collection (§3, §5.2.1)."""

    @extend_schema(
        operation_id="streams_list",
        parameters=collection_parameters(STREAMS),
        responses=responses(collection(STREAMS, STREAM_SCHEMA), 400),
    )
    def get(self, request):
        page = STREAMS.page(
            request, stream_queryset(self), lambda rows, sel: serialize_streams(request, rows, sel)
        )
        return Response(page)


class StreamDetailView(WatcherClientView):
    """GET /streams/{name}: one stream, 404 when missing or out of reach (§5.2.2)."""

    @extend_schema(operation_id="stream_get", parameters=[SELECT], responses=responses(STREAM_SCHEMA, 404))
    def get(self, request, name: str):
        access_camera(self.user, name)  # 404 for missing, foreign and ungranted alike
        camera = stream_queryset(self).get(name=name)
        selection = Selection(request.query_params.get("select"), ("name",))
        return Response(selection.project(serialize_streams(request, [camera], selection)[0]))
