"""Find the feed behind a web page: the URL itself if it is a feed, else its <link rel=alternate>."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import httpx

from bot.fetch.feeds import parse_feed
from bot.fetch.http import fetch

FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json"}
)
MAX_CANDIDATES = 5


class _AlternateLinks(HTMLParser):
    """Collect hrefs of <link rel="alternate"> elements that announce a feed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: (value or "") for name, value in attrs}
        if tag == "base" and values.get("href") and self.base is None:
            self.base = values["href"]
        if tag not in ("link", "a"):
            return
        rels = values.get("rel", "").lower().split()
        kind = values.get("type", "").split(";")[0].strip().lower()
        if "alternate" in rels and kind in FEED_TYPES and values.get("href"):
            self.links.append(values["href"].strip())


def feed_links(html: str, page_url: str) -> list[str]:
    """Return the absolute feed URLs a page announces, in page order, without repeats."""
    parser = _AlternateLinks()
    parser.feed(html)
    parser.close()
    base = urljoin(page_url, parser.base) if parser.base else page_url
    out: list[str] = []
    for href in parser.links:
        url = urljoin(base, href)
        if url.startswith(("http://", "https://")) and url not in out:
            out.append(url)
    return out


def _is_feed(content: bytes, url: str, content_type: str | None) -> bool:
    return bool(parse_feed(content, url=url, content_type=content_type).version)


async def discover_feed(client: httpx.AsyncClient, url: str, **safety: Any) -> str | None:
    """Return a working feed URL for `url` (a feed or a page announcing one), or None.

    `safety` is passed to `fetch` (allow_private, resolver, max_bytes, timeout).
    """
    result = await fetch(client, url, **safety)
    if result.status != "ok":
        return None
    if _is_feed(result.content, result.final_url, result.content_type):
        return result.final_url
    text = result.content.decode("utf-8", "replace")
    for candidate in feed_links(text, result.final_url)[:MAX_CANDIDATES]:
        found = await fetch(client, candidate, **safety)
        if found.status == "ok" and _is_feed(found.content, found.final_url, found.content_type):
            return found.final_url
    return None
