"""Canonical URLs: one spelling per article link, so the same story is stored once."""

from __future__ import annotations

import re
from functools import lru_cache
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
# An escape that normalising changes: a lower-case hex digit, or an unreserved byte
# (%2D %2E %30-%39 %41-%5A %5F %61-%7A %7E). Other escapes (%D8 in an Arabic path) stay.
_CHANGED_ESCAPE = (
    r"%(?:[0-9A-Fa-f][a-f]|[a-f][0-9A-F]|2[DE]|3[0-9]|4[1-9A-F]|5[0-9AF]|6[1-9A-F]|7[0-9AE])"
)
# A '%' that does not start an escape.
_BARE_PERCENT = r"%(?![0-9A-Fa-f]{2})"
_PERCENT_TO_NORMALISE = re.compile(f"{_CHANGED_ESCAPE}|{_BARE_PERCENT}")


@lru_cache(maxsize=8)
def _patterns(safe: frozenset[int], keep: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Match characters to escape; match everything `_normalise_percent` changes."""
    kept = "".join(re.escape(chr(byte)) for byte in sorted(safe)) + re.escape(keep)
    unsafe = f"[^{kept}%]+"
    return re.compile(unsafe), re.compile(f"{_CHANGED_ESCAPE}|{_BARE_PERCENT}|{unsafe}")


def _normalised(match: re.Match[str]) -> str:
    """The normal form of one match of the second pattern of `_patterns`."""
    text = match.group()
    if len(text) == 3 and text[0] == "%":  # an escape (a bare '%' matches alone)
        value = int(text[1:], 16)
        return chr(value) if value in _UNRESERVED else f"%{value:02X}"
    # A bare '%' or characters outside the safe set: each of their UTF-8 bytes escaped.
    return "%" + text.encode("utf-8", "surrogatepass").hex("%").upper()


def _normalise_percent(component: str, safe: frozenset[int], keep: str = "") -> str:
    """Decode escapes of unreserved bytes, upper-case the others, escape what must be escaped.

    `keep` lists characters that are structural here (e.g. '&' and '=' in a query)
    and must stay literal when they appear unescaped.
    """
    unsafe, changed = _patterns(safe, keep)
    # Most links are normal already (an Arabic path is a hundred upper-case escapes). Two scans
    # that start with a fixed character or class find that in C, several times faster than
    # one pattern with alternatives tried at every character.
    if _PERCENT_TO_NORMALISE.search(component) is None and unsafe.search(component) is None:
        return component
    return changed.sub(_normalised, component)


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


# A feed's links are canonicalised when it is parsed and again when its items are stored:
# recent answers are remembered, each also under its own spelling, since a canonical URL is its
# own canonical form (test_canonical_url_is_idempotent), so the second call is a lookup.
_RECENT: dict[str, str] = {}
_RECENT_MAX = 4096


def canonical_url(url: str) -> str:
    """Return the canonical spelling of an http(s) URL; raise ValueError for anything else.

    Lower-case scheme and host (punycode), no default port, no credentials, no
    fragment, no tracking parameters, sorted query, normalised escapes and dot
    segments, no trailing slash except on the root.
    """
    known = _RECENT.get(url)
    if known is not None:
        return known
    canonical = _canonical_url(url)
    if len(_RECENT) >= _RECENT_MAX:
        _RECENT.clear()
    _RECENT[url] = _RECENT[canonical] = canonical
    return canonical


def _canonical_url(url: str) -> str:
    """Compute `canonical_url`."""
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
