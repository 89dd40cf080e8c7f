"""Short-lived signed media tokens that players carry in the query string (`?token=`).

A token binds a user, a camera and an expiry. It proves who asked, not what they may do: every
request is authorised again against the user's current grants, so revoking access works at once.
"""

import time

from django.core import signing

SALT = "nvr.media-token"
DEFAULT_TTL_S = 6 * 3600  # a shift of watching without a new token


class MediaTokenInvalid(Exception):
    pass


def media_token_issue(*, user_id: int, camera_id: int, ttl_s: int = DEFAULT_TTL_S) -> str:
    return signing.dumps(
        {"u": user_id, "c": camera_id, "e": int(time.time()) + ttl_s}, salt=SALT, compress=True
    )


def media_token_verify(token: str, *, camera_id: int) -> int:
    """The user id the token was issued to, if it is genuine, unexpired and for this camera."""
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise MediaTokenInvalid("the token is not valid") from None
    if not isinstance(payload, dict) or payload.get("c") != camera_id:
        raise MediaTokenInvalid("the token is for another camera")
    if int(payload.get("e", 0)) < time.time():
        raise MediaTokenInvalid("the token has expired")
    return int(payload["u"])
