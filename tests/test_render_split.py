"""Splitting Telegram HTML into messages that parse and fit the limit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.render.split import split_items, split_message
from bot.render.telegram_html import HtmlParseError, ParsedMessage, parse, utf16_len
from bot.render.text import esc

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def _seed_text() -> str:
    files = sorted(SEEDS.glob("*.txt"))
    if not files:
        pytest.skip("no seed article in seeds/")
    return files[0].read_text(encoding="utf-8")


def _styles(parsed: ParsedMessage) -> list[frozenset]:
    """Return, per character of the text, the formatting that covers it."""
    starts = []  # UTF-16 offset of each character
    units = 0
    for ch in parsed.text:
        starts.append(units)
        units += utf16_len(ch)
    out: list[set] = [set() for _ in parsed.text]
    for e in parsed.entities:
        for k, at in enumerate(starts):
            if e.offset <= at < e.offset + e.length:
                out[k].add((e.type, e.url, e.language, e.custom_emoji_id))
    return [frozenset(s) for s in out]


def assert_valid_split(html: str, chunks: list[str], limit: int) -> None:
    """Each chunk parses and fits; the chunks rejoin to the input's text and formatting."""
    whole = parse(html)
    whole_styles = _styles(whole)
    pos = 0
    for chunk in chunks:
        parsed = parse(chunk)
        assert utf16_len(parsed.text) <= limit
        assert chunk == chunk.strip() and parsed.text.strip()
        found = whole.text.find(parsed.text, pos)
        assert found >= 0, "chunk text is not the next part of the input"
        gap = whole.text[pos:found]
        assert gap.strip() == "", f"text lost between chunks: {gap!r}"
        # Formatting is kept across cuts: bold stays bold, links keep their URL.
        assert _styles(parsed) == whole_styles[found : found + len(parsed.text)]
        pos = found + len(parsed.text)
    assert whole.text[pos:].strip() == ""


# ---- examples -----------------------------------------------------------------------------


def test_arabic_article_of_20000_chars_splits_at_paragraphs() -> None:
    seed = _seed_text()
    html = ""
    while len(html) < 20_000:
        html += esc(seed) + "\n"
    chunks = split_message(html)
    assert len(chunks) >= 5
    assert_valid_split(html, chunks, 4096)
    # The seed's paragraphs are short, so every cut falls at the end of one, and
    # messages are well filled.
    text = parse(html).text
    for chunk in chunks[:-1]:
        end = text.index(parse(chunk).text) + len(parse(chunk).text)
        assert text[end] == "\n"
        assert utf16_len(parse(chunk).text) > 2000


def test_items_are_kept_whole_when_they_fit() -> None:
    items = [f"<b>{i}. عنوان الخبر</b>\n" + "كلمة " * 180 for i in range(12)]
    html = "\n\n".join(items)
    chunks = split_message(html)
    assert_valid_split(html, chunks, 4096)
    texts = {parse(item).text.strip() for item in items}
    for chunk in chunks:
        for part in parse(chunk).text.split("\n\n"):
            assert part.strip() in texts


def test_long_paragraph_splits_after_arabic_sentence_ends() -> None:
    sentence = "هل يواصل الوسطاء اتصالاتهم مع الطرفين؟ نعم، قال المتحدث إن المفاوضات مستمرة. "
    html = sentence * 120  # one paragraph, no newlines
    chunks = split_message(html)
    assert_valid_split(html, chunks, 4096)
    for chunk in chunks[:-1]:
        assert parse(chunk).text[-1] in ".؟"


def test_open_bold_and_link_are_closed_and_reopened() -> None:
    words = " ".join(f"كلمة{i}" for i in range(40))
    html = f'مقدمة <b>عريض {words}</b> و <a href="https://example.com/a?b=1&amp;c=2">{words}</a>'
    chunks = split_message(html, limit=100)
    assert len(chunks) > 4
    assert_valid_split(html, chunks, 100)
    assert chunks[0].startswith("مقدمة <b>") and chunks[0].endswith("</b>")
    assert chunks[1].startswith("<b>") and chunks[1].endswith("</b>")
    linked = [c for c in chunks if "كلمة39" in c][-1]
    assert linked.startswith('<a href="https://example.com/a?b=1&amp;c=2">')
    assert linked.endswith("</a>")


def test_nested_elements_reopen_in_order_with_attributes() -> None:
    html = (
        "<blockquote expandable><b>head <i>tail words here and more words</i></b></blockquote>\n"
        '<pre><code class="language-python">print(1)\nprint(2)\nprint(3)</code></pre>'
    )
    chunks = split_message(html, limit=14)
    assert_valid_split(html, chunks, 14)
    assert chunks[1].startswith("<blockquote expandable><b><i>")
    assert chunks[1].endswith("</i></b></blockquote>")
    code_chunks = [c for c in chunks if "print" in c]
    assert all(c.startswith('<pre><code class="language-python">') for c in code_chunks)
    assert all(parse(c).entities[0].language == "python" for c in code_chunks)


def test_link_without_href_keeps_its_address_when_cut() -> None:
    html = "<a>https://example.com/a-very-long-path-that-will-not-fit</a>"
    chunks = split_message(html, limit=20)
    assert_valid_split(html, chunks, 20)
    assert all(parse(c).entities[0].url == parse(html).entities[0].url for c in chunks)


