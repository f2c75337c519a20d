"""Sources and the poller against a loopback feed server: validators, backoff, health, dedupe."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest

from bot.clock import FakeClock
from bot.errors import BadInput, NotFound
from bot.fetch import extract
from bot.fetch.feeds import parse_feed
from bot.fetch.opml import parse_opml
from bot.models import ArticleDraft
from bot.polling import poll_and_report
from bot.services import Services, build_services
from bot.services.poller import backoff
from bot.store.sources import Source
from tests.feedserver import FeedServer, Route
from tests.harness import REPO, bot_under_test
from tests.harness import test_config as make_config

START = datetime(2025, 3, 6, 12, 0, tzinfo=UTC)
ADMIN = 4242


def rss(items: list[dict[str, str]], title: str = "Loopback News", language: str = "en") -> bytes:
    """An RSS 2.0 document with these items (title, link, guid, description, pubDate)."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>',
        f"<title>{escape(title)}</title><link>http://example.org/</link><language>{language}</language>",
    ]
    for item in items:
        parts.append("<item>")
        for key, value in item.items():
            parts.append(f"<{key}>{escape(value)}</{key}>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")


def item(n: int, text: str = "", **extra: str) -> dict[str, str]:
    return {
        "title": f"Parliament passes budget number {n}",
        "link": f"https://news.example/articles/{n}",
        "guid": f"urn:story:{n}",
        "description": text
        or f"Lawmakers approved spending plan {n} after a long debate in the capital.",
        "pubDate": "Thu, 06 Mar 2025 10:00:00 GMT",
        **extra,
    }


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    config = make_config(tmp_path, allow_private_feeds=True, seeds_dir=seeds)
    built = build_services(config, FakeClock(START))
    yield built
    built.close()


def clock(services: Services) -> FakeClock:
    assert isinstance(services.clock, FakeClock)
    return services.clock


def add(services: Services, url: str, **settings: Any) -> Source:
    """Store a source directly (add_source's network check is tested on its own)."""
    fields: dict[str, Any] = {
        "name": "Loopback News",
        "language": "en",
        "topics": [],
        "interval_minutes": 15,
        "fetch_full_text": False,
    } | settings
    source_id = services.store.sources.add(url=url, now=services.clock.now(), **fields)
    source = services.store.sources.get(source_id)
    assert source is not None
    return source


def stored(services: Services, source_id: int) -> Source:
    source = services.store.sources.get(source_id)
    assert source is not None
    return source


async def poll(services: Services) -> Any:
    try:
        return await services.poller.poll_due()
    finally:
        await services.poller.http.aclose()


# -- seeding -------------------------------------------------------------------------------------


SEED_TOML = """
[[source]]
name = "One"
url = "https://one.example/rss"
language = "en"
topics = ["world"]
interval_minutes = 20

[[source]]
name = "Two"
url = "https://two.example/rss"
language = "ar"
enabled = false
"""


def test_seeding_is_idempotent_and_never_undoes_an_admins_change(
    services: Services, tmp_path: Path
) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(SEED_TOML, encoding="utf-8")
    assert services.sources.seed(path) == 2
    one, two = services.sources.all()
    assert (one.name, one.topics, one.interval_minutes, one.paused) == ("One", ["world"], 20, False)
    assert two.paused  # enabled = false arrives paused, for an admin to resume
    assert services.sources.seed(path) == 0
    services.sources.remove(one.id)
    services.sources.resume(two.id)
    assert services.sources.seed(path) == 0
    assert [(s.name, s.paused) for s in services.sources.all()] == [("Two", False)]
    assert services.sources.seed(tmp_path / "missing.toml") == 0


def test_seeding_skips_a_url_an_admin_already_added(services: Services, tmp_path: Path) -> None:
    add(services, "https://ONE.example/rss/", name="Mine")
    path = tmp_path / "sources.toml"
    path.write_text(SEED_TOML, encoding="utf-8")
    assert services.sources.seed(path) == 1
    assert [s.name for s in services.sources.all()] == ["Mine", "Two"]


# -- polling: validators, schedule, backoff --------------------------------------------------------


