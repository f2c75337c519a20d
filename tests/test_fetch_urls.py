"""canonical_url: one spelling per link."""

from __future__ import annotations

import re
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.fetch.urls import (
    _PATH_SAFE,
    _QUERY_SAFE,
    _UNRESERVED,
    _canonical_url,
    _normalise_percent,
    absolute_url,
    canonical_url,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://Example.COM:80/a/b/", "http://example.com/a/b"),
        ("https://example.com:443", "https://example.com/"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
        ("https://example.com/a#section", "https://example.com/a"),
        (
            "https://example.com/n?utm_source=tw&b=2&utm_medium=x&a=1&fbclid=Z&gclid=1",
            "https://example.com/n?a=1&b=2",
        ),
        (
            "https://example.com/n?mc_cid=1&mc_eid=2&ref=home&cmpid=3&id=7",
            "https://example.com/n?id=7",
        ),
        ("https://example.com/n?UTM_Campaign=x&q=1", "https://example.com/n?q=1"),
        ("https://example.com/%7euser/%41b%2f", "https://example.com/~user/Ab%2F"),
        ("https://example.com/a%2fb", "https://example.com/a%2Fb"),
        ("https://example.com/a/./b/../c", "https://example.com/a/c"),
        ("https://example.com/news/عربي", "https://example.com/news/%D8%B9%D8%B1%D8%A8%D9%8A"),
        ("https://haber.com.tr/güncel haber", "https://haber.com.tr/g%C3%BCncel%20haber"),
        ("https://münchen.de/", "https://xn--mnchen-3ya.de/"),
        ("https://الجزيرة.نت/x", "https://xn--mgbeiue0iwb.xn--pgb9c/x"),
        ("https://user:pw@example.com/", "https://example.com/"),
        ("https://example.com./a", "https://example.com/a"),
        ("https://[2001:DB8::1]:443/a", "https://[2001:db8::1]/a"),
        ("https://example.com/?q=a+b&q=%20c", "https://example.com/?q=%20c&q=a+b"),
        ("https://example.com/?x", "https://example.com/?x"),
        ("https://example.com/?", "https://example.com/"),
        ("https://example.com/100%", "https://example.com/100%25"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    "url", ["ftp://example.com/a", "javascript:alert(1)", "mailto:a@b.c", "/relative", "https://"]
)
def test_canonical_url_refuses_non_http(url: str) -> None:
    with pytest.raises(ValueError):
        canonical_url(url)


def test_canonical_url_remembers_recent_answers_under_both_spellings() -> None:
    url = "HTTPS://Example.com/remembered/?b=2&a=1&utm_source=x"
    canonical = canonical_url(url)
    assert canonical == "https://example.com/remembered?a=1&b=2"
    assert canonical_url(url) == canonical_url(canonical) == canonical == _canonical_url(url)


def test_absolute_url_resolves_relative_links() -> None:
    assert absolute_url("../b?utm_source=x", "https://ex.com/news/a/") == "https://ex.com/news/b"
    assert absolute_url("//cdn.ex.com/p", "https://ex.com/") == "https://cdn.ex.com/p"
    assert absolute_url("javascript:void(0)", "https://ex.com/") is None
    assert absolute_url("  ", "https://ex.com/") is None
    assert absolute_url(None, "https://ex.com/") is None


_segment = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/?#"), max_size=8
)
_query_part = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="&#"), max_size=6
)
_host = st.sampled_from(
    ["example.com", "EXAMPLE.com", "münchen.de", "الجزيرة.نت", "127.0.0.1", "[::1]", "a.b.c."]
)


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "HtTpS"]))
    port = draw(st.sampled_from(["", ":80", ":443", ":8080"]))
    path = "/".join(draw(st.lists(_segment, max_size=4)))
    query = "&".join(
        f"{k}={v}"
        for k, v in draw(
            st.lists(
                st.tuples(
                    st.one_of(_query_part, st.sampled_from(["utm_source", "ref", "id"])),
                    _query_part,
                ),
                max_size=4,
            )
        )
    )
    fragment = draw(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=4))
    url = f"{scheme}://{draw(_host)}{port}/{path}"
    if query:
        url += "?" + query
    return f"{url}#{fragment}"


@given(urls())
def test_canonical_url_is_idempotent(url: str) -> None:
    once = canonical_url(url)
    # Computed again, not looked up: canonical_url relies on this to remember its answers.
    assert _canonical_url(once) == once
    assert canonical_url(once) == once
    assert "#" not in once
    assert "utm_source" not in once


@given(st.text(max_size=60))
def test_canonical_url_never_crashes_otherwise(text: str) -> None:
    try:
        once = canonical_url(text)
    except ValueError:
        return
    assert _canonical_url(once) == once


def _normalise_percent_by_bytes(component: str, safe: frozenset[int], keep: str = "") -> str:
    """The byte-by-byte definition that `_normalise_percent` must equal."""
    out: list[str] = []
    raw = component.encode("utf-8", "surrogatepass")
    i = 0
    while i < len(raw):
        byte = raw[i]
        if byte == 0x25:  # '%'
            match = re.match("%([0-9A-Fa-f]{2})", raw[i : i + 3].decode("ascii", "replace"))
            if match:
                value = int(match.group(1), 16)
                out.append(chr(value) if value in _UNRESERVED else f"%{value:02X}")
                i += 3
                continue
            out.append("%25")
        elif byte in safe or chr(byte) in keep:
            out.append(chr(byte))
        else:
            out.append(f"%{byte:02X}")
        i += 1
    return "".join(out)


_SAFE_SETS = [(_PATH_SAFE, ""), (_QUERY_SAFE, "+"), (_QUERY_SAFE, "+=")]


def test_normalise_percent_equals_the_byte_definition_on_every_escape() -> None:
    # Every '%' followed by two characters of this alphabet: all 256 escapes in both cases,
    # bare '%', and neighbours from each class (kept, structural, unsafe, non-ASCII, surrogate).
    alphabet = "0123456789abcdefABCDEFgG%+=&/ ~é\udcff"
    for safe, keep in _SAFE_SETS:
        for a, b in product(alphabet, repeat=2):
            for text in (f"%{a}{b}", f"x%{a}{b}%", f"{a}%{b}"):
                assert _normalise_percent(text, safe, keep) == _normalise_percent_by_bytes(
                    text, safe, keep
                ), text


@given(st.text(alphabet=st.sampled_from("%%%0aF7eE2D5fgz+=&?/ ~éع\x00\U0001f600"), max_size=30))
def test_normalise_percent_equals_the_byte_definition(text: str) -> None:
    for safe, keep in _SAFE_SETS:
        assert _normalise_percent(text, safe, keep) == _normalise_percent_by_bytes(text, safe, keep)
