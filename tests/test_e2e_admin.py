"""Managing sources through the fake Telegram: an admin adds, lists, pauses, removes, exports, imports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.faketg.records import SentMessage
from bot.fetch.opml import parse_opml
from bot.i18n import t
from bot.polling import poll_and_report
from handlers.admin import MAX_OPML_BYTES
from handlers.commands import COMMANDS
from tests.feedserver import FeedServer, Route
from tests.harness import BotUnderTest, bot_under_test, visible
from tests.harness import test_config as make_config

ADMIN = 777
USER = 1001
ADMIN_COMMANDS = [c.name for c in COMMANDS if c.admin]

FEED = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Example Daily</title>'
    b"<language>en</language><item><title>Flood waters recede in the valley</title>"
    b"<link>https://example.org/news/flood</link><description>Residents began returning home on "
    b"Thursday as the river fell.</description></item></channel></rss>"
)
PAGE = (
    b'<!doctype html><html><head><title>Example</title><link rel="alternate" '
    b'type="application/rss+xml" title="News" href="/feeds/news.xml"></head><body>Hi</body></html>'
)
OPML = b"""<?xml version="1.0"?>
<opml version="2.0"><head><title>import</title></head><body>
  <outline text="Economy">
    <outline text="Market Wire" type="rss" xmlUrl="https://markets.example/rss"/>
  </outline>
  <outline text="Haber" type="rss" xmlUrl="https://haber.example/rss" language="tr"/>
  <outline text="Again" type="rss" xmlUrl="https://markets.example/rss/?utm_source=x"/>
