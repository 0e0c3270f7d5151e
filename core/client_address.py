"""Which client a request comes from, for the guessing and submission limits only.

The address is never stored or logged: ``core.throttling`` turns it into a keyed pseudonym at
once. What matters here is that a client cannot choose it. ``X-Forwarded-For`` is written by
whoever sends the request, so it is believed only as far as it was written by a proxy listed in
``UPSTANDER_TRUSTED_PROXIES``: a request whose own peer (``REMOTE_ADDR``) is not listed is
judged by that peer alone, and a listed proxy's header is read from the right, past every
listed proxy, to the first address that no proxy of ours vouches for (issue 10).

An IPv6 client is counted by its /64: one subscriber commonly holds a whole /64, so counting
single IPv6 addresses would give a guesser 2^64 fresh budgets.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

IPV6_CLIENT_PREFIX = 64

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def trusted_proxy_networks(entries: list[str] | tuple[str, ...]) -> tuple[Network, ...]:
    """Parse ``UPSTANDER_TRUSTED_PROXIES`` (addresses or CIDR blocks); a bad entry is a
    configuration error naming the variable, so a typo cannot silently trust nobody."""
    return _networks(tuple(entries))


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"UPSTANDER_TRUSTED_PROXIES must list IP addresses or CIDR blocks; got {entry!r}."
            ) from None
    return tuple(networks)


def _parse(text: str) -> Address | None:
    """An address as a proxy or the server writes it: bare, ``[v6]``, ``[v6]:port`` or
    ``v4:port``; IPv4-mapped IPv6 as IPv4. ``None`` when it is not an address."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def _client_name(address: Address) -> str:
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, IPV6_CLIENT_PREFIX), strict=False))
    return str(address)


def client_address(request: HttpRequest) -> str:
    """The name of the client this request counts against: an IPv4 address or an IPv6 /64."""
    peer_text: str = request.META.get("REMOTE_ADDR", "")
    peer = _parse(peer_text)
    if peer is None:
        # Not a network peer (a test client, a Unix socket): nothing better is known.
        return peer_text
    networks = trusted_proxy_networks(getattr(settings, "UPSTANDER_TRUSTED_PROXIES", ()))
    if not _trusted(peer, networks):
        return _client_name(peer)
    # Several headers are joined by the server with commas: one list, read from the right.
    forwarded = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    client = peer
    for hop_text in reversed(forwarded):
        hop = _parse(hop_text)
        if hop is None:
            # Written by one of our proxies yet not an address: stop at the last one we trust
            # rather than let the text in front of it name the client.
            break
        client = hop
        if not _trusted(hop, networks):
            break
    return _client_name(client)
