"""parse_feed: RSS and Atom bytes into sound drafts, with charset, dates, HTML and XML attacks handled."""

from __future__ import annotations

import resource
import time
from datetime import UTC, datetime
from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.fetch.feeds import ParseResult, parse_feed
from bot.fetch.http import fetch, make_client
from tests import feedserver
from tests.feedserver import FeedServer, Route

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
URL = "https://news.example/feeds/main.xml"

# The loopback server fixture (a conftest could register it for every module).
feed_server = feedserver.feed_server


def rss(
    items: str, *, channel: str = "", decl: str = '<?xml version="1.0" encoding="utf-8"?>'
) -> str:
    return (
        f'{decl}\n<rss version="2.0"><channel><title>Example News</title>'
        f"<link>https://news.example/</link>{channel}{items}</channel></rss>"
    )


def parse(content: bytes | str, **kwargs) -> ParseResult:
    if isinstance(content, str):
        content = content.encode("utf-8")
    kwargs.setdefault("url", URL)
    kwargs.setdefault("now", NOW)
    return parse_feed(content, **kwargs)


def test_rss2_item_becomes_a_full_draft() -> None:
    result = parse(
        rss(
            """<item>
              <title>Markets rally after rate decision</title>
              <link>https://news.example/economy/rally?utm_source=rss&amp;id=42#top</link>
              <guid isPermaLink="false">news-42</guid>
              <description>Stocks rose on Thursday.</description>
              <pubDate>Thu, 26 Nov 2026 09:30:00 +0300</pubDate>
              <author>desk@news.example (Economy Desk)</author>
              <category>Economy</category><category>Markets</category>
            </item>""",
            channel="<language>en-GB</language>",
        ),
        source="Example",
    )
    assert result.feed_title == "Example News" and result.feed_language == "en"
    assert result.version == "rss20" and result.rejected == []
    [draft] = result.drafts
    assert draft.title == "Markets rally after rate decision"
    assert draft.body == "Stocks rose on Thursday."
    assert draft.url == "https://news.example/economy/rally?id=42"
    assert draft.guid == "news-42"
    assert draft.published_at == datetime(2026, 11, 26, 6, 30, tzinfo=UTC)
    assert draft.date_source == "feed"
    assert draft.tags == ["Economy", "Markets"]
    assert "Economy Desk" in draft.author
    assert draft.language == "en" and draft.source == "Example"


def test_atom_entry_with_content_and_summary() -> None:
    atom = """<?xml version="1.0" encoding="utf-8"?>
    <feed xmlns="http://www.w3.org/2005/Atom" xml:lang="tr">
      <title>Haberler</title>
      <entry>
        <title type="html">Ekonomi &lt;em&gt;büyüdü&lt;/em&gt;</title>
        <link rel="alternate" href="/haber/1"/>
        <id>tag:haber.example,2026:1</id>
        <updated>2026-11-25T10:00:00Z</updated>
        <published>2026-11-25T08:00:00+03:00</published>
        <author><name>Ayşe Yılmaz</name></author>
        <summary>Kısa özet.</summary>
        <content type="html">&lt;p&gt;Birinci paragraf.&lt;/p&gt;&lt;p&gt;İkinci paragraf.&lt;/p&gt;</content>
        <category term="ekonomi"/>
      </entry>
    </feed>"""
    result = parse(atom, url="https://haber.example/atom")
    assert result.version == "atom10" and result.feed_language == "tr"
    [draft] = result.drafts
    assert draft.title == "Ekonomi büyüdü"
    assert draft.body == "Birinci paragraf.\n\nİkinci paragraf."
    assert draft.subtitle == "Kısa özet."
    assert draft.url == "https://haber.example/haber/1"
    assert draft.guid == "tag:haber.example,2026:1"
    assert draft.published_at == datetime(2026, 11, 25, 5, 0, tzinfo=UTC)
    assert draft.author == "Ayşe Yılmaz" and draft.tags == ["ekonomi"] and draft.language == "tr"


