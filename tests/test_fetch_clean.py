"""html_to_text: visible text only, paragraphs kept, entities decoded."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.fetch.clean import _SPACES, html_to_text, one_line, strip_markup


def test_paragraphs_and_line_breaks_are_kept() -> None:
    html = (
        "<div><p>First&nbsp;para.</p>\n\n<p>Second<br>line</p><ul><li>a</li><li>b</li></ul></div>"
    )
    assert html_to_text(html) == "First para.\n\nSecond\nline\n\na\n\nb"


def test_scripts_styles_and_comments_are_dropped() -> None:
    html = (
        "<p>keep</p><script>var x = '<p>not text</p>';</script><style>p { color: red }</style>"
        "<!-- hidden --><noscript>enable js</noscript><iframe src=x>frame</iframe><p>also</p>"
    )
    assert html_to_text(html) == "keep\n\nalso"


def test_entities_and_double_escaping_are_decoded() -> None:
    assert one_line("Q&amp;A &#8212; caf&eacute; &#x627;") == "Q&A — café ا"
    assert one_line("AT&amp;amp;T") == "AT&T"


def test_plain_text_passes_through() -> None:
    assert html_to_text("  متن   عادي\u00a0هنا  ") == "متن عادي هنا"
    assert html_to_text(None) == "" and html_to_text("") == ""


def test_broken_markup_does_not_leak_tags() -> None:
    assert one_line("<b>bold <i>unclosed <script>x") == "bold unclosed"


@given(st.text(max_size=200))
def test_output_is_stripped_and_has_no_runs_of_blank_lines(text: str) -> None:
    out = html_to_text(text)
    assert out == out.strip()
    assert "\n\n\n" not in out
    assert "\n" not in one_line(text)


@given(st.lists(st.text(alphabet="abc دخل 12", min_size=1, max_size=10), max_size=5))
def test_text_inside_paragraphs_survives(words: list[str]) -> None:
    html = "".join(f"<p>{w}</p>" for w in words)
    expected = "\n\n".join(" ".join(w.split()) for w in words if w.strip())
    assert html_to_text(html) == expected


@given(st.text(alphabet=st.sampled_from(" \t\r\f\v\u00a0\u2009xع\n"), max_size=40))
def test_spaces_collapse_like_every_run_replaced(text: str) -> None:
    # _SPACES skips runs that are one plain space already; the result must be the same.
    assert _SPACES.sub(" ", text) == re.sub(r"[ \t\r\f\v\u00a0]+", " ", text)


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("&lt;script&gt;alert(1)&lt;/script&gt;Escaped", "Escaped"),
        ("&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;Hi", "Hi"),
        ("&amp;lt;b&amp;gt;Bold&amp;lt;/b&amp;gt; news", "Bold news"),
        ("a &lt; b", "a < b"),
        ("a < b", "a < b"),
        ("x<y", "x<y"),
        ("5 &lt;3 and 4>2", "5 <3 and 4>2"),
    ],
)
def test_no_tag_survives_however_often_it_was_escaped(markup: str, text: str) -> None:
    assert html_to_text(markup) == text


@given(st.text(alphabet=st.sampled_from("<>/&;ltgampb sx"), max_size=60))
def test_the_text_never_holds_a_tag(markup: str) -> None:
    assert not re.search(r"<[A-Za-z/!?][^<>]*>", html_to_text(markup))


def test_strip_markup_leaves_plain_text_alone() -> None:
    assert strip_markup("AT&amp;T: a < b, x<y") == "AT&amp;T: a < b, x<y"
    assert strip_markup("<b>AT&amp;T</b>") == "AT&T"


def test_control_characters_are_dropped() -> None:
    assert html_to_text("<p>a\x00b\x1b</p><p>c\rd\x0be</p>") == "ab\n\nc\nd\ne"
