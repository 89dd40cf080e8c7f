"""The client's real address behind a reverse proxy we trust, and nobody else's word for it.

Login throttling keys on the client address. Behind a proxy every request comes from the proxy,
so one attacker would throttle everybody; but a client-supplied `X-Forwarded-For` must not let an
attacker pick a fresh address per guess either. So the header is read only when the direct peer
is one of `NVR_TRUSTED_PROXIES`, and then from the right: the first address that is not a trusted
proxy is the client (the entries to its left were written by the client and prove nothing).
"""

import ipaddress

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings


def _networks() -> list:
    return [ipaddress.ip_network(entry, strict=False) for entry in settings.NVR_TRUSTED_PROXIES]


def _trusted(address: str, networks: list) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(meta: dict) -> str | None:
    """The client address of a request's META: REMOTE_ADDR, or what a trusted proxy says it is."""
    peer = meta.get("REMOTE_ADDR") or None
    networks = _networks()
    if not peer or not networks or not _trusted(peer, networks):
        return peer
    hops = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # a garbled header from a trusted proxy: keep what we know
    return peer


class TrustedProxyMiddleware:
    """Rewrites REMOTE_ADDR to the client's address (see the module docstring); sync and async."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def _rewrite(self, request) -> None:
        address = client_address(request.META)
        if address:
            request.META["REMOTE_ADDR"] = address

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        self._rewrite(request)
        return self.get_response(request)

    async def __acall__(self, request):
        self._rewrite(request)
        return await self.get_response(request)
