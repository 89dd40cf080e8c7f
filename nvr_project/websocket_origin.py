"""Websocket handshakes from our own pages only (no cross-site websocket hijacking).

A browser sends the session cookie with a websocket handshake to our host whichever site opened
it, and the same-origin policy does not apply to websockets: only the `Origin` header tells our
page from another site's. The rule is Django's CSRF origin check: the origin is this server's own
(the same host and port as the handshake's `Host`, itself one of ALLOWED_HOSTS), or one of
CSRF_TRUSTED_ORIGINS (for a proxy on another name). A handshake without `Origin` is refused too.
"""

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain


def origin_allowed(headers: dict[bytes, bytes]) -> bool:
    origin = headers.get(b"origin", b"").decode("latin-1").strip()
    host = headers.get(b"host", b"").decode("latin-1").strip().lower()
    parsed = urlsplit(origin)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return False
    if _trusted(origin, parsed.scheme, parsed.netloc.lower()):
        return True
    domain, _ = split_domain_port(host)
    return parsed.netloc.lower() == host and bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)


def _trusted(origin: str, scheme: str, netloc: str) -> bool:
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        if trusted == origin:
            return True
        parts = urlsplit(trusted)
        if parts.scheme == scheme and "*" in parts.netloc and is_same_domain(netloc, parts.netloc[1:]):
            return True
    return False


class OriginValidator:
    """ASGI middleware: a websocket handshake whose Origin is not ours is denied (HTTP 403)."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(dict(scope.get("headers", []))):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
