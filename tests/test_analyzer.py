"""The analyzer gives the same terms to a word in every inflected, cased or voweled form."""

from __future__ import annotations

import re
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlp.analyzer import analyze, analyze_terms, query_alternatives, term_spans, tokenize
from bot.nlp.normalize import fold

FTS_TOKENIZER = "unicode61 remove_diacritics 0 tokenchars ''"
LANGS = st.sampled_from([None, "ar", "en", "tr", "unknown"])
# Text that stresses the analyzer: Arabic letters and marks, Turkish letters, FTS5 syntax,
# digits, apostrophes, invisible controls, ligatures.
TRICKY_ALPHABET = (
    "غزةإسرائيلوالفبكلأآٱىؤئـ" + "\u064b\u064e\u0650\u0651\u0652\u0670"
    "GazeİIıışğçöüSTANBUL" + "'’\"*():^+-_ .,؟،" + "٠١٢٣۴۵0123"
    "\u200b\u200c\u200d\u200f\u202e\u2066\u2069\ufeff\u00ad" + "\ufdfa\ufefb\ufb01"
)
TRICKY = st.text(alphabet=TRICKY_ALPHABET, max_size=60) | st.text(max_size=60)


def same_term(*words: str, lang: str | None = None) -> bool:
    """Return True when every word analyzes to the same single term."""
    return len({tuple(analyze_terms(w, lang)) for w in words}) == 1


def finds(query: str, text: str, lang: str | None = None) -> bool:
    """Return True when some alternative of the query word is among the text's terms."""
    return bool(query_alternatives(query) & set(analyze_terms(text, lang)))


# Arabic


def test_gaza_finds_proclitic_forms() -> None:
    assert finds("غزة", "قصف بغزة أمس", "ar")
    assert finds("غزة", "في القدس وغزة", "ar")
    assert same_term("غزة", "بغزة", "وغزة", "غزه")


def test_israel_finds_hamza_and_proclitic_forms() -> None:
    assert same_term("إسرائيل", "لإسرائيل", "وإسرائيل", "اسرائيل", "إسرائيل")
    for text in ("لإسرائيل", "وإسرائيل", "اسرائيل"):
        assert finds("إسرائيل", text, "ar")


def test_harakat_and_tatweel_do_not_matter_either_way() -> None:
    assert finds("غَزَّة", "غزة", "ar")
    assert finds("غزة", "غَزَّةُ", "ar")
    assert same_term("غزة", "غَزَّة", "غـــزة")


def test_conjunction_and_article_are_stripped() -> None:
    assert analyze_terms("وقطر") == analyze_terms("قطر") == ["قطر"]
    assert same_term("الولايات", "ولايات", "بالولايات", "للولايات")


def test_root_letters_that_look_like_proclitics_stay() -> None:
    # وزارة starts with و but is not "and" + زارة; لبنان is not ل + بنان.
    assert same_term("وزارة", "الوزارة", "بوزارة", "والوزارة")
    assert same_term("لبنان", "للبنان", "ولبنان")
    assert analyze("وزارة") != analyze("زارة")


def test_sound_feminine_plural_meets_singular() -> None:
    assert same_term("شركة", "الشركات", "شركات", "للشركات")
    assert same_term("مستشفى", "المستشفيات")
    assert same_term("سيارة", "السيارات")


def test_nouns_are_not_stemmed_into_particles() -> None:
    # Bare Snowball turns الولايات into ولا ("and not") and هيئات into هي ("she").
    assert analyze("الولايات") != analyze("ولا")
    assert same_term("الولايات", "ولاية", "بولاية")
    assert analyze("هيئات") != analyze("هي")


def test_final_kaf_is_not_taken_for_a_pronoun() -> None:
    assert analyze("مبارك") != analyze("مباراة")
    assert same_term("تبوك", "بتبوك", "وتبوك")


def test_suffixed_protected_words_keep_their_first_letter() -> None:
    assert same_term("وزير", "وزيره", "الوزيرة")
    assert same_term("وزارة", "وزارته", "بوزارته")


def test_lam_lam_is_preposition_plus_article() -> None:
    assert same_term("للمملكة", "المملكة", "بالمملكة", "والمملكة", "مملكة")


def test_short_words_are_not_mangled_away() -> None:
    for word in ("في", "ال", "من", "و", "ب", "لا"):
        terms = analyze_terms(word, "ar")
        assert terms and all(terms), word


def test_numbers_survive_in_every_digit_form() -> None:
    assert analyze_terms("عام 2015") == analyze_terms("عام ٢٠١٥") == analyze_terms("عام ۲۰۱۵")
    assert "2015" in analyze_terms("عام ٢٠١٥")


