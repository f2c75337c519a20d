"""Feed parsing throughput: items per second for a generated 200-item RSS feed.

Run: .venv/bin/python benchmarks/bench_parse.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import feedparser
from common import machine

from bot.fetch.feeds import parse_feed
from bot.fetch.urls import canonical_url

TITLES = [
    "الرئيس يستقبل وفداً اقتصادياً لبحث تعزيز التعاون",
    "Markets rally after the central bank holds rates",
    "Merkez Bankası faiz kararını açıkladı: piyasalar yükselişte",
]
BODY = (
    "<p>{title}.</p><p>فقرة ثانية فيها <a href='/x'>رابط</a> و&amp; رموز.</p>"
    "<script>track()</script><p>Third paragraph with <b>bold</b> text and more words "
    "to make a realistic teaser of a few hundred characters, as agencies send.</p>"
)


def make_feed(items: int = 200) -> bytes:
    """Return an RSS 2.0 document with `items` items in three languages."""
    start = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">',
        "<channel><title>Bench News</title><link>https://bench.example/</link>",
        "<language>ar</language>",
    ]
    for i in range(items):
        title = TITLES[i % 3] + f" ({i})"
        body = BODY.format(title=title).replace("&", "&amp;").replace("<", "&lt;")
        parts.append(
            f"<item><title>{title}</title>"
            f"<link>https://bench.example/news/{i}?utm_source=rss&amp;id={i}</link>"
            f'<guid isPermaLink="false">bench-{i}</guid>'
            f"<pubDate>{format_datetime(start - timedelta(minutes=i))}</pubDate>"
            f"<category>economy</category><category>world</category>"
            f"<description>{body}</description></item>"
        )
    parts.append("</channel></rss>")
    return "\n".join(parts).encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--items", type=int, default=200)
    args = parser.parse_args()

    feed = make_feed(args.items)
    now = datetime(2026, 11, 26, 13, 0, tzinfo=UTC)
    result = parse_feed(feed, url="https://bench.example/rss", now=now)  # warm-up
    assert len(result.drafts) == args.items, (len(result.drafts), result.rejected[:3])

    timings = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        parse_feed(feed, url="https://bench.example/rss", now=now)
        timings.append(time.perf_counter() - started)
    median = statistics.median(timings)

    raw = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        feedparser.parse(feed)
        raw.append(time.perf_counter() - started)

    urls = [f"https://Bench.example:443/news/{i}/?utm_source=x&b={i}&a=1#f" for i in range(10_000)]
    started = time.perf_counter()
    for url in urls:
        canonical_url(url)
    url_rate = len(urls) / (time.perf_counter() - started)

    print(f"machine: {machine()} | feedparser {feedparser.__version__}")
    print(f"feed: {args.items} items, {len(feed) / 1024:.0f} KiB, {args.rounds} rounds")
    print(
        f"parse_feed: median {median * 1000:.1f} ms per feed, "
        f"{args.items / median:,.0f} items/s (best {args.items / min(timings):,.0f})"
    )
    print(
        f"feedparser.parse with its defaults (sanitizer on): median {statistics.median(raw) * 1000:.1f} ms, "
        f"{args.items / statistics.median(raw):,.0f} items/s"
    )
    print(f"canonical_url: {url_rate:,.0f} URLs/s")


if __name__ == "__main__":
    main()
