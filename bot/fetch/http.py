"""Fetch a URL safely: SSRF checks on every hop, conditional requests, size and time limits."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal
from urllib.parse import urljoin

import httpx

from bot.fetch.safety import HostNotFound, Resolver, UnsafeURL, check_url

USER_AGENT = "Mojaz/0.1 (+https://github.com/mojaz-bot/mojaz)"
MAX_BYTES = 5_000_000
TOTAL_TIMEOUT = 30.0
MAX_REDIRECTS = 5
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, "
    "application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.7, */*;q=0.5"
)
_REDIRECTS = {301, 302, 303, 307, 308}

Status = Literal["ok", "not_modified", "error"]


@dataclass
class FetchResult:
    """What one fetch gave: content on "ok", nothing new on "not_modified", a reason on "error"."""

    status: Status
    content: bytes = b""
    final_url: str = ""
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    error: str | None = None
    http_status: int | None = None
    retry_after: float | None = None  # seconds a 429 or 503 asked us to wait (Retry-After)


def retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After header in seconds: a number of seconds, or an HTTP date; None if neither."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


class _TooLarge(Exception):
    """The body passed the size cap."""


def make_client(*, timeout: float = 15.0) -> httpx.AsyncClient:
    """Build the one AsyncClient the fetchers share; redirects are followed by `fetch` itself."""
    return httpx.AsyncClient(
        headers={"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"},
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        follow_redirects=False,
        # Environment proxies would bypass the address pinning below.
        trust_env=False,
        # Each request is pinned to a checked IP; a pooled connection must not be reused
        # for another host name that happens to share that IP.
        limits=httpx.Limits(max_keepalive_connections=0),
    )


def _pinned_request(client: httpx.AsyncClient, url: str, address: str, headers: dict[str, str]):
    """Build a request that connects to the checked address but names the original host."""
    logical = httpx.URL(url)
    request_headers = dict(headers)
    request_headers["Host"] = logical.netloc.decode("ascii")
    extensions = {}
    if logical.scheme == "https":
        # TLS still verifies the certificate against the host name, not the IP.
        extensions["sni_hostname"] = logical.raw_host.decode("ascii")
    return client.build_request(
        "GET", logical.copy_with(host=address), headers=request_headers, extensions=extensions
    )


async def _raw_chunks(response: httpx.Response) -> AsyncIterator[bytes]:
    """Yield the undecoded body; a response built in memory (httpx.MockTransport) has it already."""
    if response.is_stream_consumed:
        yield response.content
        return
    async for raw in response.aiter_raw():
        yield raw


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    """Read and decompress the body, stopping as soon as it passes `max_bytes`."""
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("gzip", "x-gzip"):
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        decoder = zlib.decompressobj(32 + zlib.MAX_WBITS)  # zlib or gzip header, auto-detected
    elif encoding in ("identity", ""):
        decoder = None
    else:
        raise ValueError(f"unsupported content-encoding: {encoding}")

    chunks: list[bytes] = []
    total = 0
    async for raw in _raw_chunks(response):
        pending = raw
        while pending:
            if decoder is None:
                out, pending = pending, b""
            else:
                # max_length bounds the output, so a compression bomb never inflates in memory.
                out = decoder.decompress(pending, max_bytes - total + 1)
                pending = decoder.unconsumed_tail
            total += len(out)
            if total > max_bytes:
                raise _TooLarge
            chunks.append(out)
    if decoder is not None:
        out = decoder.flush()
        total += len(out)
        if total > max_bytes:
            raise _TooLarge
        chunks.append(out)
    return b"".join(chunks)


async def _fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    etag: str | None,
    last_modified: str | None,
    max_bytes: int,
    allow_private: bool,
    resolver: Resolver | None,
) -> FetchResult:
    """Follow up to MAX_REDIRECTS hops, checking each one, and read the final body."""
    headers: dict[str, str] = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    seen: set[str] = set()
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        if current in seen:
            return FetchResult("error", final_url=current, error="redirect loop")
        seen.add(current)
        try:
            target = await check_url(current, allow_private=allow_private, resolver=resolver)
        except HostNotFound as exc:  # offline, or a typo: nothing unsafe about it
            return FetchResult("error", final_url=current, error=str(exc))
        except UnsafeURL as exc:
            return FetchResult("error", final_url=current, error=f"unsafe URL: {exc}")
        request = _pinned_request(client, current, target.address, headers)
        response = await client.send(request, stream=True)
        try:
            status = response.status_code
            if status in _REDIRECTS:
                location = response.headers.get("location")
                if not location:
                    return FetchResult(
                        "error",
                        final_url=current,
                        http_status=status,
                        error="redirect without location",
                    )
                current = urljoin(current, location.strip())
                continue
            result = FetchResult(
                "ok",
                final_url=current,
                http_status=status,
                etag=response.headers.get("etag") or etag,
                last_modified=response.headers.get("last-modified") or last_modified,
                content_type=response.headers.get("content-type"),
            )
            if status == 304:
                result.status = "not_modified"
                return result
            if status != 200:
                result.status = "error"
                result.error = f"HTTP {status}"
                result.retry_after = retry_after_seconds(response.headers.get("retry-after"))
                return result
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                result.status, result.error = "error", f"too large: {declared} bytes declared"
                return result
            try:
                result.content = await _read_capped(response, max_bytes)
            except _TooLarge:
                result.status, result.error = "error", f"too large: over {max_bytes} bytes"
            except (ValueError, zlib.error) as exc:
                result.status, result.error = "error", f"bad body: {exc}"
            return result
        finally:
            await response.aclose()
    return FetchResult("error", final_url=current, error=f"more than {MAX_REDIRECTS} redirects")


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int = MAX_BYTES,
    timeout: float = TOTAL_TIMEOUT,  # noqa: ASYNC109 (the API the poller calls)
    allow_private: bool = False,
    resolver: Resolver | None = None,
) -> FetchResult:
    """GET `url` within `timeout` seconds in total; never raises for network or server faults."""
    try:
        async with asyncio.timeout(timeout):
            return await _fetch(
                client,
                url,
                etag=etag,
                last_modified=last_modified,
                max_bytes=max_bytes,
                allow_private=allow_private,
                resolver=resolver,
            )
    except TimeoutError:
        return FetchResult("error", final_url=url, error=f"timed out after {timeout:g}s")
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, OSError, ValueError) as exc:
        return FetchResult("error", final_url=url, error=f"{type(exc).__name__}: {exc}")
