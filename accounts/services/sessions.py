"""API sessions (`AuthSession`): start, refresh with rotation, end one, end them all.

Dialects translate credentials and errors; the rules live here:
- a session is valid while it is unrevoked, unexpired, its user active, and the user's auth stamp
  (an HMAC of the password hash and `auth_epoch`) is the one it started with, so a new password,
  however it was set, or "sign out everywhere" ends it;
- each refresh spends the refresh token and hands out a new one; a spent token presented again
  was copied, so the whole session (and every access and media token issued from it) ends.
"""

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts import keys
from accounts.models import AuthSession, SpentRefreshToken, User
from accounts.services import auth_sessions_revoke, token_hash

logger = logging.getLogger(__name__)


class SessionLimitReached(Exception):
    """The user already has `max_sessions` live sessions."""

    def __init__(self, limit: int):
        super().__init__(f"at most {limit} sessions may be open at once")
        self.limit = limit


class SessionInvalid(Exception):
    """An unknown, spent, expired or revoked refresh token."""


def auth_stamp(user: User) -> str:
    """What sessions and media tokens are bound to: it changes with the password and `auth_epoch`."""
    message = f"{user.pk}:{user.password}:{user.auth_epoch}".encode()
    return hmac.new(keys.key(keys.AUTH_STAMP).encode(), message, hashlib.sha256).hexdigest()[:32]


def session_is_valid(session: AuthSession) -> bool:
    user = session.user
    return session.is_live and user.is_active and hmac.compare_digest(session.auth_stamp, auth_stamp(user))


@transaction.atomic
def session_start(
    *, user: User, dialect: str, lifetime: timedelta, ip_address: str | None, user_agent: str
) -> tuple[AuthSession, str]:
    """A new session and its raw refresh token; SessionLimitReached past the user's `max_sessions`.

    The user row is locked so two concurrent logins cannot both take the last free session.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    now = timezone.now()
    stamp = auth_stamp(user)
    if user.max_sessions:
        live = AuthSession.objects.filter(
            user=user, dialect=dialect, revoked_at__isnull=True, expires_at__gt=now, auth_stamp=stamp
        ).count()
        if live >= user.max_sessions:
            raise SessionLimitReached(user.max_sessions)
    refresh = secrets.token_urlsafe(32)
    session = AuthSession.objects.create(
        key=secrets.token_urlsafe(20),
        user=user,
        dialect=dialect,
        refresh_token_hash=token_hash(refresh),
        auth_stamp=stamp,
        ip_address=ip_address,
        user_agent=user_agent[:400],
        expires_at=now + lifetime,
    )
    return session, refresh


@transaction.atomic
def _rotate(hashed: str, dialect: str) -> tuple[AuthSession, str] | None:
    # The row lock makes a concurrent use of the same token wait, then miss, and count as reuse.
    session = (
        AuthSession.objects.select_for_update()
        .filter(refresh_token_hash=hashed, dialect=dialect)
        .select_related("user")
        .first()
    )
    if session is None or not session_is_valid(session):
        return None
    raw = secrets.token_urlsafe(32)
    SpentRefreshToken.objects.create(session=session, token_hash=hashed)
    session.refresh_token_hash = token_hash(raw)
    session.last_seen_at = timezone.now()
    session.save(update_fields=["refresh_token_hash", "last_seen_at"])
    return session, raw


def session_refresh(*, raw_refresh: str, dialect: str) -> tuple[AuthSession, str]:
    """Spend a refresh token: its valid session and the new raw refresh token, else SessionInvalid."""
    hashed = token_hash(raw_refresh)
    rotated = _rotate(hashed, dialect)
    if rotated is not None:
        return rotated
    spent = SpentRefreshToken.objects.filter(token_hash=hashed, session__dialect=dialect).first()
    if spent is not None:
        revoked = auth_sessions_revoke(sessions=AuthSession.objects.filter(pk=spent.session_id))
        if revoked:
            logger.warning("a spent refresh token was reused: ended session %s", spent.session_id)
    raise SessionInvalid("invalid or expired refresh token")


def session_end(*, session: AuthSession) -> None:
    """Log out of one API session: its refresh, access and media tokens stop working."""
    auth_sessions_revoke(sessions=AuthSession.objects.filter(pk=session.pk))


@transaction.atomic
def sessions_end_all(*, user: User) -> int:
    """Sign out everywhere: every API and dashboard session of `user` and every media token.

    Raising the epoch changes the auth stamp and Django's session hash; revoking the rows as well
    shows the end in the admin. Returns how many API sessions were live.
    """
    User.objects.filter(pk=user.pk).update(auth_epoch=F("auth_epoch") + 1)
    user.refresh_from_db(fields=["auth_epoch"])
    return auth_sessions_revoke(sessions=AuthSession.objects.filter(user=user))


def sessions_after_password_change(*, user: User, keep_session: AuthSession | None = None) -> None:
    """A new password (already set on `user`) ends every API session but `keep_session`, the caller's.

    The kept session takes the new stamp; media tokens all die, as they carry the old one.
    """
    others = AuthSession.objects.filter(user=user)
    if keep_session is not None and keep_session.user_id == user.pk:  # not an admin's own session
        others = others.exclude(pk=keep_session.pk)
        AuthSession.objects.filter(pk=keep_session.pk).update(auth_stamp=auth_stamp(user))
    auth_sessions_revoke(sessions=others)
