"""Requests the server makes to URLs users give it (web push endpoints) reach public hosts only.

A subscription endpoint is an address a user chose; pushing to it makes the worker POST there. So
it must be `https` to a host whose every address is public (not loopback, link-local, private,
shared or reserved), checked when it is stored and again, on the socket actually connected, when
it is used: a name that later resolves elsewhere (DNS rebinding) is refused at send time too.
NVR_PUSH_ALLOW_PRIVATE lifts both checks, for a push service on the same network (and tests).
"""

import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class PrivateAddressRefused(Exception):
    """The connection reached an address that is not public. Not an OSError, so urllib3 neither
    retries it nor wraps it: the caller sees why nothing was sent."""


def _allow_private() -> bool:
    return settings.NVR_PUSH_ALLOW_PRIVATE


def is_public_address(text: str) -> bool:
    address = ipaddress.ip_address(text.split("%", 1)[0])  # an IPv6 zone (fe80::1%eth0) is not public
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def public_url_problem(url: str) -> str | None:
    """Why the server may not send to `url` (a sentence), or None when it may."""
    parts = urlsplit(url)
    if _allow_private():
        return None if parts.scheme in ("http", "https") and parts.hostname else "must be an http(s) URL"
    if parts.scheme != "https" or not parts.hostname:
        return "must be an https URL"
    try:
        port = parts.port or 443
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)}
    except (OSError, UnicodeError, ValueError):
        return "must name a host that resolves"
    if not addresses or not all(is_public_address(a) for a in addresses):
        return "must be a public host (not a loopback, private, link-local or reserved address)"
    return None


def _check_peer(sock: socket.socket) -> None:
    if not _allow_private() and not is_public_address(sock.getpeername()[0]):
        sock.close()
        raise PrivateAddressRefused("refused to send to a non-public address")


class _PublicHTTPConnection(HTTPConnection):
    def _new_conn(self):
        sock = super()._new_conn()
        _check_peer(sock)
        return sock


class _PublicHTTPSConnection(HTTPSConnection):
    def _new_conn(self):
        sock = super()._new_conn()
        _check_peer(sock)  # before the TLS handshake: nothing is sent to a refused address
        return sock


class _PublicHTTPPool(HTTPConnectionPool):
    ConnectionCls = _PublicHTTPConnection


class _PublicHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PublicHTTPSConnection


class _PublicOnlyAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _PublicHTTPPool, "https": _PublicHTTPSPool}


def public_session() -> requests.Session:
    """A requests session that connects to public addresses only (and ignores proxy variables)."""
    session = requests.Session()
    session.trust_env = False
    adapter = _PublicOnlyAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
