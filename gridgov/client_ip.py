"""The address of the person at the other end of a request, as every limit counts it.

Behind a reverse proxy REMOTE_ADDR is the proxy's own address: counting by it would put every
user's failed logins, reports and guessed links on one address. The proxy's header
(GRIDGOV_CLIENT_IP_HEADER, X-Forwarded-For by default) is believed only when the request came
from an address in GRIDGOV_TRUSTED_PROXIES; from anybody else it is ignored, or a client could pick
a fresh address per attempt. docs/security.md says how to set the two.
"""
from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1:value.index("]")]
    elif value.count(":") == 1:  # "198.51.100.7:5123"
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _trusted(address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def client_address(request) -> str:
    """Steps:
    1. REMOTE_ADDR not among the trusted proxies: it is the client.
    2. Otherwise read the header's addresses from the right (each proxy appends the one it saw)
       and take the first that is not a trusted proxy: the rightmost address nobody we trust added.
    3. A header missing or unreadable: the proxy's own address, as before.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    networks = _networks(tuple(settings.GRIDGOV_TRUSTED_PROXIES))
    remote_address = _parse(remote)
    if remote_address is None or not networks or not _trusted(remote_address, networks):
        return remote or "unknown"
    meta_key = "HTTP_" + settings.GRIDGOV_CLIENT_IP_HEADER.upper().replace("-", "_")
    hops = [_parse(part) for part in request.META.get(meta_key, "").split(",")]
    for hop in reversed(hops):
        if hop is None:
            break  # an unreadable entry: nothing left of it can be believed
        if not _trusted(hop, networks):
            return str(hop)
    return remote

