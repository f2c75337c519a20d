"""SSRF guard: decide, after DNS resolution, whether a URL may be fetched."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Resolves a host name (and port) to the IP addresses a connection could reach.
Resolver = Callable[[str, int], Awaitable[list[str]]]

ALLOWED_SCHEMES = ("http", "https")

# Ranges that `is_global` alone lets through but that are not ordinary public hosts.
_EXTRA_BLOCKED = [
    ipaddress.ip_network("224.0.0.0/4"),  # multicast
    ipaddress.ip_network("ff00::/8"),  # IPv6 multicast
    ipaddress.ip_network("192.0.0.0/24"),  # IETF protocol assignments
    ipaddress.ip_network("100.64.0.0/10"),  # CGNAT (shared address space)
    ipaddress.ip_network("198.18.0.0/15"),  # benchmarking
]
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class UnsafeURL(ValueError):
    """The URL may not be fetched: wrong scheme, no host, or a non-public address."""


class HostNotFound(UnsafeURL):
    """The URL's host name does not resolve (a typo, or no network): not a danger, an error."""


class PrivateAddress(UnsafeURL):
    """The URL's host is (or resolves to) a loopback, private, link-local or reserved address."""


@dataclass(frozen=True)
class Target:
    """A URL cleared for fetching and the address the connection must go to."""

    url: str
    scheme: str
    host: str
    port: int
    address: str


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """Return the IPv4 address an IPv6 address carries (mapped, 6to4, Teredo, NAT64)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public_address(address: str | IPAddress) -> bool:
    """Tell whether an address is an ordinary public unicast address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0] if isinstance(address, str) else address)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return is_public_address(ip.ipv4_mapped)
        inner = _embedded_ipv4(ip)
        if inner is not None and not is_public_address(inner):
            return False
    if not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_unspecified:
        return False
    return not any(ip in net for net in _EXTRA_BLOCKED if net.version == ip.version)


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve with the operating system's resolver, off the event loop."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def check_url(
    url: str, *, allow_private: bool = False, resolver: Resolver | None = None
) -> Target:
    """Resolve the URL's host and return where to connect; raise UnsafeURL when it is not allowed.

    Every resolved address must be public (unless `allow_private`): a name that
    resolves to one public and one private address is refused, because the
    connection could land on either.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL(f"malformed URL: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise UnsafeURL(f"scheme not allowed: {scheme or '(none)'}")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeURL("URL has no host")
    if port is None:
        port = 443 if scheme == "https" else 80

    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        try:
            addresses = await (resolver or system_resolver)(host, port)
        except (OSError, ValueError) as exc:  # ValueError covers UnicodeError and NUL bytes
            raise HostNotFound(f"cannot resolve {host}: {exc}") from exc
    if not addresses:
        raise HostNotFound(f"cannot resolve {host}")
    addresses = [a.split("%", 1)[0] for a in addresses]
    if not allow_private:
        for address in addresses:
            try:
                public = is_public_address(address)
            except ValueError as exc:
                raise UnsafeURL(f"bad address {address!r} for {host}") from exc
            if not public:
                raise PrivateAddress(f"{host} resolves to non-public address {address}")
    return Target(url=url, scheme=scheme, host=host, port=port, address=addresses[0])
