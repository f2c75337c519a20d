"""/search input becomes a safe FTS5 MATCH over analyzed text, or None."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlp.analyzer import analyze
from bot.nlp.language import detect_language
from bot.nlp.query import MAX_WORDS, ParsedQuery, highlight_terms, parse_query, to_match

FTS_TOKENIZER = "unicode61 remove_diacritics 0 tokenchars ''"
ARTICLES = [
    "قصفت الطائرات مواقع في مدينة غزة صباح اليوم",
    "وصل وفد من الولايات المتحدة إلى الدوحة للقاء الوسطاء القطريين",
    "أعلنت وزارة الصحة عن حملة جديدة في المملكة",
    "The mediators met in Doha to discuss a ceasefire in Gaza.",
    "İsrail ordusu Gazze'de yeni bir saldırı düzenledi, ateşkes görüşmeleri sürüyor.",
    "Qatar and Egypt said the mediator would travel to Cairo.",
]
# Characters that mean something to FTS5 or that users paste without seeing them.
NASTY = st.text(
    alphabet='"*()^:+-NEAROTDnearotd «»“”„ غزة\u064e\u0651\u202e\u200b\u2066\ufeffİı{}[]',
    max_size=80,
)
QUERIES = NASTY | st.text(max_size=200)


@pytest.fixture(scope="module")
def fts() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute(f'CREATE VIRTUAL TABLE t USING fts5(body, tokenize="{FTS_TOKENIZER}")')
    with db:
        for number, text in enumerate(ARTICLES):
            lang = detect_language(text)
            db.execute("INSERT INTO t(rowid, body) VALUES (?, ?)", (number, analyze(text, lang)))
    return db


def search(db: sqlite3.Connection, query: str) -> set[int]:
    """Return the numbers of the articles that the query finds."""
    match = to_match(parse_query(query))
    if match is None:
        return set()
    return {row[0] for row in db.execute("SELECT rowid FROM t WHERE t MATCH ?", (match,))}


# Parsing


def test_parses_words_phrases_and_exclusions() -> None:
    parsed = parse_query('غزة "الولايات المتحدة" «وقف إطلاق» “cease fire” -Qatar -"Hamas İsrail"')
    assert parsed.terms == ["غزة"]
    assert parsed.phrases == ["الولايات المتحدة", "وقف إطلاق", "cease fire"]
    assert parsed.excluded == ["Qatar", "Hamas İsrail"]


def test_unclosed_quote_runs_to_the_end() -> None:
    assert parse_query('gaza "cease fire').phrases == ["cease fire"]


def test_operators_and_syntax_characters_are_plain_text() -> None:
    parsed = parse_query("a OR b AND NOT c NEAR(d e) col:f ^g +h i*")
    assert parsed.terms == ["a", "b", "c", "d", "e", "col", "f", "g", "h", "i"]


def test_word_count_is_capped() -> None:
    parsed = parse_query(" ".join(f"w{i}" for i in range(5000)))
    assert len(parsed.terms) == MAX_WORDS
    assert to_match(parsed) is not None


# MATCH strings


def test_match_quotes_every_alternative() -> None:
    match = to_match(parse_query('mediators "الولايات المتحدة" -Qatar'))
    assert match == '(("mediat" OR "mediators") AND "ولاي متحد") NOT "qatar"'


@pytest.mark.parametrize(
    "query",
    ["", "   ", "-gaza", '-"a b"', "***", "()", '""', "\u064e\u0651\u0650", "\u202e\u200b", "!?؟،"],
)
def test_nothing_searchable_gives_none(query: str) -> None:
    assert to_match(parse_query(query)) is None


def test_empty_parsed_query_gives_none() -> None:
    assert to_match(ParsedQuery()) is None


# Searching a real FTS5 table


def test_search_finds_inflected_and_voweled_forms(fts: sqlite3.Connection) -> None:
    assert search(fts, "غزة") == {0}
    assert search(fts, "غَزَّة") == {0}
    assert search(fts, "ولايات") == {1}
    assert search(fts, "الوزارة") == {2}
    assert search(fts, "mediators") == {3, 5}
    assert search(fts, "GAZZE") == {4}
    assert search(fts, "gazze") == {4}


def test_search_phrases_and_exclusions(fts: sqlite3.Connection) -> None:
    assert search(fts, '"الولايات المتحدة"') == {1}
    assert search(fts, '"المتحدة الولايات"') == set()
    assert search(fts, "mediator -Qatar") == {3}
    assert search(fts, "«yeni bir saldırı»") == {4}


def test_quoted_single_word_is_a_word() -> None:
    assert to_match(parse_query('"Gaza"')) == to_match(parse_query("Gaza"))


def test_phrase_in_capitals_finds_turkish_text(fts: sqlite3.Connection) -> None:
    assert search(fts, '"YENİ BİR SALDIRI"') == {4}
    assert search(fts, '"YENI BIR SALDIRI"') == {4}


def test_highlight_terms_are_positive_terms_only() -> None:
    terms = highlight_terms(parse_query('غزة "cease fire" -Qatar'))
    assert "غزه" in terms and "ceas" in terms and "fire" in terms
    assert "qatar" not in terms


@settings(max_examples=300)
@given(query=QUERIES)
def test_every_match_string_is_valid_fts5(fts: sqlite3.Connection, query: str) -> None:
    parsed = parse_query(query)
    match = to_match(parsed)
    if match is None:
        return
    fts.execute("SELECT count(*) FROM t WHERE t MATCH ?", (match,)).fetchone()
    assert highlight_terms(parsed)


@given(
    st.lists(
        st.sampled_from(
            [
                '"',
                "*",
                "(",
                ")",
                "NEAR",
                "AND",
                "OR",
                "NOT",
                ":",
                "^",
                "+",
                "-",
                "غزة",
                "gaza",
                "x-y",
                "«",
                "»",
            ]
        ),
        max_size=30,
    )
)
def test_syntax_soup_is_valid_or_none(parts: list[str]) -> None:
    db = sqlite3.connect(":memory:")
    db.execute(f'CREATE VIRTUAL TABLE t USING fts5(body, tokenize="{FTS_TOKENIZER}")')
    match = to_match(parse_query(" ".join(parts)))
    if match is not None:
        db.execute("SELECT count(*) FROM t WHERE t MATCH ?", (match,)).fetchone()
    db.close()


def test_long_query_is_handled() -> None:
    match = to_match(parse_query("غزة " * 2000 + '"' * 500 + "x" * 1000))
    assert match == '("غزه")'
