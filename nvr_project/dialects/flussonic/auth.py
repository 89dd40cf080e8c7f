"""Watcher credentials (catalog §2): Basic (password or API key), Bearer JWT, and the v2 API-key headers.

Access tokens are HS256 JWTs with `exp` and `session` (the `AuthSession.key`); a live session row is
required on every request, so revoking a session or disabling a user ends its tokens at once. The
refresh token is opaque, stored hashed, and accepted only by `POST /login`. Password and key checks,
the second factor and their throttling are accounts.services.login's; this module translates.
"""

import base64
import binascii
import secrets
from dataclasses import dataclass
from datetime import timedelta

import jwt
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from accounts import services as account_services
from accounts.choices import SessionDialect
from accounts.models import AuthSession, User
from accounts.services import login as login_service
from accounts.services.throttle import LoginThrottled

from .errors import WatcherError

ALGORITHM = "HS256"
REALM = 'Bearer realm="watcher"'


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def access_ttl() -> timedelta:
    return timedelta(seconds=_setting("NVR_WATCHER_ACCESS_TTL", 15 * 60))


def refresh_ttl() -> timedelta:
    return timedelta(seconds=_setting("NVR_WATCHER_REFRESH_TTL", 30 * 24 * 3600))


TOTP_HEADER = "X-TOTP"  # our extension: the current two-factor code next to a Basic password


class SecondFactorRefused(WatcherError, exceptions.AuthenticationFailed):
    """401 in the errors[] shape; an AuthenticationFailed, so DRF adds WWW-Authenticate."""

    def __init__(self, title: str, *, code: str):
        super().__init__(title, http_status=401, code=code)


@dataclass(frozen=True)
class Credentials:
    """What a request carries: `scheme` is basic, bearer or vsaas (the v2 API-key headers).

    `totp` is the `X-TOTP` header: the second factor of a Basic password.
    """

    scheme: str
    login: str = ""
    secret: str = ""
    totp: str = ""