async def test_200_then_304_with_etag_and_last_modified(
    services: Services, feed_server: FeedServer
) -> None:
    modified = "Thu, 06 Mar 2025 11:00:00 GMT"
    feed_server.routes["/rss"] = Route(
        body=rss([item(1), item(2)]), etag='"v1"', last_modified=modified
    )
    source = add(services, feed_server.url("/rss"), topics=["economy"])

    first = await poll(services)
    assert [(p.status, p.added) for p in first.polls] == [("ok", 2)]
    after = stored(services, source.id)
    assert (after.etag, after.last_modified, after.article_count) == ('"v1"', modified, 2)
    assert after.last_success_at == START
    assert after.next_poll_at == START + timedelta(minutes=15)

    assert (await poll(services)).polls == []  # not due yet
    clock(services).advance(minutes=15)
    second = await poll(services)
    assert [(p.status, p.added) for p in second.polls] == [("not_modified", 0)]
    assert feed_server.requests[-1].headers.get("If-None-Match") == '"v1"'
    assert feed_server.requests[-1].headers.get("If-Modified-Since") == modified
    assert stored(services, source.id).article_count == 2
    assert services.store.articles.count() == 2


async def test_articles_carry_the_source_name_link_and_topics(
    services: Services, feed_server: FeedServer
) -> None:
    feed_server.routes["/rss"] = Route(body=rss([item(1)]))
    source = add(services, feed_server.url("/rss"), name="Sports Desk", topics=["sports"])
    report = await poll(services)
    article_id = services.store.articles.latest(1)[0].id
    assert report.polls[0].added == 1
    assert services.store.articles.get(article_id).source == "Sports Desk"  # type: ignore[union-attr]
    # The source's topics reach the classifier, first.
    assert services.store.topics.topics_of([article_id])[article_id][0] == "sports"
    with services.store.reading() as db:
        row = db.execute("SELECT source_id FROM articles WHERE id = ?", [article_id]).fetchone()
    assert row[0] == source.id


async def test_an_undeclared_iso_8859_6_feed_is_stored_as_arabic(
    services: Services, feed_server: FeedServer
) -> None:
    title, text = "الرئيس يستقبل وفداً اقتصادياً", "بحث الجانبان سبل تعزيز التعاون والتبادل التجاري."
    feed = rss([item(1, text, title=title)], title="أخبار", language="ar").decode()
    feed = feed.replace('<?xml version="1.0" encoding="utf-8"?>', "")
    feed_server.routes["/rss"] = Route(body=feed.encode("iso-8859-6"), content_type="text/xml")
    add(services, feed_server.url("/rss"), language=None)
    await poll(services)
    [article] = services.store.articles.latest(1)
    assert (article.title, article.body, article.language) == (title, text, "ar")


