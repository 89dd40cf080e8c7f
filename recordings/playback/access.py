"""Who may fetch a camera's media: a dashboard session, or a media token in the query string."""

import datetime as dt

from django.utils import timezone

from cameras.access import access_camera
from cameras.models import Camera
from organizations.choices import Action
from organizations.exceptions import ObjectNotFound

from .tokens import MediaTokenInvalid, media_token_verify

# Fragments of a segment that ended this recently are the live edge: a live grant reaches them.
LIVE_EDGE = dt.timedelta(minutes=2)


class MediaUnauthorized(Exception):
    """No session and no token: 401."""


class MediaForbidden(Exception):
    """A token that is expired or tampered with: 403."""


def media_user(request, camera_name: str):
    """The user on whose behalf the request is made (a token wins over the session).

    The token is judged before the camera is looked up, so a token that does not authorise gets the
    same answer for an existing camera and a missing one; a good token for another camera is a 404,
    as a missing camera is.
    """
    token = request.GET.get("token")
    if token:
        try:
            grant = media_token_verify(token)
        except MediaTokenInvalid as exc:
            raise MediaForbidden(str(exc)) from None
        if not Camera.objects.filter(pk=grant.camera_id, name=camera_name).exists():
            raise ObjectNotFound("camera not found")  # says nothing of other cameras
        return grant.user
    if request.user.is_authenticated:
        return request.user
    raise MediaUnauthorized("sign in or pass a media token")


def media_camera(request, camera_name: str, action: str) -> tuple[Camera, object]:
    user = media_user(request, camera_name)
    return access_camera(user, camera_name, action=action), user


def may_fetch_segment(user, camera: Camera, segment_ended_at: dt.datetime) -> bool:
    """Archive footage needs the archive grant; the live edge the live grant."""
    if Camera.objects.for_user(user, Action.ARCHIVE).filter(pk=camera.pk).exists():
        return True
    return segment_ended_at >= timezone.now() - LIVE_EDGE