</body></opml>"""


@pytest.fixture
async def admin_tg(tmp_path: Path, feed_server: FeedServer) -> AsyncIterator[BotUnderTest]:
    """The bot with one admin, no seed sources, allowed to fetch from the loopback feed server."""
    feed_server.routes["/"] = Route(body=PAGE, content_type="text/html; charset=utf-8")
    feed_server.routes["/feeds/news.xml"] = Route(body=FEED, etag='"1"')
    feed_server.routes["/plain"] = Route(
        body=b"<html><body>nothing</body></html>", content_type="text/html"
    )
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    config = make_config(
        tmp_path, admin_ids=frozenset({ADMIN}), allow_private_feeds=True, seeds_dir=seeds
    )
    async with bot_under_test(config) as tg:
        yield tg
        await tg.services.poller.http.aclose()


async def admin_sends(tg: BotUnderTest, text: str) -> list[SentMessage]:
    return await tg.user_sends(text, chat_id=ADMIN)


async def send_document(
    tg: BotUnderTest, chat_id: int, name: str, content: bytes
) -> list[SentMessage]:
    before = len(tg.fake.messages(chat_id))
    update_id = tg.fake.user_sends_document(name, content, chat_id=chat_id, mime_type="text/x-opml")
    await tg.processed(update_id)
    return tg.fake.messages(chat_id)[before:]


async def test_an_admin_manages_sources_end_to_end(
    admin_tg: BotUnderTest, feed_server: FeedServer
) -> None:
    tg = admin_tg
    assert (await admin_sends(tg, "/sources"))[0].text == t("en", "sources_empty")

    # Added from the site's front page: the bot finds the feed the page announces.
    added = await admin_sends(tg, f"/addsource {feed_server.url('/')} world, economy")
    assert "Added source #1" in added[0].plain_text
    assert "Example Daily" in added[0].plain_text
    assert feed_server.url("/feeds/news.xml") in added[0].plain_text
    assert tg.fake.calls("sendChatAction")

    listing = visible((await admin_sends(tg, "/sources"))[0].plain_text)
    assert "#1 Example Daily" in listing and t("en", "health_new") in listing
    assert "world, economy" in listing

    await poll_and_report(tg.app)
    listing = visible((await admin_sends(tg, "/sources"))[0].plain_text)
    assert t("en", "health_ok") in listing and "1 article" in listing
    assert "Flood waters recede" in (await tg.user_sends("/latest"))[0].plain_text

    paused = await admin_sends(tg, "/pausesource 1")
    assert (
        paused[0].plain_text == "Paused source #1 (Example Daily). /resumesource 1 polls it again."
    )
    assert t("en", "health_paused") in (await admin_sends(tg, "/sources"))[0].plain_text
    resumed = await admin_sends(tg, "/resumesource #1")
    assert "will be polled again" in resumed[0].plain_text

    removed = await admin_sends(tg, "/removesource 1")
    assert "Removed source #1 (Example Daily)" in removed[0].plain_text
    assert (await admin_sends(tg, "/sources"))[0].text == t("en", "sources_empty")
    assert "Flood waters recede" in (await tg.user_sends("/latest"))[0].plain_text  # articles stay


async def test_addsource_explains_what_is_wrong(
    admin_tg: BotUnderTest, feed_server: FeedServer
) -> None:
    tg = admin_tg
    cases = {
        "/addsource": t("en", "addsource_usage"),
        "/addsource ftp://example.org/feed": t("en", "source_bad_url"),
        f"/addsource {feed_server.url('/plain')}": t("en", "source_no_feed"),
    }
    for command, expected in cases.items():
        assert (await admin_sends(tg, command))[0].text == expected, command
    bad_topic = await admin_sends(tg, f"/addsource {feed_server.url('/')} weather")
    assert "Unknown topic(s): weather" in bad_topic[0].plain_text
    await admin_sends(tg, f"/addsource {feed_server.url('/feeds/news.xml')}")
    again = await admin_sends(tg, f"/addsource {feed_server.url('/')}")
    assert again[0].text == t("en", "source_exists", id=1)


@pytest.mark.parametrize(
    "command", ["/pausesource", "/pausesource x", "/removesource 1 2", "/resumesource -3"]
)
async def test_source_ids_are_checked(admin_tg: BotUnderTest, command: str) -> None:
    name = command.split()[0].lstrip("/")  # the hint names the command that was sent
    expected = t("en", "source_id_usage", command=name)
    assert (await admin_sends(admin_tg, command))[0].text == expected


async def test_an_unknown_source_id_is_explained(admin_tg: BotUnderTest) -> None:
    for command in ("/pausesource 9", "/resumesource 9", "/removesource ٩"):
        assert (await admin_sends(admin_tg, command))[0].text == t("en", "source_not_found", id=9)


async def test_export_and_import_opml(admin_tg: BotUnderTest, feed_server: FeedServer) -> None:
    tg = admin_tg
    await admin_sends(tg, f"/addsource {feed_server.url('/feeds/news.xml')} world")

    imported = await send_document(tg, ADMIN, "feeds.opml", OPML)
    assert imported[0].text == t("en", "opml_imported", added=2, skipped=0)
    listing = visible((await admin_sends(tg, "/sources"))[0].plain_text)
    assert "#2 Market Wire" in listing and "#3 Haber" in listing

    exported = await admin_sends(tg, "/export")
    assert exported[0].filename == "mojaz-sources.opml"
    assert exported[0].text == t("en", "export_caption", count=3)
    assert exported[0].document is not None
    sources = parse_opml(exported[0].document)
    assert [(s.title, s.url, s.language, s.topics) for s in sources] == [
        ("Example Daily", feed_server.url("/feeds/news.xml"), "en", ["world"]),
        ("Market Wire", "https://markets.example/rss", None, ["economy"]),
        ("Haber", "https://haber.example/rss", "tr", []),
    ]

    # The same file again adds nothing; a broken or huge one is explained.
    again = await send_document(tg, ADMIN, "feeds.opml", exported[0].document)
    assert again[0].text == t("en", "opml_imported", added=0, skipped=3)
    broken = await send_document(tg, ADMIN, "feeds.opml", b"<opml><body><outline")
    assert broken[0].text == t("en", "opml_bad")
    huge = await send_document(tg, ADMIN, "big.opml", b" " * (MAX_OPML_BYTES + 1))
    assert huge[0].text == t("en", "opml_too_large", limit=MAX_OPML_BYTES // 1000)


@pytest.mark.parametrize(("language_code", "lang"), [("en", "en"), ("ar", "ar"), ("tr", "tr")])
async def test_everyone_else_is_refused_politely(
    admin_tg: BotUnderTest, language_code: str, lang: str
) -> None:
    tg = admin_tg
    for name in ADMIN_COMMANDS:
        replies = await tg.user_sends(f"/{name} 1", chat_id=USER, language_code=language_code)
        assert [m.text for m in replies] == [t(lang, "admin_only")], name
    replies = await send_document(tg, USER, "feeds.opml", OPML)
    assert replies[0].text == t("en", "no_text")
    assert tg.services.sources.all() == []


async def test_admin_commands_stay_out_of_the_menu_and_help(admin_tg: BotUnderTest) -> None:
    tg = admin_tg
    help_text = "\n".join(m.plain_text for m in await tg.user_sends("/help", chat_id=USER))
    for lang in ("ar", "en", "tr"):
        menu = [c["command"] for c in tg.fake.commands(language_code=lang)]
        assert menu and not set(menu) & set(ADMIN_COMMANDS)
    for name in ADMIN_COMMANDS:
        assert f"/{name} " not in help_text
    # The admin's own chat has a menu with them.
    admin_menu = tg.fake.commands({"type": "chat", "chat_id": ADMIN}, language_code="ar")
    assert [c["command"] for c in admin_menu][-len(ADMIN_COMMANDS) :] == ADMIN_COMMANDS
    assert ADMIN_COMMANDS == [
        "sources",
        "addsource",
        "removesource",
        "pausesource",
        "resumesource",
        "export",
    ]


async def test_a_private_address_is_refused_as_such(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    feed_server.routes["/feed"] = Route(body=FEED)
    config = make_config(tmp_path, admin_ids=frozenset({ADMIN}), seeds_dir=tmp_path)
    async with bot_under_test(config) as tg:
        try:
            for url in (f"http://localhost:{feed_server.port}/feed", feed_server.url("/feed")):
                [reply] = await admin_sends(tg, f"/addsource {url}")
                assert reply.text == t("en", "source_private_address")
                assert "ALLOW_PRIVATE_FEEDS" in reply.text
            assert (await admin_sends(tg, "/sources"))[0].text == t("en", "sources_empty")
        finally:
            await tg.services.poller.http.aclose()
    assert feed_server.requests == []  # refused before any request