def test_emoji_count_two_units_and_are_never_halved() -> None:
    html = "😀" * 5000
    chunks = split_message(html)
    assert [utf16_len(parse(c).text) for c in chunks] == [4096, 4096, 1808]
    assert "".join(chunks) == html


def test_hard_cut_inside_a_word_only_as_last_resort() -> None:
    html = "<i>" + "x" * 9000 + "</i>"
    chunks = split_message(html)
    assert [len(parse(c).text) for c in chunks] == [4096, 4096, 808]
    assert_valid_split(html, chunks, 4096)


def test_hard_cut_keeps_harakat_with_their_letter() -> None:
    word = "مُحَمَّدٌ" * 10
    chunks = split_message(word, limit=7)
    assert_valid_split(word, chunks, 7)
    assert all(not re.match("[\u064b-\u0652]", parse(c).text) for c in chunks)


def test_hard_cut_keeps_skin_tone_with_its_emoji() -> None:
    html = "👍🏽" * 30
    chunks = split_message(html, limit=10)
    assert_valid_split(html, chunks, 10)
    assert all(c.startswith("👍") and c.endswith("🏽") for c in chunks)


def test_entities_and_tags_are_never_cut() -> None:
    html = "&lt;&amp;&gt;" * 50 + " AT&T " + "&#1582;" * 40
    chunks = split_message(html, limit=7)
    assert_valid_split(html, chunks, 7)


def test_short_input_is_returned_stripped() -> None:
    assert split_message("  <b>خبر</b> \n") == ["<b>خبر</b>"]
    assert split_message(" \n ") == []
    assert split_message("<b> </b>") == []


def test_invalid_input_and_limit_are_rejected() -> None:
    with pytest.raises(HtmlParseError):
        split_message("<b>unclosed" + "x" * 5000)
    with pytest.raises(ValueError):
        split_message("abc", limit=1)


def test_split_items_packs_whole_items() -> None:
    items = ["<b>one</b>", "two", "x" * 30, "three", "  ", "four"]
    assert split_items(items, limit=14) == [
        "<b>one</b>\n\ntwo",
        "x" * 14,
        "x" * 14,
        "xx",
        "three\n\nfour",
    ]


def test_split_items_fills_messages_with_news_items() -> None:
    seed_lines = [line for line in _seed_text().splitlines() if line.strip()]
    items = [f"<b>{esc(line[:60])}</b>\n{esc(line)}" for line in seed_lines] * 4
    messages = split_items(items)
    total = sum(utf16_len(parse(i).text) + 2 for i in items)
    assert len(messages) <= total // 4096 + 2
    for message in messages:
        assert utf16_len(parse(message).text) <= 4096
    rejoined = "\n\n".join(messages)
    assert all(item in rejoined for item in items)


# ---- properties ---------------------------------------------------------------------------

WORDS = st.sampled_from(
    [
        "غزة",
        "الوسطاء",
        "مُحَمَّد",
        "news",
        "Gazze'de",
        "😀",
        "👍🏽",
        "&amp;",
        "&lt;b&gt;",
        "&#1582;",
        "x",
    ]
)
GAPS = st.sampled_from([" ", " ", " ", "\n", "\n\n", ". ", "؟ ", "، ", ", ", "  \n "])
LEAF = st.lists(st.tuples(WORDS, GAPS), max_size=12).map(lambda p: "".join(w + g for w, g in p))
WRAPPERS = st.sampled_from(
    [
        "<b>{}</b>",
        "<i>{}</i>",
        "<u>{}</u>",
        '<a href="https://example.com/?q=1&amp;r=2">{}</a>',
        '<span class="tg-spoiler">{}</span>',
        "<blockquote>{}</blockquote>",
    ]
)
# Code and pre hold plain text only, as Telegram displays them.
CODE = LEAF.map(lambda t: f"<code>{t}</code>") | LEAF.map(
    lambda t: f'<pre><code class="language-py">{t}</code></pre>'
)


def _wrap(pair: tuple[str, list[str]]) -> str:
    wrapper, parts = pair
    return wrapper.format("".join(parts))


HTML = st.recursive(
    LEAF | CODE,
    lambda inner: st.tuples(WRAPPERS, st.lists(inner, max_size=4)).map(_wrap),
    max_leaves=8,
).map(str)
DOCS = st.lists(HTML, min_size=1, max_size=5).map("".join)


@settings(max_examples=150, deadline=None)
@given(DOCS, st.integers(min_value=2, max_value=60))
def test_split_properties(html: str, limit: int) -> None:
    chunks = split_message(html, limit)
    assert_valid_split(html, chunks, limit)
    if utf16_len(parse(html.strip()).text) <= limit and parse(html).text.strip():
        assert chunks == [html.strip()]


@settings(max_examples=40, deadline=None)
@given(st.lists(HTML, max_size=6), st.integers(min_value=2, max_value=80))
def test_split_items_properties(items: list[str], limit: int) -> None:
    messages = split_items(items, limit)
    for message in messages:
        assert utf16_len(parse(message).text) <= limit
    joined = "".join(parse(m).text for m in messages)
    expected = "".join(parse(i).text for i in items)
    assert re.sub(r"\s", "", joined) == re.sub(r"\s", "", expected)