def test_rss1_rdf_feed() -> None:
    rdf = """<?xml version="1.0" encoding="utf-8"?>
    <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
             xmlns:dc="http://purl.org/dc/elements/1.1/">
      <channel rdf:about="https://dw.example/"><title>DW</title><link>https://dw.example/</link>
        <dc:language>de</dc:language></channel>
      <item rdf:about="https://dw.example/a-1">
        <title>Erste Meldung</title><link>https://dw.example/a-1</link>
        <description>Text eins.</description><dc:date>2026-11-24T12:00:00Z</dc:date>
      </item>
    </rdf:RDF>"""
    result = parse(rdf, url="https://dw.example/rdf")
    assert result.version == "rss10"
    [draft] = result.drafts
    assert (draft.title, draft.url, draft.body) == (
        "Erste Meldung",
        "https://dw.example/a-1",
        "Text eins.",
    )
    assert draft.published_at == datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    assert draft.language == "de"


def test_rss091_with_netscape_doctype_is_accepted() -> None:
    feed = """<?xml version="1.0" encoding="ISO-8859-1"?>
    <!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
      "http://my.netscape.com/publish/formats/rss-0.91.dtd">
    <rss version="0.91"><channel><title>Old</title><link>http://old.example/</link>
    <item><title>Caf\xe9 news</title><link>http://old.example/1</link></item></channel></rss>"""
    result = parse(feed.encode("latin-1"), url="http://old.example/rss")
    assert [d.title for d in result.drafts] == ["Café news"]


ARABIC_TITLE = "الرئيس يستقبل وفداً اقتصادياً"
ARABIC_BODY = "بحث الجانبان سبل تعزيز التعاون، والتبادل التجاري؟"


@pytest.mark.parametrize("encoding", ["windows-1256", "iso-8859-6"])
def test_legacy_arabic_encodings_from_the_xml_declaration(encoding: str) -> None:
    xml = rss(
        f"<item><title>{ARABIC_TITLE}</title><description>{ARABIC_BODY}</description>"
        "<link>https://ar.example/1</link></item>",
        decl=f'<?xml version="1.0" encoding="{encoding}"?>',
    )
    content = xml.encode(encoding)
    assert ARABIC_TITLE.encode("utf-8") not in content  # really legacy bytes
    result = parse(content, url="https://ar.example/rss", language="ar")
    [draft] = result.drafts
    assert draft.title == ARABIC_TITLE
    assert draft.body == ARABIC_BODY
    assert draft.language == "ar"


def test_windows_1256_from_http_header_without_declaration() -> None:
    xml = rss(
        f"<item><title>{ARABIC_TITLE}</title><link>https://ar.example/1</link></item>", decl=""
    )
    result = parse(xml.encode("windows-1256"), content_type="text/xml; charset=windows-1256")
    assert result.drafts[0].title == ARABIC_TITLE


def test_wrong_header_charset_utf8_bytes_still_come_out_right() -> None:
    # The server says ISO-8859-1, the bytes are UTF-8: a very common misconfiguration.
    xml = rss(f"<item><title>{ARABIC_TITLE}</title><link>https://ar.example/1</link></item>")
    result = parse(xml.encode("utf-8"), content_type="application/rss+xml; charset=iso-8859-1")
    assert result.drafts[0].title == ARABIC_TITLE


def test_header_says_utf8_but_bytes_are_windows_1256_per_declaration() -> None:
    xml = rss(
        f"<item><title>{ARABIC_TITLE}</title><link>https://ar.example/1</link></item>",
        decl='<?xml version="1.0" encoding="windows-1256"?>',
    )
    result = parse(xml.encode("windows-1256"), content_type="text/xml; charset=utf-8")
    assert result.drafts[0].title == ARABIC_TITLE


def test_missing_charset_falls_back_by_source_language() -> None:
    xml = rss(
        f"<item><title>{ARABIC_TITLE}</title><link>https://ar.example/1</link></item>", decl=""
    )
    result = parse(xml.encode("windows-1256"), language="ar")
    assert result.drafts[0].title == ARABIC_TITLE
    turkish = "Şırnak'ta güneşli hava, İzmir'de yağış"
    xml = rss(f"<item><title>{turkish}</title><link>https://tr.example/1</link></item>", decl="")
    result = parse(xml.encode("windows-1254"), language="tr")
    assert result.drafts[0].title == turkish


