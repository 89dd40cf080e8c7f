"""Watcher credentials (catalog §2): Basic (password or API key), Bearer JWT, and the v2 API-key headers.

Access tokens are HS256 JWTs with `exp` and `session` (the `AuthSession.key`); a valid session is
required on every request, so revoking a session, a new password or disabling the user ends its
tokens at once. The refresh token is opaque, stored hashed, accepted only by `POST /login`, and
replaced by a new one each time it is used (accounts/services/sessions.py). Password and key checks,
the second factor and their throttling are accounts.services.login's; this module translates.
"""

import base64
import binascii
from dataclasses import dataclass
from datetime import timedelta

import jwt
from django.conf import settings
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from accounts import keys
from accounts.choices import SessionDialect
from accounts.models import AuthSession, User
from accounts.services import login as login_service
from accounts.services import sessions
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
    """A JWT for `session`, expiring after the access lifetime or with the session, whichever is first.

    Signed with the JWT key derived from the master secret, never the master or Django's key.
    """
    expires = min(timezone.now() + access_ttl(), session.expires_at)
    claims = {"exp": int(expires.timestamp()), "iat": int(timezone.now().timestamp()), "session": session.key}
    return jwt.encode(claims, keys.key(keys.WATCHER_JWT), algorithm=ALGORITHM)


def access_token_verify(token: str) -> tuple[User, AuthSession]:
    """The user and valid session of an access token; anything else (refresh tokens too) is a 401."""
    try:
        claims = jwt.decode(
            token, keys.key(keys.WATCHER_JWT), algorithms=[ALGORITHM], options={"require": ["exp"]}
        )
    except jwt.ExpiredSignatureError:
        raise exceptions.AuthenticationFailed("the access token has expired") from None
    except jwt.InvalidTokenError:
        raise exceptions.AuthenticationFailed("invalid access token") from None
    session = (
        AuthSession.objects.select_related("user")
        .filter(key=str(claims.get("session", "")), dialect=SessionDialect.WATCHER)
        .first()
    )
    if session is None or not sessions.session_is_valid(session):
        raise exceptions.AuthenticationFailed("the session has ended")
    return session.user, session


def session_start(*, user: User, request) -> tuple[AuthSession, str]:
    """A new Watcher session and its raw refresh token; 403 `max_sessions_reached` past the cap."""
    try:
        return sessions.session_start(
            user=user,
            dialect=SessionDialect.WATCHER,
            lifetime=refresh_ttl(),
            ip_address=client_address(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
    except sessions.SessionLimitReached as exc:
        raise WatcherError(str(exc), http_status=403, code="max_sessions_reached") from None


def session_refresh(raw_refresh: str) -> tuple[AuthSession, str]:
    """Spend a refresh token: the session and the refresh token that replaces it; a 401 otherwise.

    A spent token presented again ends its session (the service treats it as stolen).
    """
    try:
        return sessions.session_refresh(raw_refresh=raw_refresh, dialect=SessionDialect.WATCHER)
    except sessions.SessionInvalid as exc:
        raise exceptions.AuthenticationFailed(str(exc)) from None


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
