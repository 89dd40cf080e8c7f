"""Media endpoints: live and archive HLS playlists and segment bytes, all from the index.

Each answers a dashboard session or a media token (`?token=`), and authorises against the
camera's grants on every request. The URIs in a playlist carry the token on, because players
do not copy the playlist's query string onto the fragments they fetch.
"""

import datetime as dt
import os
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import http_date
from django.views.decorators.http import require_http_methods

from cameras.models import Camera
from organizations.choices import Action
from recordings.choices import JobKind, JobStatus
from recordings.models import Job, Segment
from recordings.playback import hls, selectors, snapshots, timeline
from recordings.playback.access import MediaForbidden, MediaUnauthorized, may_fetch_segment, media_camera
from recordings.playback.exports import ExportError, export_request
from recordings.playback.ranges import RangeNotSatisfiable, parse_range
from recordings.playback.timeparse import TimeRangeError, parse_instant, parse_range_params
from recordings.services import job_request_cancel

PLAYLIST = "application/vnd.apple.mpegurl"
LIVE_FRESHNESS = dt.timedelta(seconds=30)  # a camera silent longer than this has no live edge
CHUNK = 256 * 1024
TIMELINE_MAX_RANGE = dt.timedelta(days=31)


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def media_view(action: str, methods=("GET",)):
    """Authorise the camera for `action` and turn access errors into their status codes."""

    def decorate(view):
        @login_not_required
        @require_http_methods(list(methods))
        def wrapped(request, name, *args, **kwargs):
            try:
                camera, user = media_camera(request, name, action)
                return view(request, camera, user, *args, **kwargs)
            except MediaUnauthorized as exc:
                response = _error(401, str(exc))
                response["WWW-Authenticate"] = 'Bearer realm="media"'
                return response
            except MediaForbidden as exc:
                return _error(403, str(exc))
            except Http404:
                return _error(404, "camera not found")
            except (TimeRangeError, ExportError) as exc:
                return _error(400, str(exc))

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        return wrapped

    return decorate


def _segment_uri(request, camera):
    token = request.GET.get("token")
    suffix = "?" + urlencode({"token": token}) if token else ""
    return lambda segment: f"/media/{camera.name}/segments/{segment.id}.mp4{suffix}"


@media_view(Action.LIVE)
def live_playlist(request, camera, user):
    """The live edge as an HLS playlist; 404 when the camera is not recording."""
    entries = selectors.live_entries(camera.id, newer_than=timezone.now() - LIVE_FRESHNESS)
    text = hls.live_playlist(entries, _segment_uri(request, camera)) if entries else None
    if text is None:
        return _error(404, "the camera is not recording")
    response = HttpResponse(text, content_type=PLAYLIST)
    response["Cache-Control"] = "no-cache"
    return response


@media_view(Action.ARCHIVE)
def archive_playlist(request, camera, user):
    """A VOD playlist over `from`..`to` (unix seconds or ISO 8601)."""
    start, end = parse_range_params(request.GET)
    entries = selectors.segment_entries(camera.id, start, end)
    text = hls.archive_playlist(entries, _us(start), _us(end), _segment_uri(request, camera))
    if text is None:
        return _error(404, "nothing was recorded in this range")
    response = HttpResponse(text, content_type=PLAYLIST)
    # A range that reaches the present grows as the recorder writes; a past one never changes.
    response["Cache-Control"] = (
        "no-cache" if end > timezone.now() - LIVE_FRESHNESS else "private, max-age=3600"
    )
    return response


@media_view(Action.LIVE)
def segment_bytes(request, camera, user, segment_id: int):
    """A segment file, whole or by byte range (init sections and fragments)."""
    segment = (
        Segment.objects.filter(camera=camera, pk=segment_id)
        .only("id", "path", "complete", "ended_at", "updated_at", "bytes")
        .first()
    )
    if segment is None or not may_fetch_segment(user, camera, segment.ended_at):
        return _error(404, "segment not found")
    # A closed segment never changes; an open one grows (its indexed ranges are final, though).
    return _serve_file(
        request,
        os.path.join(settings.NVR_MEDIA_ROOT, segment.path),
        known_size=segment.bytes if segment.complete else None,
        etag_prefix=f"s{segment.id}",
        modified=segment.updated_at,
        cache="private, max-age=31536000, immutable" if segment.complete else "no-cache",
    )