def test_backoff_doubles_and_is_capped() -> None:
    assert backoff(15, 0) == timedelta(minutes=15)
    assert [backoff(15, n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (30, 60, 120)]
    assert backoff(15, 9) == timedelta(hours=6)
    assert backoff(15, 10_000) == timedelta(hours=6)
    assert backoff(1440, 3) == timedelta(days=1)  # a daily source is not polled more often


async def test_server_errors_back_off_exponentially(
    services: Services, feed_server: FeedServer
) -> None:
    feed_server.routes["/rss"] = Route(body=b"oops", status=500, content_type="text/plain")
    source = add(services, feed_server.url("/rss"))
    waits = []
    for _ in range(5):
        report = await poll(services)
        assert [(p.status, p.error) for p in report.polls] == [("error", "HTTP 500")]
        now = services.clock.now()
        after = stored(services, source.id)
        waits.append(after.next_poll_at - now)  # type: ignore[operator]
        clock(services).set(after.next_poll_at)  # type: ignore[arg-type]
    assert waits == [timedelta(minutes=m) for m in (30, 60, 120, 240, 360)]
    after = stored(services, source.id)
    assert (after.consecutive_failures, after.failing_since, after.last_error) == (
        5,
        START,
        "HTTP 500",
    )
    assert services.sources.health(after) == "failing"

    feed_server.routes["/rss"] = Route(body=rss([item(1)]))
    await poll(services)
    healed = stored(services, source.id)
    assert (healed.consecutive_failures, healed.failing_since) == (0, None)
    assert healed.last_error == "HTTP 500"  # kept, for /sources to show
    assert services.sources.health(healed) == "ok"


async def test_paused_sources_are_not_polled(services: Services, feed_server: FeedServer) -> None:
    feed_server.routes["/rss"] = Route(body=rss([item(1)]))
    source = add(services, feed_server.url("/rss"))
    services.sources.pause(source.id)
    assert (await poll(services)).polls == []
    assert feed_server.requests == []
    services.sources.resume(source.id)
    assert [p.added for p in (await poll(services)).polls] == [1]


async def test_many_sources_are_polled_in_one_cycle(
    services: Services, feed_server: FeedServer
) -> None:
    for n in range(20):
        feed_server.routes[f"/rss{n}"] = Route(body=rss([item(n)]), etag=f'"{n}"')
        add(services, feed_server.url(f"/rss{n}"), name=f"Feed {n}")
    report = await poll(services)
    assert sorted(p.name for p in report.polls) == sorted(f"Feed {n}" for n in range(20))
    assert report.added == 20


# -- unsafe and broken answers -------------------------------------------------------------------


async def test_redirects_are_followed(services: Services, feed_server: FeedServer) -> None:
    feed_server.routes["/old"] = Route(redirect="/moved", status=301)
    feed_server.routes["/moved"] = Route(redirect=feed_server.url("/rss"), status=302)
    feed_server.routes["/rss"] = Route(body=rss([item(1)]))
    add(services, feed_server.url("/old"))
    report = await poll(services)
    assert [(p.status, p.added) for p in report.polls] == [("ok", 1)]


async def test_a_redirect_loop_is_a_failure(services: Services, feed_server: FeedServer) -> None:
    feed_server.routes["/a"] = Route(redirect="/b")
    feed_server.routes["/b"] = Route(redirect="/a")
    add(services, feed_server.url("/a"))
    report = await poll(services)
    assert report.polls[0].status == "error"
    assert "redirect" in (report.polls[0].error or "")


async def test_a_huge_body_is_refused_and_stores_nothing(
    services: Services, feed_server: FeedServer
) -> None:
    def endless() -> Iterator[bytes]:
        yield rss([item(1)])[:-20]
        while True:
            yield b"<item><title>more</title></item>" * 2000

    feed_server.routes["/rss"] = Route(body=endless)
    add(services, feed_server.url("/rss"))
    report = await poll(services)
    assert report.polls[0].status == "error"
    assert "too large" in (report.polls[0].error or "")
    assert services.store.articles.count() == 0


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html><body>Not a feed at all</body></html>", "not a feed"),
        (b"\x00\x01\x02 binary junk", "malformed feed"),
        (
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
            b'<rss version="2.0"><channel><title>&b;</title></channel></rss>',
            "entity declarations refused",
        ),
    ],
)
async def test_bad_xml_is_a_failure_and_stores_nothing(
    services: Services, feed_server: FeedServer, body: bytes, reason: str
) -> None:
    feed_server.routes["/rss"] = Route(body=body)
    source = add(services, feed_server.url("/rss"))
    report = await poll(services)
    assert report.polls[0].status == "error"
    assert reason in (report.polls[0].error or "")
    assert stored(services, source.id).consecutive_failures == 1
    assert services.store.articles.count() == 0


async def test_an_empty_feed_is_a_success(services: Services, feed_server: FeedServer) -> None:
    feed_server.routes["/rss"] = Route(body=rss([]))
    source = add(services, feed_server.url("/rss"))
    assert [p.status for p in (await poll(services)).polls] == ["ok"]
    assert stored(services, source.id).last_success_at == START


