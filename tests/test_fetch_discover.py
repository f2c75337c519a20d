"""discover_feed: a feed URL is returned as is; an HTML page leads to its announced feed."""

from __future__ import annotations

from bot.fetch.discover import discover_feed, feed_links
from bot.fetch.http import make_client
from tests import feedserver
from tests.feedserver import FeedServer, Route

FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>Site</title>'
    b"<item><title>a</title><link>https://site.example/a</link></item></channel></rss>"
)

# The loopback server fixture (a conftest could register it for every module).
feed_server = feedserver.feed_server


def page(head: str) -> bytes:
    return f"<!doctype html><html><head><title>Site</title>{head}</head><body>hi</body></html>".encode()


def test_feed_links_resolves_relative_and_base() -> None:
    html = """<html><head><base href="https://cdn.example/sub/">
      <link rel="stylesheet" href="/s.css">
      <link rel="alternate" type="application/rss+xml" href="rss.xml">
      <link rel="Alternate" type="application/atom+xml; charset=utf-8" href="//other.example/atom">
      <link rel="alternate" type="text/html" href="/en/">
      <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
      <link rel="alternate" type="application/rss+xml" href="rss.xml">
    </head></html>"""
    assert feed_links(html, "https://site.example/page") == [
        "https://cdn.example/sub/rss.xml",
        "https://other.example/atom",
    ]


async def test_a_feed_url_is_returned_as_is(feed_server: FeedServer) -> None:
    feed_server.routes["/rss"] = Route(body=FEED)
    async with make_client() as client:
        found = await discover_feed(client, feed_server.url("/rss"), allow_private=True)
    assert found == feed_server.url("/rss")


async def test_html_page_leads_to_its_feed(feed_server: FeedServer) -> None:
    feed_server.routes["/"] = Route(
        body=page(
            '<link rel="alternate" type="application/rss+xml" href="/broken.xml">'
            '<link rel="alternate" type="application/atom+xml" href="feeds/main.xml">'
        ),
        content_type="text/html; charset=utf-8",
    )
    feed_server.routes["/broken.xml"] = Route(body=page(""), content_type="text/html")
    feed_server.routes["/feeds/main.xml"] = Route(body=FEED)
    async with make_client() as client:
        found = await discover_feed(client, feed_server.url("/"), allow_private=True)
    assert found == feed_server.url("/feeds/main.xml")


async def test_page_without_feed_gives_none(feed_server: FeedServer) -> None:
    feed_server.routes["/"] = Route(body=page(""), content_type="text/html")
    async with make_client() as client:
        assert await discover_feed(client, feed_server.url("/"), allow_private=True) is None
        assert await discover_feed(client, feed_server.url("/missing"), allow_private=True) is None


async def test_discovery_respects_the_ssrf_guard(feed_server: FeedServer) -> None:
    feed_server.routes["/rss"] = Route(body=FEED)
    async with make_client() as client:
        assert await discover_feed(client, feed_server.url("/rss")) is None
    assert feed_server.requests == []
