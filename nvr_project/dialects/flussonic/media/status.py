"""Archive and stream descriptions: `recording_status.json`, `ranges.json`, `media_info.json`, `info.json`."""

import datetime as dt

from django.http import JsonResponse
from django.utils import timezone

from organizations.choices import Action
from recordings.playback import selectors, timeline

from .base import LIVE_FRESHNESS, BadRequest, error, parse_instant, seconds, stream_view

STATUS_MAX_RANGE = dt.timedelta(days=31)  # as our timeline.json
RANGES_LIMIT, RANGES_MAX_LIMIT = 100, 1000
STATUS_PARTS = {"ranges", "locks", "motion_log"}


@stream_view(Action.ARCHIVE)
def recording_status(request, camera, user):
    """Bare: one object for the whole archive. With `request=ranges[,locks,motion_log]` and
    `from`/`to` (UTC seconds, `to` may be `now`): an array of one entry for this stream."""
    if request.GET.get("request"):
        return _status_list(request, camera)
    totals = selectors.recording_totals(camera.id)
    first, now = totals["first"], timezone.now()
    ranges = timeline.recorded_ranges([camera.id], first, now)[camera.id] if first else []
    return JsonResponse(
        {
            "from": seconds(first) if first else None,
            # The configured depth; unset, the depth we hold.
            "depth": camera.dvr_depth or (int((now - first).total_seconds()) if first else 0),
            "ranges": [_range(a, b) for a, b in ranges],
            "bytes": totals["bytes"],
            "duration": int(sum((b - a).total_seconds() for a, b in ranges)),
        }
    )


def _status_list(request, camera):
    parts = set(request.GET["request"].split(","))
    if not parts <= STATUS_PARTS:
        raise BadRequest(f"`request` takes {', '.join(sorted(STATUS_PARTS))}")
    begin = parse_instant(request.GET.get("from", ""))
    raw_end = request.GET.get("to", "now")
    end = timezone.now() if raw_end == "now" else parse_instant(raw_end, "to")
    if not begin < end <= begin + STATUS_MAX_RANGE:
        raise BadRequest("`to` must be after `from`, at most 31 days later")
    entry: dict = {"stream": camera.name}
    if "ranges" in parts:
        ranges = timeline.recorded_ranges([camera.id], begin, end)[camera.id]
        entry["ranges"] = [_range(a, b) for a, b in ranges]
    if "locks" in parts:  # protected footage, which retention keeps
        entry["locks"] = [_range(a, b) for a, b in selectors.protected_ranges(camera.id, begin, end)]
    if "motion_log" in parts:  # episodes (motion and other events); an open one lasts until now
        entry["motion_log"] = [
            _range(e["opened_at"], e["closed_at"] or timezone.now())
            for e in timeline.episodes([camera.id], begin, end)[camera.id]
        ]
    return JsonResponse([entry], safe=False)


@stream_view(Action.ARCHIVE)
def ranges(request, camera, user):
    """`ranges.json?opened_at_lte=&closed_at_gte=&limit=&cursor=` (ms): recorded runs, oldest first.

    `cursor` is the `opened_at` of the last range of the previous page; a page that may have a
    next one says so with `cursor`.
    """
    try:
        limit = int(request.GET.get("limit", RANGES_LIMIT))
    except ValueError:
        raise BadRequest("`limit` must be a number") from None
    if not 1 <= limit <= RANGES_MAX_LIMIT:
        raise BadRequest(f"`limit` must be 1..{RANGES_MAX_LIMIT}")
    cursor = _ms_param(request, "cursor")
    runs = selectors.run_list(
        camera.id,
        started_at_lte=_ms_param(request, "opened_at_lte"),
        ended_at_gte=_ms_param(request, "closed_at_gte"),
        # `opened_at` is whole ms: a run that opened within the cursor's millisecond is behind it.
        started_after=cursor + dt.timedelta(microseconds=999) if cursor else None,
        limit=limit,
    )
    body: dict = {"ranges": [{"opened_at": _ms(a), "closed_at": _ms(b)} for a, b in runs]}
    if len(runs) == limit:
        body["cursor"] = str(_ms(runs[-1][0]))
    return JsonResponse(body)


@stream_view(Action.VIEW)
def media_info(request, camera, user):
    """`media_info.json`: the tracks of what the camera records now (its latest segment)."""
    latest = selectors.segment_latest(camera.id)
    if latest is None:
        return error(404, "nothing recorded yet")
    return JsonResponse({"tracks": _tracks(latest)})


@stream_view(Action.VIEW)
def info(request, camera, user):
    """`info.json`: the stream's name, whether it is live, its archive span and its tracks."""
    latest = selectors.segment_latest(camera.id)
    totals = selectors.recording_totals(camera.id)
    return JsonResponse(
        {
            "name": camera.name,
            "title": camera.title,
            "alive": bool(latest and latest["ended_at"] > timezone.now() - LIVE_FRESHNESS),
            "dvr": {
                "from": seconds(totals["first"]) if totals["first"] else None,
                "to": seconds(totals["last"]) if totals["last"] else None,
                "bytes": totals["bytes"],
            },
            "media_info": {"tracks": _tracks(latest) if latest else []},
        }
    )


def _tracks(latest: dict) -> list[dict]:
    span = (latest["ended_at"] - latest["started_at"]).total_seconds()
    # The index keeps a segment's bytes, not each track's: the video track carries the total.
    bitrate = round(latest["bytes"] * 8 / span / 1000) if span > 0 else None
    tracks = [
        {
            "content": "video",
            "codec": latest["video_codec"],
            "track_id": "v1",
            "width": latest["width"],
            "height": latest["height"],
            "fps": latest["fps"],
            "bitrate": bitrate,
        }
    ]
    if latest["audio_codec"]:
        tracks.append({"content": "audio", "codec": latest["audio_codec"], "track_id": "a1"})
    return tracks


def _range(start: dt.datetime, end: dt.datetime) -> dict:
    return {"from": seconds(start), "duration": max(0, round((end - start).total_seconds()))}


def _ms_param(request, name: str) -> dt.datetime | None:
    value = request.GET.get(name)
    if value is None or value == "":
        return None
    if not value.isdigit():
        raise BadRequest(f"`{name}` must be milliseconds since the epoch")
    try:
        return dt.datetime.fromtimestamp(int(value) / 1000, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise BadRequest(f"`{name}` is out of range") from None


def _ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)