@pytest.mark.parametrize("encoding", ["windows-1256", "iso-8859-6"])
@pytest.mark.parametrize("language", [None, "ar", "tr"])
def test_undeclared_legacy_arabic_is_read_as_arabic(encoding: str, language: str | None) -> None:
    xml = rss(
        f"<item><title>{ARABIC_TITLE}</title><description>{ARABIC_BODY}</description>"
        "<link>https://ar.example/1</link></item>",
        channel="<language>ar</language>",
        decl="",
    )
    result = parse(xml.encode(encoding), language=language)
    [draft] = result.drafts
    assert (draft.title, draft.body) == (ARABIC_TITLE, ARABIC_BODY)


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Şırnak'ta güneşli hava, İzmir'de yağış, Muğla'da rüzgâr", "windows-1254"),
        ("Le café où l'été s'achève, à Genève", "windows-1252"),
    ],
)
def test_undeclared_latin_text_is_not_taken_for_arabic(text: str, encoding: str) -> None:
    xml = rss(f"<item><title>{text}</title><link>https://x.example/1</link></item>", decl="")
    language = "tr" if encoding == "windows-1254" else None
    assert parse(xml.encode(encoding), language=language).drafts[0].title == text


def test_utf8_bom_is_handled() -> None:
    xml = rss(f"<item><title>{ARABIC_TITLE}</title><link>https://ar.example/1</link></item>")
    result = parse(b"\xef\xbb\xbf" + xml.encode("utf-8"))
    assert result.drafts[0].title == ARABIC_TITLE


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>&lol9;</title><link>https://evil.example/1</link></item></channel></rss>"""


def _max_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


@pytest.mark.parametrize(
    "document",
    [
        BILLION_LAUGHS,
        # Quadratic blow-up: one big entity referenced many times, no nesting.
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "'
        + b"A" * 50_000
        + b'">]><rss version="2.0"><channel><item><title>'
        + b"&a;" * 20_000
        + b"</title><link>https://evil.example/1</link></item></channel></rss>",
        # External entity: would read a local file.
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<rss version="2.0"><channel><item><title>&xxe;</title>'
        b"<link>https://evil.example/1</link></item></channel></rss>",
        # Parameter entity pulling an external DTD.
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY % ext SYSTEM "http://evil.example/x.dtd"> %ext;]>'
        b'<rss version="2.0"><channel><item><title>t</title>'
        b"<link>https://evil.example/1</link></item></channel></rss>",
    ],
    ids=["billion-laughs", "quadratic", "external-entity", "parameter-entity"],
)
def test_entity_attacks_are_refused_quickly_and_in_little_memory(document: bytes) -> None:
    before = _max_rss_kib()
    started = time.process_time()
    result = parse(document)
    assert result.drafts == []
    assert "entity" in result.rejected[0][0]
    # Generous bounds: an expansion would take gigabytes and minutes.
    assert _max_rss_kib() - before < 100_000
    assert time.process_time() - started < 5


def test_character_entity_declarations_are_still_allowed() -> None:
    doc = (
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY nbsp "&#160;">]>'
        '<rss version="2.0"><channel><title>x</title><item><title>a&nbsp;b</title>'
        "<link>https://ok.example/1</link></item></channel></rss>"
    )
    result = parse(doc)
    assert [d.title for d in result.drafts] == ["a b"]


def test_bytes_that_look_like_a_path_are_not_opened() -> None:
    # feedparser.parse() opens a str/bytes argument that names a file; parse_feed must not.
    result = parse(b"/etc/hostname")
    assert result.drafts == [] and result.rejected


def test_html_and_scripts_are_stripped_from_titles_and_summaries() -> None:
    result = parse(
        rss(
            """<item>
              <title>&lt;b&gt;Breaking&lt;/b&gt;: Q&amp;amp;A &lt;script&gt;alert(1)&lt;/script&gt;</title>
              <link>https://news.example/1</link>
              <description><![CDATA[<p>First <a href="x">para</a> &amp; more&nbsp;text.</p>
                <script>document.write('x')</script><style>p{}</style>
                <p>Second<br/>line.</p><img src="a.png" onerror="alert(1)">]]></description>
            </item>"""
        )
    )
    [draft] = result.drafts
    assert draft.title == "Breaking: Q&A"
    assert draft.body == "First para & more text.\n\nSecond\nline."
    for text in (draft.title, draft.body):
        assert "<" not in text and "alert" not in text and "document.write" not in text