def _serve_file(
    request, path: str, *, known_size, etag_prefix: str, modified, cache: str, filename: str = ""
):
    """A file, whole or by one byte range, with validators and caching headers."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed by the response
    except FileNotFoundError:
        return _error(404, "the file is missing")
    size = known_size if known_size is not None else os.fstat(handle.fileno()).st_size
    etag = f'"{etag_prefix}-{size}"'
    if request.headers.get("If-None-Match") == etag:
        handle.close()
        return HttpResponse(status=304)
    try:
        wanted = parse_range(request.headers["Range"], size) if "Range" in request.headers else None
    except RangeNotSatisfiable:
        handle.close()
        response = _error(416, "range not satisfiable")
        response["Content-Range"] = f"bytes */{size}"
        return response
    first, last = wanted if wanted else (0, size - 1)
    handle.seek(first)
    response = StreamingHttpResponse(_read(handle, last - first + 1), content_type="video/mp4")
    if wanted:
        response.status_code = 206
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Content-Length"] = str(last - first + 1)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Last-Modified"] = http_date(modified.timestamp())
    response["Cache-Control"] = cache
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# What browsers decode in MSE without plug-ins; H.265 only some (Safari, some Chromium builds).
BROWSER_VIDEO = {"h264"}
BROWSER_AUDIO = {"aac", "opus", ""}


@media_view(Action.VIEW)
def media_info(request, camera, user):
    """The camera's recorded codecs and size, and whether a browser can play them (else warn)."""
    latest = (
        Segment.objects.filter(camera=camera, purging=False)
        .order_by("-started_at")
        .values("video_codec", "audio_codec", "width", "height", "fps", "ended_at")
        .first()
    )
    if latest is None:
        return _error(404, "nothing recorded yet")
    playable = latest["video_codec"] in BROWSER_VIDEO and latest["audio_codec"] in BROWSER_AUDIO
    return JsonResponse(
        {
            "video_codec": latest["video_codec"],
            "audio_codec": latest["audio_codec"],
            "width": latest["width"],
            "height": latest["height"],
            "fps": latest["fps"],
            "last_recorded": latest["ended_at"].timestamp(),
            "browser_playable": playable,
        }
    )


@media_view(Action.LIVE)
def snapshot(request, camera, user):
    """JPEG of the live picture, or with `at` of that instant (the keyframe at or before it)."""
    try:
        width = snapshots.snapshot_width(request.GET.get("width"))
    except ValueError as exc:
        return _error(400, str(exc))
    at = request.GET.get("at")
    try:
        if at:
            instant = parse_instant(at, "at")
            if not Camera.objects.for_user(user, Action.ARCHIVE).filter(pk=camera.pk).exists():
                return _error(404, "camera not found")
            jpeg = snapshots.snapshot_at(camera.id, instant, width=width)
        else:
            jpeg = snapshots.snapshot_live(camera.id, newer_than=timezone.now() - LIVE_FRESHNESS, width=width)
    except snapshots.NoPicture as exc:
        return _error(404, str(exc))
    response = HttpResponse(jpeg, content_type="image/jpeg")
    # A past instant's picture never changes; the live one does with every keyframe.
    response["Cache-Control"] = "private, max-age=86400" if at else "no-cache"
    return response


@media_view(Action.ARCHIVE)
def timeline_json(request, camera, user):
    """Ranges, gaps and episodes over `from`..`to` (up to 31 days), and coverage per `step` seconds."""
    start, end = parse_range_params(request.GET, max_range=TIMELINE_MAX_RANGE)
    ranges = timeline.recorded_ranges([camera.id], start, end)[camera.id]
    body = {
        "from": start.timestamp(),
        "to": end.timestamp(),
        "ranges": [{"from": a.timestamp(), "to": b.timestamp()} for a, b in ranges],
        "gaps": [
            {
                "from": gap["started_at"].timestamp(),
                "to": gap["ended_at"].timestamp() if gap["ended_at"] else None,
                "reason": gap["reason"],
                "detail": gap["detail"],
            }
            for gap in timeline.gaps([camera.id], start, end)[camera.id]
        ],
        "episodes": [
            {
                "id": episode["id"],
                "from": episode["opened_at"].timestamp(),
                "to": episode["closed_at"].timestamp() if episode["closed_at"] else None,
                "type": episode["episode_type"],
                "title": episode["title"],
            }
            for episode in timeline.episodes([camera.id], start, end)[camera.id]
        ],
    }
    if request.GET.get("step"):
        try:
            step = dt.timedelta(seconds=float(request.GET["step"]))
            buckets = timeline.coverage([camera.id], start, end, step)[camera.id]
        except (ValueError, OverflowError) as exc:
            return _error(
                400, str(exc) if isinstance(exc, timeline.TimelineError) else "`step` must be seconds"
            )
        body["coverage"] = {"step": step.total_seconds(), "values": [round(b.fraction, 4) for b in buckets]}
    return JsonResponse(body)


