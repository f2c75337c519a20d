"""Canonical URLs: one spelling per article link, so the same story is stored once."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit, urlunsplit

import idna

# Query parameters that only track where a click came from; they never select content.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "ref",
        "ref_src",
        "ref_url",
        "cmpid",
        "ocid",
        "ito",
        "xtor",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "smid",
        "smtyp",
        "at_medium",
        "at_campaign",
        "at_custom1",
        "at_custom2",
        "at_custom3",
        "at_custom4",
        "ns_mchannel",
        "ns_source",
        "ns_campaign",
        "ns_linkname",
        "ns_fee",
        "__twitter_impression",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hmb_")

DEFAULT_PORTS = {"http": 80, "https": 443}

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Characters left as they are (RFC 3986 pchar, minus what would change the structure).
_PATH_SAFE = _UNRESERVED | frozenset(b"!$&'()*+,;=:@/")
_QUERY_SAFE = _UNRESERVED | frozenset(b"!$'()*,;:@/?")  # '&', '=', '+' stay encoded
_HEX = re.compile(r"%([0-9A-Fa-f]{2})")


def _normalise_percent(component: str, safe: frozenset[int], keep: str = "") -> str:
    """Decode escapes of unreserved bytes, upper-case the others, escape what must be escaped.

    `keep` lists characters that are structural here (e.g. '&' and '=' in a query)
    and must stay literal when they appear unescaped.
    """
    out: list[str] = []
    raw = component.encode("utf-8", "surrogatepass")
    i = 0
    while i < len(raw):
        byte = raw[i]
        if byte == 0x25:  # '%'
            match = _HEX.match(raw[i : i + 3].decode("ascii", "replace"))
            if match:
                value = int(match.group(1), 16)
                out.append(chr(value) if value in _UNRESERVED else f"%{value:02X}")
                i += 3
                continue
            out.append("%25")
        elif byte in safe or chr(byte) in keep:
            out.append(chr(byte))
        else:
            out.append(f"%{byte:02X}")
        i += 1
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    """Resolve '.' and '..' segments (RFC 3986 section 5.2.4)."""
    if "." not in path:
        return path
    segments: list[str] = []
    for segment in path.split("/")[1:]:
        if segment == ".":
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    if path.endswith(("/.", "/..")):
        segments.append("")
    return "/" + "/".join(segments)


def _host(hostname: str) -> str:
    """Lower-case the host and turn an internationalised name into punycode."""
    host = hostname.rstrip(".").lower()
    if not host:
        raise ValueError("URL has no host")
    if ":" in host:  # IPv6 literal; urlsplit removed the brackets
        return f"[{host}]"
    if host.isascii():
        return host
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        # Names that break IDNA 2008 rules but browsers still accept (IDNA 2003).
        try:
            return host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise ValueError(f"bad host {hostname!r}") from exc


def is_tracking_param(name: str) -> bool:
    """Tell whether a query parameter name only tracks campaigns or clicks."""
    name = name.lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """Return the canonical spelling of an http(s) URL; raise ValueError for anything else.

    Lower-case scheme and host (punycode), no default port, no credentials, no
    fragment, no tracking parameters, sorted query, normalised escapes and dot
    segments, no trailing slash except on the root.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"not an http(s) URL: {url!r}")
    host = _host(parts.hostname or "")
    port = parts.port  # raises ValueError when out of range
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"

    path = _remove_dot_segments(_normalise_percent(parts.path or "/", _PATH_SAFE))
    if not path.startswith("/"):
        path = "/" + path
    path = path.rstrip("/") or "/"

    pairs: list[tuple[str, str]] = []
    for item in parts.query.split("&"):
        if not item:
            continue
        name, sep, value = item.partition("=")
        name = _normalise_percent(name, _QUERY_SAFE, keep="+")
        if is_tracking_param(name):
            continue
        value = _normalise_percent(value, _QUERY_SAFE, keep="+=")
        pairs.append((name, f"{sep}{value}"))
    query = "&".join(name + value for name, value in sorted(pairs))
    return urlunsplit((scheme, netloc, path, query, ""))


def absolute_url(link: str | None, base: str | None) -> str | None:
    """Resolve `link` against `base` and canonicalise it; None when it is not a usable http(s) URL."""
    if not link or not link.strip():
        return None
    try:
        return canonical_url(urljoin(base or "", link.strip()))
    except ValueError:
        return None
