"""SSRF guard: non-public addresses are refused after DNS and on every redirect."""

from __future__ import annotations

import httpx
import pytest

from bot.fetch.http import fetch, make_client
from bot.fetch.safety import UnsafeURL, check_url, is_public_address
from tests import feedserver
from tests.feedserver import FeedServer, Route

# The loopback server fixture (a conftest could register it for every module).
feed_server = feedserver.feed_server


def fake_resolver(table: dict[str, list[str]]):
    """A resolver that answers from a table and never touches real DNS."""

    async def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError(f"no such host {host}")
        return table[host]

    return resolve


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.251",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "198.18.0.1",
        "192.0.2.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "64:ff9b::a00:1",
        "2002:a00:1::1",
        "2001:db8::1",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"]
)
def test_public_addresses_pass(address: str) -> None:
    assert is_public_address(address)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://10.0.0.5:8080/feed",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:192.168.0.1]/",
    ],
)
async def test_check_url_refuses_private_literals(url: str) -> None:
    with pytest.raises(UnsafeURL, match="non-public"):
        await check_url(url, resolver=fake_resolver({}))


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/", "gopher://x/", "//x/"])
async def test_check_url_refuses_other_schemes(url: str) -> None:
    with pytest.raises(UnsafeURL, match="scheme"):
        await check_url(url, resolver=fake_resolver({}))


async def test_public_name_resolving_to_private_address_is_refused() -> None:
    resolver = fake_resolver({"news.example": ["10.0.0.8"]})
    with pytest.raises(UnsafeURL, match="10.0.0.8"):
        await check_url("https://news.example/rss", resolver=resolver)


async def test_a_name_with_any_private_address_is_refused() -> None:
    resolver = fake_resolver({"mixed.example": ["93.184.216.34", "127.0.0.1"]})
    with pytest.raises(UnsafeURL):
        await check_url("https://mixed.example/", resolver=resolver)


async def test_unresolvable_name_is_refused() -> None:
    with pytest.raises(UnsafeURL, match="cannot resolve"):
        await check_url("https://nowhere.example/", resolver=fake_resolver({}))


async def test_a_name_that_does_not_resolve_is_an_error_not_a_danger() -> None:
    async with make_client() as client:
        result = await fetch(client, "https://nowhere.example/feed", resolver=fake_resolver({}))
    assert result.status == "error"
    assert (result.error or "").startswith("cannot resolve nowhere.example")  # not "unsafe URL"


async def test_allow_private_lets_loopback_through() -> None:
    target = await check_url("http://127.0.0.1:9/feed", allow_private=True)
    assert (target.address, target.port) == ("127.0.0.1", 9)


async def test_fetch_refuses_loopback_by_default_without_connecting(
    feed_server: FeedServer,
) -> None:
    feed_server.routes["/feed"] = Route(body=b"<rss/>")
    async with make_client() as client:
        result = await fetch(client, feed_server.url("/feed"))
    assert result.status == "error"
    assert "unsafe URL" in (result.error or "")
    assert feed_server.requests == []


async def test_redirect_from_public_host_to_private_host_is_refused() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(302, headers={"Location": "http://internal.example/admin"})

    resolver = fake_resolver(
        {"public.example": ["93.184.216.34"], "internal.example": ["10.0.0.7"]}
    )
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        result = await fetch(client, "http://public.example/feed", resolver=resolver)
    assert result.status == "error"
    assert "10.0.0.7" in (result.error or "")
    assert len(seen) == 1  # the private host was never contacted


async def test_redirect_to_private_literal_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(301, headers={"Location": "http://169.254.169.254/latest/"})

    resolver = fake_resolver({"public.example": ["93.184.216.34"]})
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        result = await fetch(client, "https://public.example/feed", resolver=resolver)
    assert result.status == "error" and "non-public" in (result.error or "")


async def test_connection_is_pinned_to_the_checked_address() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b"ok")

    resolver = fake_resolver({"news.example": ["93.184.216.34"]})
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        result = await fetch(client, "https://news.example:8443/rss?x=1", resolver=resolver)
    assert result.status == "ok" and result.content == b"ok"
    assert result.final_url == "https://news.example:8443/rss?x=1"
    request = seen[0]
    # The socket goes to the IP that was checked; Host and TLS name stay the real host.
    assert request.url.host == "93.184.216.34"
    assert request.headers["host"] == "news.example:8443"
    assert request.extensions["sni_hostname"] == "news.example"