@media_view(Action.ARCHIVE)
def availability_json(request, camera, user):
    """Per local day of `month` (YYYY-MM), or per local hour of `day` (YYYY-MM-DD), in the
    organization's time zone."""
    zone = camera.organization.time_zone
    try:
        if request.GET.get("day"):
            day = dt.date.fromisoformat(request.GET["day"])
            buckets = timeline.hourly_availability([camera.id], day, zone)[camera.id]
            key = "hours"
        else:
            month = dt.date.fromisoformat(request.GET.get("month", "") + "-01")
            buckets = timeline.daily_availability([camera.id], month.year, month.month, zone)[camera.id]
            key = "days"
    except (ValueError, OverflowError):  # OverflowError: the day after 9999-12-31
        return _error(400, "give `month` as YYYY-MM or `day` as YYYY-MM-DD")
    items = [
        {
            "label": timeline.local_label(b.start, zone)[: 10 if key == "days" else None],
            "from": b.start.timestamp(),
            "to": b.end.timestamp(),
            "recorded_seconds": round(b.recorded_seconds, 3),
            "fraction": round(b.fraction, 4),
        }
        for b in buckets
    ]
    return JsonResponse({"time_zone": zone, key: items})


def _read(handle, remaining: int):
    with handle:
        while remaining > 0:
            chunk = handle.read(min(CHUNK, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk


def _us(moment: dt.datetime) -> int:
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


# --- clip exports -------------------------------------------------------------------------------
@media_view(Action.EXPORT, methods=("POST",))
def export_create(request, camera, user):
    """Queue an export of `from`..`to`; answers 202 with the job to follow."""
    start, end = parse_range_params(request.GET if "from" in request.GET else request.POST)
    job = export_request(user=user, camera=camera, start=start, end=end)
    return JsonResponse(_job_json(job), status=202)


def _export_job(request, public_id) -> tuple[Job | None, object]:
    job = Job.objects.filter(kind=JobKind.EXPORT, public_id=public_id).select_related("camera").first()
    if job is None or job.camera is None:
        return None, None
    try:
        _, user = media_camera(request, job.camera.name, Action.EXPORT)
    except (Http404, MediaForbidden):
        return None, None
    return job, user


def _job_view(view):
    @login_not_required
    def wrapped(request, public_id, *args, **kwargs):
        try:
            job, user = _export_job(request, public_id)
        except MediaUnauthorized as exc:
            return _error(401, str(exc))
        if job is None:
            return _error(404, "export not found")
        return view(request, job, user, *args, **kwargs)

    wrapped.__name__ = view.__name__
    return wrapped


@require_http_methods(["GET"])
@_job_view
def export_status(request, job, user):
    return JsonResponse(_job_json(job))


@require_http_methods(["POST"])
@_job_view
def export_cancel(request, job, user):
    job_request_cancel(jobs=Job.objects.filter(pk=job.pk))
    job.refresh_from_db()
    return JsonResponse(_job_json(job), status=202)


@require_http_methods(["GET"])
@_job_view
def export_download(request, job, user):
    if job.status != JobStatus.DONE or not job.file_path:
        return _error(
            409 if not job.is_finished else 410,
            "the export is not ready" if not job.is_finished else "the export has expired or failed",
        )
    name = f"{job.camera.name}-{job.range_start:%Y%m%d-%H%M%S}.mp4"
    return _serve_file(
        request,
        os.path.join(settings.NVR_MEDIA_ROOT, job.file_path),
        known_size=None,
        etag_prefix=f"e{job.public_id}",
        modified=job.finished_at,
        cache="private, max-age=3600",
        filename=name,
    )


def _job_json(job: Job) -> dict:
    return {
        "job": str(job.public_id),
        "kind": job.kind,
        "status": job.status,
        "progress": round(job.progress, 1),
        "bytes_done": job.bytes_done,
        "bytes_total": job.bytes_total,
        "from": job.range_start.timestamp() if job.range_start else None,
        "to": job.range_end.timestamp() if job.range_end else None,
        "error": job.error,
        "expires_at": job.expires_at.timestamp() if job.expires_at else None,
        "download": f"/media/exports/{job.public_id}.mp4"
        if job.status == JobStatus.DONE and job.file_path
        else None,
        "result": job.result,
    }