def test_future_and_ancient_dates() -> None:
    result = parse(
        rss(
            """<item><title>far future</title><link>https://n.example/1</link>
                 <pubDate>Fri, 01 Jan 2100 00:00:00 GMT</pubDate></item>
               <item><title>slightly ahead</title><link>https://n.example/2</link>
                 <pubDate>Thu, 26 Nov 2026 12:05:00 GMT</pubDate></item>
               <item><title>epoch</title><link>https://n.example/3</link>
                 <pubDate>Thu, 01 Jan 1970 00:00:00 GMT</pubDate></item>
               <item><title>no date</title><link>https://n.example/4</link></item>
               <item><title>garbage date</title><link>https://n.example/5</link>
                 <pubDate>yesterday-ish</pubDate></item>"""
        )
    )
    dates = {d.title: (d.published_at, d.date_source) for d in result.drafts}
    assert dates["far future"] == (NOW, "ingest")
    assert dates["slightly ahead"] == (datetime(2026, 11, 26, 12, 5, tzinfo=UTC), "feed")
    assert dates["epoch"] == (None, "ingest")
    assert dates["no date"] == (None, "ingest")
    assert dates["garbage date"] == (None, "ingest")
    for published, _ in dates.values():
        assert published is None or published.tzinfo is not None


def test_items_missing_link_or_title() -> None:
    result = parse(
        rss(
            """<item><description>Only a body, no title, no link.</description></item>
               <item><title>Title and body, no link</title><description>Body text.</description></item>
               <item><link>https://n.example/only-link</link><description>Body.</description></item>
               <item><link>https://n.example/nothing-else</link></item>
               <item><guid isPermaLink="false">abc</guid></item>"""
        )
    )
    by_title = {d.title: d for d in result.drafts}
    assert set(by_title) == {"Title and body, no link", ""}
    kept = by_title["Title and body, no link"]
    assert kept.url is None and kept.guid and kept.guid.startswith("sha256:")
    assert by_title[""].body == "Body." and by_title[""].url == "https://n.example/only-link"
    reasons = [reason for reason, _ in result.rejected]
    assert reasons.count("no link and no title") == 2
    assert "no title and no text" in reasons
    for draft in result.drafts:
        assert draft.title or draft.body


def test_opaque_guid_is_not_taken_for_a_link() -> None:
    result = parse(
        rss("<item><title>t</title><guid>12345</guid><description>b</description></item>")
    )
    [draft] = result.drafts
    assert draft.url is None and draft.guid == "12345"


def test_permalink_guid_is_used_as_link() -> None:
    result = parse(rss("<item><title>t</title><guid>https://n.example/p/9</guid></item>"))
    assert result.drafts[0].url == "https://n.example/p/9"


def test_relative_links_are_made_absolute() -> None:
    result = parse(
        rss(
            """<item><title>a</title><link>/news/a?ref=rss</link></item>
               <item><title>b</title><link>b.html</link></item>"""
        ),
        url="https://news.example/feeds/main.xml",
    )
    assert [d.url for d in result.drafts] == [
        "https://news.example/news/a",
        "https://news.example/feeds/b.html",
    ]


def test_duplicate_items_within_a_feed_become_one() -> None:
    result = parse(
        rss(
            """<item><title>first</title><guid>same</guid><link>https://n.example/1</link></item>
               <item><title>again</title><guid>same</guid><link>https://n.example/1</link></item>
               <item><title>same link</title><link>https://n.example/1?utm_medium=x</link></item>
               <item><title>other</title><guid>other</guid><link>https://n.example/2</link></item>"""
        )
    )
    assert [d.title for d in result.drafts] == ["first", "other"]
    assert [r for r, _ in result.rejected] == ["duplicate item", "duplicate item"]


def test_item_language_overrides_source_and_feed() -> None:
    atom = """<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en"><title>x</title>
      <entry xml:lang="ar"><title>خبر</title><link href="https://x.example/1"/><id>1</id></entry>
      <entry><title>news</title><link href="https://x.example/2"/><id>2</id></entry></feed>"""
    result = parse(atom, language="tr")
    assert [d.language for d in result.drafts] == ["ar", "tr"]
    assert parse(atom).drafts[1].language == "en"


def test_malformed_feed_keeps_sound_items() -> None:
    broken = rss(
        """<item><title>good one</title><link>https://n.example/1</link></item>
           <item><title>also good &amp; fine</title><link>https://n.example/2</link></item>
           <item><title>unclosed <b>tag</title><link>https://n.example/3</link></item>"""
    ).replace("</channel></rss>", "")
    result = parse(broken)
    titles = [d.title for d in result.drafts]
    assert "good one" in titles and "also good & fine" in titles


