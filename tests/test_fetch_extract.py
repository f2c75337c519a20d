"""extract_article: full text from an article page, within limits; optional trafilatura."""

from __future__ import annotations

import pytest

from bot.fetch import extract
from bot.fetch.http import make_client
from tests import feedserver
from tests.feedserver import FeedServer, Route

PARAGRAPHS = [
    "أعلنت وزارة الاقتصاد اليوم عن حزمة جديدة من الإجراءات لدعم الشركات الصغيرة والمتوسطة في البلاد.",
    "وقال الوزير في مؤتمر صحفي إن الحزمة تشمل قروضاً ميسرة وإعفاءات ضريبية مؤقتة لمدة عامين.",
    "وأضاف أن الحكومة تتوقع أن تسهم هذه الإجراءات في خلق آلاف الوظائف الجديدة خلال العام المقبل.",
    "ورحبت غرفة التجارة بالقرار، مشيرة إلى أنه يستجيب لمطالب القطاع الخاص منذ سنوات طويلة.",
]

# The loopback server fixture (a conftest could register it for every module).
feed_server = feedserver.feed_server


def article_page(charset: str = "utf-8") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = f"""<!doctype html><html lang="ar"><head><meta charset="{charset}">
      <title>حزمة اقتصادية</title><script>var tracking = 1;</script></head>
      <body><nav><a href="/">الرئيسية</a> | <a href="/sport">رياضة</a></nav>
      <article><h1>حزمة اقتصادية جديدة</h1>{body}</article>
      <footer>جميع الحقوق محفوظة</footer></body></html>"""
    return html.encode(charset)


needs_trafilatura = pytest.mark.skipif(not extract.available(), reason="trafilatura not installed")


@needs_trafilatura
@pytest.mark.parametrize("charset", ["utf-8", "windows-1256"])
async def test_article_text_is_extracted(feed_server: FeedServer, charset: str) -> None:
    feed_server.routes["/a/1"] = Route(body=article_page(charset), content_type="text/html")
    async with make_client() as client:
        text = await extract.extract_article(client, feed_server.url("/a/1"), allow_private=True)
    assert text is not None
    for paragraph in PARAGRAPHS:
        assert paragraph in text
    assert "tracking" not in text and "جميع الحقوق" not in text


@needs_trafilatura
async def test_page_over_the_size_cap_gives_none(feed_server: FeedServer) -> None:
    feed_server.routes["/a/1"] = Route(body=article_page(), content_type="text/html")
    async with make_client() as client:
        text = await extract.extract_article(
            client, feed_server.url("/a/1"), max_bytes=100, allow_private=True
        )
    assert text is None


async def test_private_address_is_refused_by_default(feed_server: FeedServer) -> None:
    feed_server.routes["/a/1"] = Route(body=article_page(), content_type="text/html")
    async with make_client() as client:
        assert await extract.extract_article(client, feed_server.url("/a/1")) is None
    assert feed_server.requests == []


def test_without_trafilatura_extract_text_gives_none(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "trafilatura", None)  # makes the import fail
    assert not extract.available()
    assert extract.extract_text("<p>text</p>") is None


@needs_trafilatura
def test_short_pages_are_not_articles() -> None:
    assert extract.extract_text("<html><body><p>Cookie settings</p></body></html>") is None