# Latin


def test_english_plural_finds_singular() -> None:
    assert finds("mediators", "the mediator said", "en")
    assert finds("mediator", "mediators met in Doha", "en")


def test_turkish_case_folding() -> None:
    assert same_term("Gazze", "gazze", "GAZZE", lang="tr")
    assert same_term("İstanbul", "ISTANBUL", "istanbul", lang="tr")


def test_turkish_case_suffix_after_apostrophe() -> None:
    for query in ("Gazze", "gazze", "GAZZE"):
        assert finds(query, "İsrail ordusu Gazze'de saldırı düzenledi", "tr")
    assert finds("İstanbul", "ISTANBUL'DA toplantı", "tr")


def test_capitals_typed_without_turkish_letters_find_turkish_text() -> None:
    # Upper-case I may stand for ı (KADIN) or, on a non-Turkish keyboard, for İ (GAZIANTEP).
    assert finds("KADIN", "kadınların hakları", "tr")
    assert finds("GAZIANTEP", "Gaziantep'te deprem", "tr")
    assert finds("TÜRKİYE", "Türkiye'nin ekonomisi", "tr")


def test_unknown_latin_text_is_stemmed_as_english() -> None:
    assert analyze("mediators", None) == analyze("mediators", "en") == analyze("mediators", "ar")


def test_query_alternatives_cover_both_latin_stemmers() -> None:
    alternatives = query_alternatives("Gazzede")
    assert set(analyze_terms("Gazzede", "tr")) <= alternatives
    assert set(analyze_terms("Gazzede", "en")) <= alternatives
    assert "gazzede" in alternatives


def test_query_alternatives_of_arabic_word_is_one_term() -> None:
    assert query_alternatives("والوزارة") == {analyze("وزارة")}
    assert query_alternatives("ـــ") == set()


# Offsets


def test_tokenize_offsets_point_into_original_text() -> None:
    text = "قال «وزير» الخارجيّة: Gazze'de\u200bİSTANBUL, 2015."
    for token, start, end in tokenize(text):
        assert text[start:end] == token
    assert [t for t, _s, _e in tokenize(text)][-1] == "2015"


def test_term_spans_locate_terms_in_original() -> None:
    text = "وصل الوفدُ إلى غَزَّةَ، ثم وغزة"
    spans = [(text[s:e], term) for term, s, e in term_spans(text, "ar")]
    assert ("غَزَّةَ", "غزه") in spans
    assert ("وغزة", "غزه") in spans


# Properties


@given(TRICKY, LANGS)
def test_never_raises_and_terms_are_plain_words(text: str, lang: str | None) -> None:
    terms = analyze_terms(text, lang)
    for term in terms:
        assert term
        assert re.fullmatch(r"[^\W_]+", term), term
        assert not set(term) & set("\"*():^+-'")
    assert analyze(text, lang) == " ".join(terms)


@given(TRICKY, LANGS)
def test_term_spans_agree_with_analyze_terms(text: str, lang: str | None) -> None:
    spans = term_spans(text, lang)
    assert [term for term, _s, _e in spans] == analyze_terms(text, lang)
    for _term, start, end in spans:
        assert 0 <= start < end <= len(text)


@given(TRICKY, LANGS)
def test_terms_are_already_folded(text: str, lang: str | None) -> None:
    # Folding is idempotent on analyzer output (stemming itself is not: Snowball never is).
    assert all(fold(term) == term for term in analyze_terms(text, lang))


@given(TRICKY, LANGS)
def test_analyzed_text_is_tokenized_back_into_the_same_terms(text: str, lang: str | None) -> None:
    # The index stores the joined terms: reading them back must give each term whole.
    terms = analyze_terms(text, lang)
    assert [token for token, _s, _e in tokenize(" ".join(terms))] == terms


@pytest.fixture(scope="module")
def fts() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute(f'CREATE VIRTUAL TABLE t USING fts5(body, tokenize="{FTS_TOKENIZER}")')
    db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    return db


@settings(max_examples=200)
@given(text=TRICKY, lang=LANGS)
def test_terms_survive_the_fts5_tokenizer_unchanged(
    fts: sqlite3.Connection, text: str, lang: str | None
) -> None:
    terms = analyze_terms(text, lang)
    with fts:
        fts.execute("DELETE FROM t")
        fts.execute("INSERT INTO t(body) VALUES (?)", (" ".join(terms),))
        stored = [row[0] for row in fts.execute("SELECT term FROM v ORDER BY offset")]
    assert stored == terms