@pytest.mark.parametrize(
    "content",
    [
        b"<html><body><h1>Welcome</h1></body></html>",
        b"",
        b"\x00\x01\x02garbage",
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>',
        b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>x',
    ],
    ids=["html", "empty", "binary", "no-items", "truncated"],
)
def test_unusable_documents_are_rejected_with_a_reason(content: bytes) -> None:
    result = parse(content)
    assert result.drafts == []
    [(reason, _)] = result.rejected
    assert reason.startswith(("not a feed", "malformed feed", "feed has no items", "no link"))


async def test_fetch_then_parse_from_the_loopback_server(feed_server: FeedServer) -> None:
    body = rss(
        f"<item><title>{ARABIC_TITLE}</title><link>/ar/1</link></item>",
        decl='<?xml version="1.0" encoding="windows-1256"?>',
    ).encode("windows-1256")
    feed_server.routes["/ar.rss"] = Route(body=body, content_type="text/xml")
    async with make_client() as client:
        fetched = await fetch(client, feed_server.url("/ar.rss"), allow_private=True)
    result = parse_feed(
        fetched.content, url=fetched.final_url, content_type=fetched.content_type, language="ar"
    )
    [draft] = result.drafts
    assert draft.title == ARABIC_TITLE
    assert draft.url == feed_server.url("/ar/1")


def test_rejections_name_the_item() -> None:
    result = parse(rss("<item><description>Only a body, no title.</description></item>"))
    assert result.rejected == [("no link and no title", "Only a body, no title.")]


def test_item_count_is_capped() -> None:
    items = "".join(
        f"<item><title>t{i}</title><link>https://n.example/{i}</link></item>" for i in range(20)
    )
    result = parse(rss(items), max_items=5)
    assert [d.title for d in result.drafts] == [f"t{i}" for i in range(5)]
    assert "20 items" in result.rejected[0][0]


def test_utf16_feed_with_bom() -> None:
    xml = rss(
        f"<item><title>{ARABIC_TITLE}</title><link>https://ar.example/1</link></item>",
        decl='<?xml version="1.0" encoding="utf-16"?>',
    )
    result = parse(xml.encode("utf-16"))
    assert result.drafts[0].title == ARABIC_TITLE


_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_text, _text, st.one_of(st.none(), _text)), max_size=5))
def test_any_escaped_item_text_round_trips_or_is_rejected(
    items: list[tuple[str, str, str | None]],
) -> None:
    body = "".join(
        f"<item><title>{escape(title)}</title><description>{escape(desc)}</description>"
        + (f"<link>{escape(link)}</link>" if link is not None else "")
        + "</item>"
        for title, desc, link in items
    )
    result = parse(rss(body))
    for draft in result.drafts:
        assert draft.title or draft.body
        assert draft.url is None or draft.url.startswith(("http://", "https://"))
        assert "<script" not in draft.title
    assert len(result.drafts) + len(result.rejected) >= 1


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_crash(content: bytes) -> None:
    result = parse(b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>' + content)
    for draft in result.drafts:
        assert draft.title or draft.body


def test_external_dtd_is_never_fetched(feed_server: FeedServer) -> None:
    feed_server.routes["/evil.dtd"] = Route(body=b'<!ENTITY t "pwned">', content_type="text/xml")
    doc = (
        f'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "{feed_server.url("/evil.dtd")}">'
        '<rss version="2.0"><channel><title>x</title><item><title>safe</title>'
        "<link>https://n.example/1</link></item></channel></rss>"
    )
    result = parse(doc)
    assert [d.title for d in result.drafts] == ["safe"]
    assert feed_server.requests == []


@pytest.mark.parametrize("date", ["2025-13-45T99:99:99Z", "2025-02-30", "2025-03-06T24:61:00Z"])
def test_an_impossible_iso_date_is_no_date(date: str) -> None:
    result = parse(
        rss(
            f"<item><title>t</title><link>https://x.example/1</link><pubDate>{date}</pubDate></item>"
        )
    )
    [draft] = result.drafts
    assert (draft.published_at, draft.date_source) == (None, "ingest")
