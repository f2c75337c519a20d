"""fetch() against a loopback server: conditional requests, errors, redirects, size and time limits."""

from __future__ import annotations

import gzip
import time
from collections.abc import Iterator

import pytest

from bot.fetch.http import USER_AGENT, fetch, make_client
from tests import feedserver
from tests.feedserver import FeedServer, Route

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'

# The loopback server fixture (a conftest could register it for every module).
feed_server = feedserver.feed_server


async def get(url: str, **kwargs) -> object:
    async with make_client() as client:
        return await fetch(client, url, allow_private=True, **kwargs)


async def test_ok_returns_body_and_validators(feed_server: FeedServer) -> None:
    feed_server.routes["/feed.xml"] = Route(
        body=FEED, etag='"v1"', last_modified="Mon, 06 Sep 2021 16:45:00 GMT"
    )
    result = await get(feed_server.url("/feed.xml"))
    assert result.status == "ok" and result.http_status == 200
    assert result.content == FEED
    assert result.etag == '"v1"'
    assert result.last_modified == "Mon, 06 Sep 2021 16:45:00 GMT"
    assert result.content_type.startswith("application/rss+xml")
    assert result.final_url == feed_server.url("/feed.xml")
    assert feed_server.requests[0].headers["User-Agent"] == USER_AGENT


async def test_etag_gives_not_modified(feed_server: FeedServer) -> None:
    feed_server.routes["/feed.xml"] = Route(body=FEED, etag='"v1"')
    result = await get(feed_server.url("/feed.xml"), etag='"v1"')
    assert result.status == "not_modified" and result.content == b""
    assert result.etag == '"v1"'
    assert feed_server.requests[0].headers["If-None-Match"] == '"v1"'


async def test_last_modified_gives_not_modified(feed_server: FeedServer) -> None:
    stamp = "Mon, 06 Sep 2021 16:45:00 GMT"
    feed_server.routes["/feed.xml"] = Route(body=FEED, last_modified=stamp)
    result = await get(feed_server.url("/feed.xml"), last_modified=stamp)
    assert result.status == "not_modified"
    assert result.last_modified == stamp
    assert feed_server.requests[0].headers["If-Modified-Since"] == stamp


async def test_stale_etag_gets_the_new_body(feed_server: FeedServer) -> None:
    feed_server.routes["/feed.xml"] = Route(body=FEED, etag='"v2"')
    result = await get(feed_server.url("/feed.xml"), etag='"v1"')
    assert result.status == "ok" and result.etag == '"v2"' and result.content == FEED


async def test_server_error_is_reported(feed_server: FeedServer) -> None:
    feed_server.routes["/feed.xml"] = Route(body=b"oops", status=500)
    result = await get(feed_server.url("/feed.xml"))
    assert result.status == "error" and result.error == "HTTP 500" and result.http_status == 500


async def test_missing_page_is_reported(feed_server: FeedServer) -> None:
    result = await get(feed_server.url("/nothing"))
    assert result.status == "error" and result.http_status == 404


async def test_redirect_chain_is_followed(feed_server: FeedServer) -> None:
    feed_server.routes["/old"] = Route(redirect="/older", status=301)
    feed_server.routes["/older"] = Route(redirect=feed_server.url("/new"), status=308)
    feed_server.routes["/new"] = Route(redirect="feed.xml", status=302)
    feed_server.routes["/feed.xml"] = Route(body=FEED)
    result = await get(feed_server.url("/old"))
    assert result.status == "ok" and result.content == FEED
    assert result.final_url == feed_server.url("/feed.xml")


async def test_redirect_loop_is_stopped(feed_server: FeedServer) -> None:
    feed_server.routes["/a"] = Route(redirect="/b")
    feed_server.routes["/b"] = Route(redirect="/a")
    result = await get(feed_server.url("/a"))
    assert result.status == "error" and result.error == "redirect loop"
    assert len(feed_server.requests) == 2


async def test_more_than_five_redirects_is_an_error(feed_server: FeedServer) -> None:
    for i in range(7):
        feed_server.routes[f"/r{i}"] = Route(redirect=f"/r{i + 1}")
    feed_server.routes["/r7"] = Route(body=FEED)
    result = await get(feed_server.url("/r0"))
    assert result.status == "error" and "redirects" in result.error
    assert len(feed_server.requests) == 6


def slow_drip() -> Iterator[bytes]:
    """A body that sends one byte every 50 ms: each read is quick, the whole never ends."""
    for _ in range(400):
        yield b"x"
        time.sleep(0.05)


async def test_slow_drip_hits_the_total_deadline(feed_server: FeedServer) -> None:
    feed_server.routes["/drip"] = Route(body=slow_drip)
    result = await get(feed_server.url("/drip"), timeout=0.5)
    assert result.status == "error" and "timed out" in result.error


def endless() -> Iterator[bytes]:
    """64 KiB chunks up to 2 GB: the client must stop long before the end."""
    chunk = b"<item>" + b"a" * 65530
    for _ in range(32768):
        yield chunk


async def test_huge_body_is_cut_off(feed_server: FeedServer) -> None:
    feed_server.routes["/huge"] = Route(body=endless)
    result = await get(feed_server.url("/huge"), max_bytes=1_000_000)
    assert result.status == "error" and "too large" in result.error
    assert result.content == b""


async def test_declared_huge_length_is_refused_before_reading(feed_server: FeedServer) -> None:
    feed_server.routes["/big"] = Route(body=b"x", headers={"Content-Length": "2000000000"})
    result = await get(feed_server.url("/big"))
    assert result.status == "error" and "declared" in result.error


async def test_gzip_body_is_decoded(feed_server: FeedServer) -> None:
    feed_server.routes["/gz"] = Route(
        body=gzip.compress(FEED), headers={"Content-Encoding": "gzip"}
    )
    result = await get(feed_server.url("/gz"))
    assert result.status == "ok" and result.content == FEED
    assert "gzip" in feed_server.requests[0].headers["Accept-Encoding"]


async def test_gzip_bomb_is_cut_off(feed_server: FeedServer) -> None:
    bomb = gzip.compress(b"\0" * 20_000_000, compresslevel=9)
    assert len(bomb) < 100_000
    feed_server.routes["/bomb"] = Route(body=bomb, headers={"Content-Encoding": "gzip"})
    result = await get(feed_server.url("/bomb"), max_bytes=1_000_000)
    assert result.status == "error" and "too large" in result.error


async def test_connection_refused_is_an_error_not_an_exception() -> None:
    result = await get("http://127.0.0.1:9/feed", timeout=5)
    assert result.status == "error" and result.error


@pytest.mark.parametrize(
    "url",
    ["http://[::1", "http://example.com:99999/", "http://", "notaurl", "http://ex\x00ample.com/"],
)
async def test_malformed_urls_are_errors_not_exceptions(url: str) -> None:
    async def no_dns(host: str, port: int) -> list[str]:
        raise OSError("no DNS in tests")

    result = await get(url, timeout=5, resolver=no_dns)
    assert result.status == "error" and result.error
