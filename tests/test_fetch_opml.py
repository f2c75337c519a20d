"""OPML import/export, with unsafe XML refused."""

from __future__ import annotations

import pytest

from bot.fetch.opml import OpmlError, OpmlSource, build_opml, parse_opml

OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Subscriptions</title></head>
  <body>
    <outline text="Arabic">
      <outline text="Middle East">
        <outline type="rss" text="BBC عربي" xmlUrl="https://feeds.bbci.co.uk/arabic/rss.xml"
                 language="ar"/>
      </outline>
      <outline type="rss" title="DW" text="DW text" xmlUrl="https://rss.dw.com/rdf/rss-ar-all"
               category="world,/news/politics"/>
    </outline>
    <outline type="rss" text="Dup" xmlUrl="HTTPS://FEEDS.bbci.co.uk/arabic/rss.xml#x"/>
    <outline type="rss" text="Bad scheme" xmlUrl="file:///etc/passwd"/>
    <outline type="rss" text="AA" xmlUrl="https://www.aa.com.tr/tr/rss/default?cat=guncel"/>
  </body>
</opml>""".encode()


def test_nested_outlines_become_sources_with_topics() -> None:
    sources = parse_opml(OPML)
    assert sources == [
        OpmlSource(
            "BBC عربي", "https://feeds.bbci.co.uk/arabic/rss.xml", "ar", ["Arabic", "Middle East"]
        ),
        OpmlSource(
            "DW", "https://rss.dw.com/rdf/rss-ar-all", None, ["Arabic", "world", "news", "politics"]
        ),
        OpmlSource("Bad scheme", "file:///etc/passwd", None, []),  # for the import to skip
        OpmlSource("AA", "https://www.aa.com.tr/tr/rss/default?cat=guncel", None, []),
    ]


def test_build_then_parse_round_trips() -> None:
    sources = [
        OpmlSource("الأناضول", "https://www.aa.com.tr/ar/rss/default?cat=guncel", "ar", ["world"]),
        OpmlSource("A & B < C", "https://x.example/feed?a=1&b=2", None, []),
    ]
    data = build_opml(sources)
    assert data.startswith(b"<?xml")
    assert parse_opml(data) == sources


@pytest.mark.parametrize(
    "document",
    [
        b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b'<opml version="2.0"><body><outline text="&b;" xmlUrl="https://x.example/"/></body></opml>',
        b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<opml version="2.0"><body><outline text="&x;" xmlUrl="https://x.example/"/></body></opml>',
        b"<opml><body><outline",
        b"<html><body/></html>",
    ],
    ids=["entity-expansion", "external-entity", "malformed", "not-opml"],
)
def test_unsafe_or_invalid_documents_raise(document: bytes) -> None:
    with pytest.raises(OpmlError):
        parse_opml(document)


def test_deep_nesting_is_refused_not_a_crash() -> None:
    depth = 3000
    document = (
        b'<opml version="2.0"><body>'
        + b'<outline text="f">' * depth
        + b'<outline text="x" xmlUrl="https://x.example/rss"/>'
        + b"</outline>" * depth
        + b"</body></opml>"
    )
    with pytest.raises(OpmlError):
        parse_opml(document)


def test_unusable_feed_urls_are_returned_for_the_import_to_skip() -> None:
    document = b"""<opml version="2.0"><body>
      <outline text="F" xmlUrl="ftp://x.example/rss"/>
      <outline text="J" xmlUrl="javascript:alert(1)"/>
      <outline text="E" xmlUrl=""/>
      <outline text="&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;Bold&lt;/b&gt;"
               xmlUrl="https://ok.example/rss"/>
    </body></opml>"""
    sources = parse_opml(document)
    assert [(s.title, s.url) for s in sources] == [
        ("F", "ftp://x.example/rss"),
        ("J", "javascript:alert(1)"),
        ("E", ""),
        ("Bold", "https://ok.example/rss"),
    ]


def test_what_xml_cannot_hold_is_not_written() -> None:
    data = build_opml([OpmlSource("A\x00\x01\x1bB\ufffe", "https://a.example/\x07rss")])
    assert [(s.title, s.url) for s in parse_opml(data)] == [("AB", "https://a.example/rss")]
