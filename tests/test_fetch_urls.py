"""canonical_url: one spelling per link."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.fetch.urls import absolute_url, canonical_url


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
    assert canonical_url(once) == once
    assert "#" not in once
    assert "utm_source" not in once


@given(st.text(max_size=60))
def test_canonical_url_never_crashes_otherwise(text: str) -> None:
    try:
        once = canonical_url(text)
    except ValueError:
        return
    assert canonical_url(once) == once
