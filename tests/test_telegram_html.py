"""Telegram HTML parsing (cases from tdlib's own tests), terminal rendering and text helpers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.render.telegram_html import ERROR_PREFIX, HtmlParseError, parse, to_plain, utf16_len
from bot.render.text import (
    LRI,
    PDI,
    RLI,
    RLM,
    esc,
    is_rtl,
    isolate,
    link,
    sanitize_user_text,
    truncate,
)

# ---- parse: errors, with tdlib's descriptions and UTF-8 byte offsets ----------------------

ERRORS = [
    ("🏟 🏟&lt;<abacaba", "Unclosed start tag at byte offset 13"),
    ("🏟 🏟&lt;<abac aba>", 'Unsupported start tag "abac" at byte offset 13'),
    ("🏟 🏟&lt;<i   =aba>", 'Empty attribute name in the tag "i" at byte offset 13'),
    (
        "🏟 🏟&lt;<i    aba>",
        'Expected equal sign in declaration of an attribute of the tag "i" at byte offset 13',
    ),
    ("🏟 🏟&lt;<i    aba  =  ", 'Unclosed start tag "i" at byte offset 13'),
    ("🏟 🏟&lt;<i    aba  =  190azAz-.,", "Unexpected end of name token at byte offset 27"),
    ('🏟 🏟&lt;<i    aba  =  "&lt;&gt;&quot;>', "Unclosed start tag at byte offset 13"),
    ("🏟 🏟&lt;</", "Unexpected end tag at byte offset 13"),
    ("🏟 🏟&lt;<b></b></", "Unexpected end tag at byte offset 20"),
    ("🏟 🏟&lt;<i>a</i   ", "Unclosed end tag at byte offset 17"),
    (
        "🏟 🏟&lt;<i>a</em   >",
        'Unmatched end tag at byte offset 17, expected "</i>", found "</em>"',
    ),
    (
        "<b>bold <i>both</b></i>",
        'Unmatched end tag at byte offset 15, expected "</i>", found "</b>"',
    ),
    ("<b>never closed", 'Can\'t find end tag corresponding to start tag "b"'),
    ("line<br>next", 'Unsupported start tag "br" at byte offset 4'),
    ("a < b", 'Unsupported start tag "" at byte offset 2'),
    ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ("<tg-emoji>👍</tg-emoji>", "Invalid custom emoji identifier specified"),
    (
        "&#xDFDF;",
        "Text contains invalid Unicode characters after decoding HTML entities, "
        "check for unmatched surrogate code units",
    ),
]


@pytest.mark.parametrize(("html", "detail"), ERRORS)
def test_malformed_html_raises_telegram_description(html: str, detail: str) -> None:
    with pytest.raises(HtmlParseError) as caught:
        parse(html)
    assert caught.value.detail == detail
    assert str(caught.value) == ERROR_PREFIX + detail
    assert caught.value.description.startswith("Bad Request: can't parse entities: ")


def test_byte_offset_counts_utf8_bytes_of_arabic() -> None:
    with pytest.raises(HtmlParseError, match='"p" at byte offset 7'):
        parse("خبر <p>")  # three Arabic letters are 6 bytes, then a space


# ---- parse: text and entities -------------------------------------------------------------


def _spans(html: str) -> tuple[str, list[tuple[str, int, int]]]:
    parsed = parse(html)
    return parsed.text, [(e.type, e.offset, e.length) for e in parsed.entities]


PARSED = [
    ("", "", []),
    ("&lt;&gt;&amp;&quot;&laquo;&#12345678;", '<>&"&laquo;&#12345678;', []),
    ("AT&T &foo; a & b > c", "AT&T &foo; a & b > c", []),
    ("&#1582;&#x628;&#x631", "خبر", []),
    ("➡️ ➡️<i>➡️ ➡️</i><b>➡️ ➡️</b>", "➡️ ➡️➡️ ➡️➡️ ➡️", [("italic", 5, 5), ("bold", 10, 5)]),
    ("🏟 🏟<i>🏟 &lt🏟</i>", "🏟 🏟🏟 <🏟", [("italic", 5, 6)]),
    ("🏟 🏟<i>🏟 &gt;<b aba   =   caba>&lt🏟</b></i>", "🏟 🏟🏟 ><🏟", [("italic", 5, 7), ("bold", 9, 3)]),
    ("🏟 🏟&lt;<i    aba  =  '&lt;&gt;&quot;'>a</>", "🏟 🏟<a", [("italic", 6, 1)]),
    ("🏟 🏟&lt;<i>a</    >", "🏟 🏟<a", [("italic", 6, 1)]),
    ("<B>x</b><STRONG>y</strong>", "xy", [("bold", 0, 1), ("bold", 1, 1)]),
    ("🏟 🏟&lt;<b></b>", "🏟 🏟<", []),
    ("<i>\n</i>", "\n", [("italic", 0, 1)]),
    (
        "<u>u</u><ins>i</ins><s>s</s><strike>k</strike><del>d</del>",
        "uiskd",
        [
            ("underline", 0, 1),
            ("underline", 1, 1),
            ("strikethrough", 2, 1),
            ("strikethrough", 3, 1),
            ("strikethrough", 4, 1),
        ],
    ),
    (
        '<span class="tg-spoiler">a</span><tg-spoiler>b</tg-spoiler>',
        "ab",
        [
            ("spoiler", 0, 1),
            ("spoiler", 1, 1),
        ],
    ),
    (
        "<blockquote expandable>x</blockquote><blockquote>y</blockquote>",
        "xy",
        [
            ("expandable_blockquote", 0, 1),
            ("blockquote", 1, 1),
        ],
    ),
    ("<a> </a><a>telegram.org </a>", " telegram.org ", []),
    ("<code><i><b> </b></i></code>", " ", [("code", 0, 1), ("bold", 0, 1), ("italic", 0, 1)]),
]


@pytest.mark.parametrize(("html", "text", "spans"), PARSED)
def test_parse_text_and_entities_like_tdlib(html: str, text: str, spans: list) -> None:
    assert _spans(html) == (text, spans)


def test_links_carry_normalised_urls() -> None:
    parsed = parse(
        "<a href=telegram.org>a</a><a href='telegram.org?&lt;'>b</a>"
        '<a href="https://example.com/x?a=1&amp;b=2">c</a><a>https://t.me/s#1</a>'
    )
    assert [e.url for e in parsed.entities] == [
        "http://telegram.org/",
        "http://telegram.org/?<",
        "https://example.com/x?a=1&b=2",
        "https://t.me/s#1",
    ]
    assert parsed.entities[0].to_dict() == {
        "type": "text_link",
        "offset": 0,
        "length": 1,
        "url": "http://telegram.org/",
    }


def test_pre_with_language_is_one_pre_entity() -> None:
    parsed = parse('<pre><code class="language-python">x = 1</code></pre> <code>y</code>')
    assert parsed.entities[0].to_dict() == {
        "type": "pre",
        "offset": 0,
        "length": 5,
        "language": "python",
    }
    assert parsed.entities[1].to_dict() == {"type": "code", "offset": 6, "length": 1}


def test_custom_emoji_keeps_its_id() -> None:
    parsed = parse('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>')
    assert parsed.entities[0].custom_emoji_id == "5368324170671202286"
    assert (parsed.entities[0].offset, parsed.entities[0].length) == (0, 2)


def test_offsets_count_emoji_as_two_units() -> None:
    parsed = parse("😀 <b>عاجل</b> 👍🏽 <i>x</i>")
    assert [(e.offset, e.length) for e in parsed.entities] == [(3, 4), (13, 1)]
    assert parsed.utf16_length == 14
    assert utf16_len("😀") == 2
    assert utf16_len("👍🏽") == 4
    assert utf16_len("خبر عاجل") == 8


@given(st.text())
def test_escaped_text_parses_back_to_itself(text: str) -> None:
    # Lone surrogates cannot reach Telegram (JSON over UTF-8), so leave them out.
    text = "".join(ch for ch in text if not 0xD800 <= ord(ch) <= 0xDFFF)
    parsed = parse(f"<b>{esc(text)}</b>")
    assert parsed.text == text
    assert parsed.utf16_length == len(text.encode("utf-16-le")) // 2


@given(st.text(alphabet="<>&/ab =\"';#x1i"))
def test_parser_never_crashes_on_junk(html: str) -> None:
    try:
        parse(html)
    except HtmlParseError as error:
        assert error.description.startswith(ERROR_PREFIX)


# ---- to_plain -----------------------------------------------------------------------------

SAMPLE = (
    '<b>عاجل <i>جدا</i></b> and <a href="https://example.com/x">the story</a> '
    "<code>x&lt;y</code>\n<blockquote>one\ntwo</blockquote>\n<s>old</s> "
    "<tg-spoiler>secret</tg-spoiler> <a>https://t.me/x</a>"
)


def test_to_plain_terminal_markers() -> None:
    assert to_plain(SAMPLE) == (
        "*عاجل _جدا_* and the story (https://example.com/x) `x<y`\n"
        "│ one\n│ two\n~old~ ||secret|| https://t.me/x"
    )


def test_to_plain_plain_and_ansi() -> None:
    assert to_plain(SAMPLE, style="plain") == (
        "عاجل جدا and the story (https://example.com/x) x<y\none\ntwo\nold secret https://t.me/x"
    )
    ansi = to_plain("<b>a <i>b</i> c</b>", style="ansi")
    # Italic ends by resetting and restoring the bold around it.
    assert ansi == "\x1b[1ma \x1b[3mb\x1b[0m\x1b[1m c\x1b[0m"


def test_to_plain_keeps_whitespace_outside_markers_and_pre_verbatim() -> None:
    assert to_plain("<b>word </b>next") == "*word* next"
    assert to_plain("<pre><b>a*b</b></pre>") == "a*b"


def test_to_plain_rejects_bad_html() -> None:
    with pytest.raises(HtmlParseError):
        to_plain("<b>x")


# ---- text helpers -------------------------------------------------------------------------


def test_esc_escapes_what_telegram_needs() -> None:
    assert esc(None) == ""
    assert esc(5) == "5"
    assert esc('<b> & "q"') == '&lt;b&gt; &amp; "q"'
    assert esc('"q"', quote=True) == "&quot;q&quot;"
    html = link('https://x.com/?a=1&b="2"', "<Tom & Jerry>")
    assert parse(html).text == "<Tom & Jerry>"
    assert parse(html).entities[0].url == 'https://x.com/?a=1&b="2"'


def test_is_rtl() -> None:
    assert is_rtl("غزة")
    assert is_rtl("Apple تطلق هاتفا جديدا")  # mostly Arabic letters
    assert not is_rtl("Gazze'de ateşkes")
    assert not is_rtl("2025 - 10")
    # A tie goes to the first strong letter.
    assert not is_rtl("ab جد")
    assert is_rtl("جد ab")


def test_isolate_wraps_by_direction() -> None:
    assert isolate("غزة") == RLM + RLI + "غزة" + PDI
    assert isolate("Reuters") == LRI + "Reuters" + PDI
    assert isolate("2025") == "2025"
    # A stray PDI in the input cannot close our isolate early.
    assert isolate("غزة\u2069x") == RLM + RLI + "غزةx" + PDI


def test_sanitize_user_text_removes_bidi_and_invisible_controls() -> None:
    dirty = "\u202eabc\u202c \u2067غزة\u2069\u200b\ufeff\x1b[31mred\r\nline"
    assert sanitize_user_text(dirty) == "abc غزة[31mred\nline"
    assert sanitize_user_text(None) == ""
    # ZWJ holds emoji sequences together and ZWNJ is part of Persian spelling.
    assert (
        sanitize_user_text("👨\u200d👩\u200d👧 می\u200cخواهم") == "👨\u200d👩\u200d👧 می\u200cخواهم"
    )


def test_truncate_at_word_boundary_in_utf16() -> None:
    assert truncate("short", 10) == "short"
    assert truncate("الوسطاء يواصلون اتصالاتهم لإلزام", 20) == "الوسطاء يواصلون…"
    assert truncate("abcdefghijklmnop", 8) == "abcdefg…"
    out = truncate("😀😀😀😀😀", 5)
    assert out == "😀😀…" and utf16_len(out) == 5
    assert truncate("مُحَمَّد", 4) == "مُ…"  # never leaves a mark without its letter


@given(st.text(), st.integers(min_value=1, max_value=50))
def test_truncate_fits(text: str, n: int) -> None:
    assert utf16_len(truncate(text, n)) <= n