def credentials_read(request) -> Credentials | None:
    """The credentials in the headers, None when there are none; malformed ones are a 401."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        scheme, _, value = header.partition(" ")
        value = value.strip()
        if scheme.lower() == "bearer" and value:
            return Credentials("bearer", secret=value)
        if scheme.lower() == "basic" and value:
            try:
                login, sep, secret = base64.b64decode(value, validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                raise exceptions.AuthenticationFailed("malformed Basic credentials") from None
            if not sep or not login:
                raise exceptions.AuthenticationFailed("malformed Basic credentials")
            totp = request.META.get("HTTP_X_TOTP", "").strip()
            return Credentials("basic", login=login, secret=secret, totp=totp)
        raise exceptions.AuthenticationFailed("unsupported Authorization scheme")
    key = request.META.get("HTTP_X_VSAAS_API_KEY", "")
    if key:
        return Credentials("vsaas", login=request.META.get("HTTP_X_VSAAS_USER", ""), secret=key)
    return None


def client_address(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def secret_check(*, credentials: Credentials, address: str | None) -> User:
    """The user that Basic or v2-key `credentials` name; the service decides, this translates.

    A TOTP user's password needs the current code in `X-TOTP` (our extension: Watcher has no
    field for it); an API key needs none.
    """
    try:
        user, _how = login_service.credentials_login(
            login=credentials.login,
            secret=credentials.secret,
            address=address,
            code=credentials.totp,
            password=credentials.scheme == "basic",
        )
    except LoginThrottled as exc:
        raise exceptions.Throttled(wait=exc.retry_after, detail=f"{exc}.") from None
    except (login_service.SecondFactorRequired, login_service.SecondFactorInvalid) as exc:
        hint = f" (send it in the {TOTP_HEADER} header, or use an API key)"
        raise SecondFactorRefused(str(exc) + hint, code=exc.code) from None
    except login_service.LoginRefused:
        raise exceptions.AuthenticationFailed("invalid login or password") from None
    return user


def access_token_issue(session: AuthSession) -> str:
    """A JWT for `session`, expiring after the access lifetime or with the session, whichever is first."""
    expires = min(timezone.now() + access_ttl(), session.expires_at)
    claims = {"exp": int(expires.timestamp()), "iat": int(timezone.now().timestamp()), "session": session.key}
    return jwt.encode(claims, settings.SECRET_KEY, algorithm=ALGORITHM)


def access_token_verify(token: str) -> tuple[User, AuthSession]:
    """The user and live session of an access token; anything else (refresh tokens too) is a 401."""
    try:
        claims = jwt.decode(token, settings.SECRET_KEY, algorithms=[ALGORITHM], options={"require": ["exp"]})
    except jwt.ExpiredSignatureError:
        raise exceptions.AuthenticationFailed("the access token has expired") from None
    except jwt.InvalidTokenError:
        raise exceptions.AuthenticationFailed("invalid access token") from None
    session = (
        AuthSession.objects.select_related("user")
        .filter(key=str(claims.get("session", "")), dialect=SessionDialect.WATCHER)
        .first()
    )
    if session is None or not session.is_live or not session.user.is_active:
        raise exceptions.AuthenticationFailed("the session has ended")
    return session.user, session


@transaction.atomic
def session_start(*, user: User, request) -> tuple[AuthSession, str]:
    """A new Watcher session and its raw refresh token; refuses past the user's `max_sessions`.

    The user row is locked so two concurrent logins cannot both take the last free session.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    now = timezone.now()
    if user.max_sessions:
        live = AuthSession.objects.filter(
            user=user, dialect=SessionDialect.WATCHER, revoked_at__isnull=True, expires_at__gt=now
        ).count()
        if live >= user.max_sessions:
            raise WatcherError(
                f"at most {user.max_sessions} sessions may be open at once",
                http_status=403,
                code="max_sessions_reached",
            )
    refresh = secrets.token_urlsafe(32)
    session = AuthSession.objects.create(
        key=secrets.token_urlsafe(20),
        user=user,
        dialect=SessionDialect.WATCHER,
        refresh_token_hash=account_services.token_hash(refresh),
        ip_address=client_address(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:400],
        expires_at=now + refresh_ttl(),
    )
    return session, refresh


def session_refresh(raw_refresh: str) -> AuthSession:
    """The live session a refresh token belongs to; a 401 otherwise (access tokens included)."""
    session = (
        AuthSession.objects.select_related("user")
        .filter(refresh_token_hash=account_services.token_hash(raw_refresh), dialect=SessionDialect.WATCHER)
        .first()
    )
    if session is None or not session.is_live or not session.user.is_active:
        raise exceptions.AuthenticationFailed("invalid or expired refresh token")
    AuthSession.objects.filter(pk=session.pk).update(last_seen_at=timezone.now())
    return session


class WatcherAuthentication(BaseAuthentication):
    """Bearer access token, Basic password or API key, or `x-vsaas-api-key` + `x-vsaas-user`."""

    def authenticate(self, request):
        credentials = credentials_read(request)
        if credentials is None:
            return None
        if credentials.scheme == "bearer":
            user, session = access_token_verify(credentials.secret)
            return user, session
        if credentials.scheme == "vsaas" and not credentials.login:
            raise exceptions.AuthenticationFailed("x-vsaas-api-key needs x-vsaas-user")
        return secret_check(credentials=credentials, address=client_address(request)), None

    def authenticate_header(self, request):
        return REALM


class WatcherAuthenticationScheme(OpenApiAuthenticationExtension):
    """Schema: every operation takes `basicAuth` or `bearerAuth` (catalog §2)."""

    target_class = WatcherAuthentication
    name = ["basicAuth", "bearerAuth"]

    def get_security_requirement(self, auto_schema):
        return [{"basicAuth": []}, {"bearerAuth": []}]  # either one, not both

    def get_security_definition(self, auto_schema):
        basic = {
            "type": "http",
            "scheme": "basic",
            "description": "login and password or API key; a user with two-factor authentication "
            f"adds the current code in the `{TOTP_HEADER}` header to a password (our extension)",
        }
        return [basic, {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}]
