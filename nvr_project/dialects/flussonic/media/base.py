"""Auth and path parameters of the media forms: 403 without a valid token, 404 for an unknown stream."""

import datetime as dt
import re
from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from recordings.playback.access import MediaForbidden, MediaUnauthorized, media_camera

LIVE_FRESHNESS = dt.timedelta(seconds=30)  # as our live playlist: a silent camera has no live edge
_SECONDS = re.compile(r"\d{1,12}")
_INSTANT = re.compile(r"\d{1,12}(\.\d{1,6})?")
# Past any footage and far enough from datetime's year 9999 that adding a window cannot overflow.
LATEST = dt.datetime(9000, 1, 1, tzinfo=dt.UTC)


class BadRequest(ValueError):
    """A malformed `from`, `duration` or query parameter: 400."""


def error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def stream_view(action: str):
    """Authorise the stream for `action` (a session or `?token=`) and map errors to statuses.

    The spec answers a missing token 403, not our media API's 401: Flussonic players treat 401 as
    "ask for credentials", which a token URL cannot do.
    """

    def decorate(view):
        @login_not_required
        @require_safe
        @wraps(view)
        def wrapped(request, name, **kwargs):
            try:
                camera, user = media_camera(request, name, action)
                return view(request, camera, user, **kwargs)
            except (MediaUnauthorized, MediaForbidden) as exc:
                return error(403, str(exc))
            except Http404:
                return error(404, "stream not found")
            except BadRequest as exc:
                return error(400, str(exc))

        return wrapped

    return decorate


def parse_instant(value: str, name: str = "from") -> dt.datetime:
    """UTC seconds, as the path carries them."""
    if not _INSTANT.fullmatch(value or ""):
        raise BadRequest(f"`{name}` must be UTC seconds, not {value!r}")
    if float(value) >= LATEST.timestamp():
        raise BadRequest(f"`{name}` must be UTC seconds before {LATEST.year}, not {value!r}")
    return dt.datetime.fromtimestamp(float(value), tz=dt.UTC)


def parse_seconds(value: str, name: str, *, most: dt.timedelta) -> dt.timedelta:
    """A positive whole number of seconds, at most `most`."""
    if not _SECONDS.fullmatch(value or "") or int(value) == 0:
        raise BadRequest(f"`{name}` must be a positive number of seconds, not {value!r}")
    seconds = dt.timedelta(seconds=int(value))
    if seconds > most:
        raise BadRequest(f"`{name}` may be at most {int(most.total_seconds())} seconds")
    return seconds


def parse_window(start: str, duration: str, *, most: dt.timedelta) -> tuple[dt.datetime, dt.datetime]:
    """`{from}-{duration}` as `[start, end)`; `now` ends at the present."""
    begin = parse_instant(start)
    if duration != "now":
        return begin, begin + parse_seconds(duration, "duration", most=most)
    end = timezone.now()
    if not begin < end <= begin + most:
        raise BadRequest(f"`from` must lie within the last {int(most.total_seconds())} seconds for `now`")
    return begin, end


def token_query(request) -> str:
    """The token carried on into the URIs a playlist lists (players do not copy the query)."""
    token = request.GET.get("token")
    return "?" + urlencode({"token": token}) if token else ""


def segment_uri(request, camera):
    """Fragments as byte ranges of our own segment route (`/media/<name>/segments/<id>.mp4`)."""
    suffix = token_query(request)
    return lambda entry: reverse("media:segment_bytes", args=[camera.name, entry.id]) + suffix


def fragment_ts_uri(request, camera):
    """Each fragment as its own MPEG-TS file, remuxed on request."""
    suffix = token_query(request)
    return lambda entry, number: (
        reverse("flussonic_media:fragment_ts", args=[camera.name, entry.id, number]) + suffix
    )


def us(moment: dt.datetime) -> int:
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


def seconds(moment: dt.datetime) -> int:
    return int(moment.timestamp())