async def test_a_bad_item_is_rejected_with_a_logged_reason(
    services: Services, feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    empty = {"guid": "urn:empty", "description": ""}
    feed_server.routes["/rss"] = Route(body=rss([item(1), empty]))
    add(services, feed_server.url("/rss"))
    with caplog.at_level(logging.INFO, logger="bot.services.poller"):
        report = await poll(services)
    assert report.polls[0].added == 1
    assert [reason for _, reason in report.polls[0].rejected] == ["no link and no title"]
    assert "no link and no title" in caplog.text


# -- duplicates ----------------------------------------------------------------------------------


async def test_duplicates_across_polls_are_one_article(
    services: Services, feed_server: FeedServer
) -> None:
    feed_server.routes["/rss"] = Route(body=rss([item(1), item(2)]), etag='"v1"')
    add(services, feed_server.url("/rss"))
    await poll(services)
    first_id = {a.url: a.id for a in services.store.articles.latest(10)}[
        "https://news.example/articles/1"
    ]

    # The same items again, one with tracking parameters and another guid; one with new text.
    changed = item(1, text="Lawmakers approved the amended spending plan late on Thursday night.")
    variant = item(
        2, link="https://news.example/articles/2?utm_source=rss&utm_medium=feed", guid="other"
    )
    feed_server.routes["/rss"] = Route(body=rss([changed, variant, item(2)]), etag='"v2"')
    clock(services).advance(minutes=15)
    report = await poll(services)
    assert (report.polls[0].added, report.polls[0].updated) == (0, 1)
    assert services.store.articles.count() == 2
    updated = services.store.articles.get(first_id)
    assert updated is not None and "amended" in updated.body


def test_ingest_canonicalises_links(services: Services) -> None:
    base = ArticleDraft(title="Storm closes the port", body="The port shut at noon.", source="Wire")
    first = services.ingest.ingest(
        [replace(base, url="https://Port.example/news/1/?utm_campaign=x#top")]
    )
    again = services.ingest.ingest(
        [
            replace(
                base,
                url="https://port.example/news/1?fbclid=abc",
                body="The port shut at noon, officials said.",
            )
        ]
    )
    assert len(first.added) == 1
    assert again.updated == first.added  # same link once canonical: the text changed, so updated
    article = services.store.articles.get(first.added[0])
    assert article is not None and article.url == "https://port.example/news/1"


async def test_a_failing_write_leaves_no_half_article_and_is_retried(
    services: Services, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed_server.routes["/rss"] = Route(body=rss([item(1), item(2)]), etag='"v1"')
    source = add(services, feed_server.url("/rss"))
    real_insert = services.store.articles.insert
    calls = []

    def flaky_insert(row: Any, now: datetime) -> int:
        calls.append(row.title)
        if len(calls) == 2:
            raise sqlite3.OperationalError("disk I/O error")
        return real_insert(row, now)

    monkeypatch.setattr(services.store.articles, "insert", flaky_insert)
    report = await poll(services)
    assert report.polls[0].status == "error"
    assert "disk I/O error" in (report.polls[0].error or "")
    with services.store.reading() as db:
        articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
        indexed = db.execute("SELECT count(*) FROM articles_fts").fetchone()[0]
    # Both articles were in one write transaction: neither is stored, none half.
    assert articles == indexed == 0
    # The validators were not kept: the next poll fetches the whole feed and finishes the job.
    assert stored(services, source.id).etag is None
    clock(services).set(stored(services, source.id).next_poll_at)  # type: ignore[arg-type]
    again = await poll(services)
    assert (again.polls[0].status, again.polls[0].added, again.polls[0].unchanged) == ("ok", 2, 0)
    assert services.store.articles.count() == 2


def parse_items(items: list[dict[str, str]], source: str) -> list[ArticleDraft]:
    """The drafts a poll of a feed with these items makes."""
    return parse_feed(
        rss(items), url="https://news.example/rss", source=source, language="en", now=START
    ).drafts


def hold_first_ingest(services: Services) -> tuple[threading.Event, threading.Event]:
    """Make the first ingest of the cycle wait: (it has started, let it go on)."""
    started, go_on = threading.Event(), threading.Event()
    real = services.ingest.ingest
    calls: list[int] = []

    def held(drafts: Any, label: str = "") -> Any:
        calls.append(1)
        if len(calls) == 1:
            started.set()
            go_on.wait(timeout=10)
        return real(drafts, label)

    services.ingest.ingest = held  # type: ignore[method-assign]
    return started, go_on


async def test_a_source_removed_or_paused_during_a_cycle_is_not_polled_after(
    services: Services, feed_server: FeedServer
) -> None:
    services.poller.concurrency = 1  # B and C wait for A's turn to end
    for path, n in (("/a", 1), ("/b", 2), ("/c", 3)):
        feed_server.routes[path] = Route(body=rss([item(n)]))
    add(services, feed_server.url("/a"), name="A")
    b = add(services, feed_server.url("/b"), name="B")
    c = add(services, feed_server.url("/c"), name="C")
    started, go_on = hold_first_ingest(services)
    cycle = asyncio.create_task(poll(services))
    assert await asyncio.to_thread(started.wait, 10)
    services.sources.remove(b.id)
    services.sources.pause(c.id)
    go_on.set()
    report = await cycle
    assert [p.name for p in report.polls] == ["A"]
    assert [r.path for r in feed_server.requests] == ["/a"]


async def test_a_source_removed_while_its_feed_is_ingested_records_nothing(
    services: Services, feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    feed_server.routes["/a"] = Route(body=rss([item(1), item(2)]), etag='"old"')
    feed_server.routes["/new"] = Route(body=rss([item(7)]))
    a = add(services, feed_server.url("/a"), name="A")
    started, go_on = hold_first_ingest(services)
    cycle = asyncio.create_task(poll(services))
    assert await asyncio.to_thread(started.wait, 10)
    services.sources.remove(a.id)
    newer = add(services, feed_server.url("/new"), name="New")  # ids are given out again
    go_on.set()
    with caplog.at_level(logging.ERROR):
        await cycle
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert services.store.articles.count() == 2  # the articles stay, linked to no source
    after = stored(services, newer.id)
    assert newer.id == a.id and (after.etag, after.article_count, after.last_success_at) == (
        None,
        0,
        None,
    )


async def test_articles_stored_before_a_poll_was_cut_short_are_linked_and_counted(
    services: Services, feed_server: FeedServer
) -> None:
    feed_server.routes["/rss"] = Route(body=rss([item(n) for n in range(1, 4)]))
    source = add(services, feed_server.url("/rss"))
    # A killed process: the first two articles were committed, the poll never recorded.
    services.ingest.ingest(parse_items([item(1), item(2)], source.name))
    report = await poll(services)
    assert (report.polls[0].added, report.polls[0].unchanged) == (1, 2)
    assert stored(services, source.id).article_count == 3
    with services.store.reading() as db:
        unlinked = db.execute("SELECT count(*) FROM articles WHERE source_id IS NULL").fetchone()
    assert unlinked[0] == 0


async def test_two_feeds_linking_one_page_with_their_own_teasers_do_not_overwrite_it(
    services: Services, feed_server: FeedServer
) -> None:
    own = item(1)
    other = item(1, "A partner's teaser of the same budget story, in other words.")
    other["link"] += "?utm_source=partner"
    feed_server.routes["/a"] = Route(body=rss([own]))
    feed_server.routes["/b"] = Route(body=rss([other]))
    add(services, feed_server.url("/a"), name="A")
    add(services, feed_server.url("/b"), name="B")
    bodies = set()
    for _ in range(3):
        report = await poll(services)
        assert sum(p.updated for p in report.polls) == 0
        clock(services).advance(minutes=15)
        [article] = services.articles.latest(5)
        bodies.add(article.body)
    assert len(bodies) == 1  # the text of the feed that brought it first, for good


async def test_a_server_asking_to_come_back_later_is_taken_at_its_word(
    services: Services, feed_server: FeedServer
) -> None:
    feed_server.routes["/rss"] = Route(
        body=b"busy", status=503, content_type="text/plain", headers={"Retry-After": "7200"}
    )
    source = add(services, feed_server.url("/rss"))
    await poll(services)
    assert stored(services, source.id).next_poll_at == START + timedelta(hours=2)


# -- full text -------------------------------------------------------------------------------------


@pytest.mark.skipif(
    not extract.available(), reason="trafilatura (the fulltext extra) not installed"
)
async def test_teasers_are_expanded_for_full_text_sources(
    services: Services, feed_server: FeedServer
) -> None:
    paragraph = (
        "The central bank raised its main interest rate by half a point on Thursday, the third "
        "increase this year, saying that inflation had stayed far above its target for too long. "
    )
    page = (
        "<html><head><title>Rates</title></head><body><nav>Home | World</nav><article><h1>Rates up</h1>"
        + "".join(f"<p>{paragraph}Paragraph {n}.</p>" for n in range(6))
        + "</article><footer>Copyright</footer></body></html>"
    ).encode()
    feed_server.routes["/story"] = Route(body=page, content_type="text/html; charset=utf-8")
    teaser = item(1, text="The central bank raised rates.", link=feed_server.url("/story"))
    feed_server.routes["/rss"] = Route(body=rss([teaser]))
    add(services, feed_server.url("/rss"), fetch_full_text=True)
    await poll(services)
    article = services.store.articles.latest(1)[0]
    assert "Paragraph 5" in article.body
    assert article.subtitle == "The central bank raised rates."


# -- adding, removing, OPML ----------------------------------------------------------------------


def page(head: str) -> bytes:
    return f"<!doctype html><html><head><title>Site</title>{head}</head><body>hi</body></html>".encode()


async def test_add_source_finds_the_feed_of_a_page(
    services: Services, feed_server: FeedServer
) -> None:
    feed_server.routes["/"] = Route(
        body=page('<link rel="alternate" type="application/rss+xml" href="/feeds/rss.xml">'),
        content_type="text/html",
    )
    feed_server.routes["/feeds/rss.xml"] = Route(
        body=rss([item(1)], title="Example Daily", language="ar")
    )
    try:
        source = await services.sources.add_source(feed_server.url("/"), ["world", "nonsense"])
        assert (source.name, source.url) == ("Example Daily", feed_server.url("/feeds/rss.xml"))
        assert (source.language, source.topics, source.next_poll_at) == ("ar", ["world"], START)
        with pytest.raises(BadInput) as again:
            await services.sources.add_source(feed_server.url("/feeds/rss.xml"))
        assert again.value.key == "source_exists"
        with pytest.raises(BadInput) as page_again:
            await services.sources.add_source(feed_server.url("/"))
        assert page_again.value.key == "source_exists"
    finally:
        await services.sources.http.aclose()


@pytest.mark.parametrize(
    ("path", "route", "key"),
    [
        ("/plain", Route(body=page(""), content_type="text/html"), "source_no_feed"),
        ("/missing", None, "source_no_feed"),
        ("/down", Route(body=b"", status=503), "source_no_feed"),
    ],
)
async def test_add_source_refuses_what_is_not_a_feed(
    services: Services, feed_server: FeedServer, path: str, route: Route | None, key: str
) -> None:
    if route:
        feed_server.routes[path] = route
    try:
        with pytest.raises(BadInput) as refused:
            await services.sources.add_source(feed_server.url(path))
    finally:
        await services.sources.http.aclose()
    assert refused.value.key == key
    assert services.sources.all() == []


async def test_add_source_refuses_bad_urls_and_private_addresses(tmp_path: Path) -> None:
    services = build_services(make_config(tmp_path, allow_private_feeds=False), FakeClock(START))
    try:
        for url, key in (
            ("ftp://x.example/feed", "source_bad_url"),
            ("not a url", "source_bad_url"),
        ):
            with pytest.raises(BadInput) as refused:
                await services.sources.add_source(url)
            assert refused.value.key == key
        for url in (
            "http://127.0.0.1:9/rss",
            "http://localhost:9/feed",
            "http://169.254.169.254/",
            "http://0x7f000001/",
            "http://[::1]/",
            "http://10.0.0.1/rss",
        ):
            with pytest.raises(BadInput) as private:
                await services.sources.add_source(url)
            assert private.value.key == "source_private_address", url
    finally:
        await services.sources.http.aclose()
        services.close()


async def test_a_feed_title_with_control_characters_is_saved_clean_and_exports_valid_opml(
    services: Services, feed_server: FeedServer
) -> None:
    # XML forbids these characters; feedparser reads such a feed anyway, with its loose parser.
    feed_server.routes["/rss"] = Route(body=rss([item(1)], title="Bad\x01 name\x1b[0m"))
    try:
        source = await services.sources.add_source(feed_server.url("/rss"))
    finally:
        await services.sources.http.aclose()
    assert source.name == "Bad name[0m"
    services.store.sources.add(
        name="Raw\x00\x07 name", url="https://raw.example/rss", language=None, topics=[],
        interval_minutes=15, fetch_full_text=False, now=START,
    )  # fmt: skip
    exported = parse_opml(services.sources.export_opml())
    assert [s.title for s in exported] == ["Bad name[0m", "Raw name"]


def test_remove_pause_resume_unknown_ids(services: Services) -> None:
    for action in (services.sources.remove, services.sources.pause, services.sources.resume):
        with pytest.raises(NotFound) as missing:
            action(99)
        assert missing.value.key == "source_not_found"


async def test_removing_a_source_keeps_its_articles(
    services: Services, feed_server: FeedServer
) -> None:
    feed_server.routes["/rss"] = Route(body=rss([item(1)]))
    source = add(services, feed_server.url("/rss"))
    await poll(services)
    services.sources.remove(source.id)
    assert services.sources.all() == []
    assert services.store.articles.count() == 1


OPML = b"""<?xml version="1.0"?>
<opml version="2.0"><head><title>mine</title></head><body>
  <outline text="World">
    <outline text="Wire" type="rss" xmlUrl="https://wire.example/rss" language="en-GB" category="economy"/>
    <outline text="Dup" type="rss" xmlUrl="https://WIRE.example/rss?utm_source=x"/>
  </outline>
  <outline text="Local" type="rss" xmlUrl="https://local.example/atom.xml"/>
  <outline text="Bad" type="rss" xmlUrl="javascript:alert(1)"/>
</body></opml>"""


def test_opml_import_and_export_round_trip(services: Services) -> None:
    add(services, "https://local.example/atom.xml", name="Local already")
    report = services.sources.import_opml(OPML)
    assert [(s.name, s.url, s.language, s.topics) for s in report.added] == [
        ("Wire", "https://wire.example/rss", "en", ["world", "economy"])
    ]
    # The duplicate spelling never leaves parse_opml; the javascript: link is counted as skipped.
    assert report.skipped == [
        ("https://local.example/atom.xml", "already a source"),
        ("javascript:alert(1)", "not an http(s) URL"),
    ]
    assert services.sources.import_opml(OPML).added == []  # idempotent
    exported = parse_opml(services.sources.export_opml())
    assert [(e.title, e.url, e.topics) for e in exported] == [
        ("Local already", "https://local.example/atom.xml", []),
        ("Wire", "https://wire.example/rss", ["world", "economy"]),
    ]
    with pytest.raises(BadInput) as bad:
        services.sources.import_opml(b"<html>no</html>")
    assert bad.value.key == "opml_bad"


# -- unhealthy sources: the admins are told once -----------------------------------------------------


async def test_admins_are_told_once_after_a_day_of_failures(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    config = make_config(
        tmp_path, admin_ids=frozenset({ADMIN}), allow_private_feeds=True, seeds_dir=seeds
    )
    async with bot_under_test(config) as tg:
        await tg.user_sends("/start", chat_id=ADMIN, language_code="tr")
        feed_server.routes["/rss"] = Route(body=b"", status=500)
        source = add(tg.services, feed_server.url("/rss"), name="Flaky <Wire>")

        async def poll_until(moment: datetime) -> int:
            """Poll whenever the source is due, up to `moment`; return the alerts sent."""
            while True:
                due_at = stored(tg.services, source.id).next_poll_at
                assert due_at is not None
                if due_at > moment:
                    return len(tg.fake.messages(ADMIN)) - before
                tg.clock.set(due_at)
                await poll_and_report(tg.app)

        before = len(tg.fake.messages(ADMIN))
        assert await poll_until(START + timedelta(hours=23, minutes=59)) == 0
        assert tg.services.sources.health(stored(tg.services, source.id)) == "failing"
        assert await poll_until(START + timedelta(days=3)) == 1
        alert = tg.fake.messages(ADMIN)[-1]
        assert "Flaky <Wire>" in alert.plain_text and "HTTP 500" in alert.plain_text
        assert "24 saattir" in alert.plain_text  # in the admin's language
        assert stored(tg.services, source.id).unhealthy_notified

        feed_server.routes["/rss"] = Route(body=rss([item(1)]))
        tg.clock.set(stored(tg.services, source.id).next_poll_at)  # type: ignore[arg-type]
        await poll_and_report(tg.app)
        healed = stored(tg.services, source.id)
        assert (healed.unhealthy_notified, healed.failing_since) == (False, None)
        assert "yeniden çalışıyor" in tg.fake.messages(ADMIN)[-1].plain_text
        await tg.services.poller.http.aclose()


# -- start-up ------------------------------------------------------------------------------------


@pytest.mark.parametrize("poll_feeds", [True, False])
async def test_start_up_seeds_sources_and_starts_the_feed_job_when_asked(
    tmp_path: Path, poll_feeds: bool
) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "sources.toml").write_text(SEED_TOML, encoding="utf-8")
    async with bot_under_test(make_config(tmp_path, seeds_dir=seeds, poll_feeds=poll_feeds)) as tg:
        assert [s.name for s in tg.services.sources.all()] == ["One", "Two"]
        assert tg.app.job_queue is not None
        jobs = [job.name for job in tg.app.job_queue.jobs()]
        assert ("feed-poll" in jobs) is poll_feeds


def poll_cli(tmp_path: Path, seeds: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot poll` in a subprocess, on a database and seed folder under tmp_path."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(REPO),
        "DATABASE_PATH": str(tmp_path / "cli.db"),
        "SEEDS_DIR": str(seeds),
        "ALLOW_PRIVATE_FEEDS": "true",
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "poll", *args],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_poll_polls_due_sources_once(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.routes["/rss"] = Route(body=rss([item(1), item(2)]), etag='"v1"')
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "sources.toml").write_text(
        f'[[source]]\nname = "Loop"\nurl = "{feed_server.url("/rss")}"\nlanguage = "en"\n',
        encoding="utf-8",
    )

    first = json.loads(poll_cli(tmp_path, seeds, "--json").stdout)
    assert (first["polled"], first["added"], first["failed"]) == (1, 2, 0)
    assert first["sources"][0]["name"] == "Loop" and first["sources"][0]["status"] == "ok"
    second = poll_cli(tmp_path, seeds)  # nothing is due again for 30 minutes
    assert second.returncode == 0
    assert second.stdout.startswith("0 source(s) polled")


def test_cli_poll_skips_a_bad_source_entry_and_says_why(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    feed_server.routes["/rss"] = Route(body=rss([item(1)]))
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    toml = seeds / "sources.toml"
    toml.write_text(
        f'[[source]]\nname = "Loop"\nurl = "{feed_server.url("/rss")}"\nlanguage = "en"\n\n'
        '[[source]]\nname = "Bad"\nurl = "https://bad.example/rss"\nlanguage = "fr"\n',
        encoding="utf-8",
    )
    result = poll_cli(tmp_path, seeds, "--json")
    assert result.returncode == 0
    report = json.loads(result.stdout)
    assert (report["polled"], report["added"]) == (1, 1)
    assert report["source_file_errors"] == [
        "source #2 (Bad): language must be one of ['ar', 'en', 'tr']"
    ]
    assert "skipped source #2 (Bad): language must be one of" in result.stderr

    toml.write_text("[[source]\nname = ", encoding="utf-8")
    broken = poll_cli(tmp_path, seeds, "--json")
    assert broken.returncode == 1
    assert f"cannot read {toml}:" in broken.stderr


async def test_commands_are_answered_while_a_feed_is_being_ingested(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    config = make_config(tmp_path, allow_private_feeds=True, seeds_dir=seeds)
    async with bot_under_test(config) as tg:
        feed_server.routes["/rss"] = Route(body=rss([item(1)]))
        add(tg.services, feed_server.url("/rss"))
        entered, release = threading.Event(), threading.Event()
        real_ingest = tg.services.ingest.ingest

        def slow_ingest(drafts: Any, label: str = "") -> Any:
            entered.set()
            release.wait(timeout=10)
            return real_ingest(drafts, label)

        tg.services.ingest.ingest = slow_ingest  # type: ignore[method-assign]
        polling = asyncio.create_task(poll_and_report(tg.app))
        try:
            assert await asyncio.to_thread(entered.wait, 10)
            replies = await tg.user_sends("/start")  # answered while the ingest thread works
            assert "Mojaz" in replies[0].text
            assert not polling.done()
        finally:
            release.set()
        report = await polling
        assert report.added == 1
        await tg.services.poller.http.aclose()
