"""Short-lived signed media tokens that players carry in the query string (`?token=`).

A token binds a user, a camera, an expiry, the user's auth stamp (so a new password or "sign out
everywhere" kills it) and, when an API session issued it, that session (so its end kills it). It
proves who asked, not what they may do: every request is authorised again against the user's
current grants, so revoking access works at once. It is signed with the media-token key derived
from the master secret (accounts/keys.py), never with the master or Django's key.
"""

import hmac
import time
from dataclasses import dataclass

from django.core import signing

from accounts import keys
from accounts.models import AuthSession, User
from accounts.services.sessions import auth_stamp, session_is_valid

SALT = "nvr.media-token"
DEFAULT_TTL_S = 6 * 3600  # a shift of watching without a new token
STAMP_LENGTH = 16  # enough to notice a change; the signature is what makes it unforgeable


class MediaTokenInvalid(Exception):
    pass


@dataclass(frozen=True)
class MediaGrant:
    user: User
    camera_id: int


def media_token_issue(
    *, user: User, camera_id: int, session: AuthSession | None = None, ttl_s: int = DEFAULT_TTL_S
) -> str:
    payload = {
        "u": user.pk,
        "c": camera_id,
        "e": int(time.time()) + ttl_s,
        "a": auth_stamp(user)[:STAMP_LENGTH],
    }
    if isinstance(session, AuthSession):
        payload["s"] = session.pk
    return signing.dumps(payload, key=keys.key(keys.MEDIA_TOKEN), salt=SALT, compress=True)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _payload(token: str) -> dict:
    try:
        payload = signing.loads(token, key=keys.key(keys.MEDIA_TOKEN), fallback_keys=[], salt=SALT)
    except (signing.BadSignature, ValueError):
        raise MediaTokenInvalid("the token is not valid") from None
    well_formed = (
        isinstance(payload, dict)
        and all(_is_int(payload.get(name)) for name in ("u", "c", "e"))
        and isinstance(payload.get("a"), str)
        and (_is_int(payload["s"]) if "s" in payload else True)
    )
    if not well_formed:  # signed by us, so only an older format: refuse it like a forgery
        raise MediaTokenInvalid("the token is not valid")
    return payload


def media_token_verify(token: str) -> MediaGrant:
    """Whose token this is and for which camera, if it is genuine, unexpired and still in force."""
    payload = _payload(token)
    if payload["e"] < time.time():
        raise MediaTokenInvalid("the token has expired")
    user = User.objects.filter(pk=payload["u"], is_active=True).first()
    if user is None or not hmac.compare_digest(payload["a"], auth_stamp(user)[:STAMP_LENGTH]):
        raise MediaTokenInvalid("the token has been revoked")
    if "s" in payload:
        session = AuthSession.objects.filter(pk=payload["s"], user=user).select_related("user").first()
        if session is None or not session_is_valid(session):
            raise MediaTokenInvalid("the token has been revoked")
    return MediaGrant(user=user, camera_id=payload["c"])
