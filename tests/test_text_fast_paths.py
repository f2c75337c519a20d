"""The analyzer's, sentence splitter's and summarizer's fast paths equal their plain definitions."""

from __future__ import annotations

import math
import re
import sys
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlp import analyzer, sentences, summarize
from bot.nlp.analyzer import analyze, analyze_terms

LANGS = st.sampled_from([None, "ar", "en", "tr"])
ALPHABET = (
    "غزةإسرائيلوالفبكلأآٱىؤئـتهمنا" + "\u064b\u064e\u0650\u0651\u0652\u0670"
    "GazeİIıışğçöüSTANBULTrump" + "'’\"*():^+-_.,؟،«»“” \n\t\u00a0\u2002\u3000" + "٠١٢٣۴۵0123"
    "\u200b\u200c\u200d\u200f\u202e\u2066\u2069\ufeff\u00ad"
    + "\ufdfa\ufefb\ufb01\u00a8\u037a\u02bc…—„"
)
TEXTS = st.text(alphabet=ALPHABET, max_size=120) | st.text(max_size=60)
WORDS = st.lists(st.sampled_from(sorted(analyzer._PROTECTED_WORDS)[:200] + ["وزارت", "كتابات"]))


# Analyzer


def reference_terms(text: str, lang: str | None) -> list[str]:
    """The terms as first computed: every token of the whole text, one after another."""
    key = "tr" if lang == "tr" else None
    return [
        term for m in analyzer._TOKEN.finditer(text) for term in analyzer._token_terms(m[0], key)
    ]


@settings(max_examples=400)
@given(TEXTS, LANGS)
def test_analyze_terms_chunk_by_chunk_equal_whole_text(text: str, lang: str | None) -> None:
    assert analyze_terms(text, lang) == reference_terms(text, lang)
    assert analyze(text, lang) == " ".join(reference_terms(text, lang))


def test_tokens_never_span_whitespace() -> None:
    # analyze_terms splits on whitespace before tokenizing: no token character may be a space.
    token_char = re.compile(
        rf"{analyzer._WORD_CHAR}|[{analyzer._INVISIBLE}{analyzer._APOSTROPHES}]"
    )
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    assert len(spaces) > 20
    assert not [hex(ord(c)) for c in spaces if token_char.fullmatch(c)]


def test_outer_punctuation_is_never_inside_a_word() -> None:
    # Stripping it off a chunk must leave the same tokens; apostrophes join only between letters.
    word_char = re.compile(f"{analyzer._WORD_CHAR}|[{analyzer._INVISIBLE}]")
    assert not [c for c in analyzer._OUTER_PUNCTUATION if word_char.fullmatch(c)]
    for chunk in (
        "(الرياض،",
        "«Gazze'de»",
        "'quoted'",
        "...",
        "-",
        "O'Brien.",
        "\u2019s",
        "a'",
        "\u02bcab",
    ):
        assert analyzer._chunk_terms(chunk, None) == tuple(reference_terms(chunk, None))


def reference_is_protected(word: str) -> bool:
    """_is_protected as first written: try every suffix in turn."""
    if word in analyzer._PROTECTED_WORDS:
        return True
    for suffix in analyzer._SUFFIXES:
        base = word[: -len(suffix)]
        if word.endswith(suffix) and len(base) >= analyzer._MIN_AFTER_LETTER:
            if base in analyzer._PROTECTED_WORDS or (
                base[-1] == "ت" and base[:-1] + "ه" in analyzer._PROTECTED_WORDS
            ):
                return True
    return False


@settings(max_examples=300)
@given(
    st.sampled_from(["", "و", "ب", "ال", "لل", "وال"]),
    st.sampled_from(sorted(analyzer._PROTECTED_WORDS)),
    st.booleans(),
    st.sampled_from(["", *analyzer._SUFFIXES]),
    st.text(alphabet="اتهمنويك", max_size=2),
)
def test_protected_forms_equal_suffix_loop(
    prefix: str, word: str, taa: bool, suffix: str, tail: str
) -> None:
    if taa and word.endswith("ه"):
        word = word[:-1] + "ت"
    for form in (word + suffix, prefix + word + suffix, word + suffix + tail, word[:-1] + suffix):
        assert analyzer._is_protected(form) == reference_is_protected(form), form


@settings(max_examples=200)
@given(st.text(max_size=12))
def test_safe_equals_category_filter(term: str) -> None:
    expected = "".join(c for c in term if analyzer._UCD_OLD.category(c)[0] in "LN")
    assert analyzer._safe(term) == (term if term.isascii() else expected)


# Sentences


def reference_quoted_ranges(line: str) -> list[tuple[int, int]]:
    """_quoted_ranges as first written: walk the line one character at a time."""
    ranges = []
    i = 0
    while i < len(line):
        closer = sentences._OPEN_CLOSE.get(line[i])
        if closer is None:
            i += 1
            continue
        j = line.find(closer, i + 1)
        if j == -1:
            i += 1
            continue
        if j - i <= sentences.QUOTE_MAX:
            ranges.append((i, j))
        i = j + 1
    return ranges


@settings(max_examples=300)
@given(st.text(alphabet='«»“”"ab .', max_size=400))
def test_quoted_ranges_equal_character_walk(line: str) -> None:
    assert sentences._quoted_ranges(line) == reference_quoted_ranges(line)


# Summaries


def reference_is_prose(sentence: str) -> bool:
    """_is_prose as first written."""
    if len(sentence) < summarize.MIN_SENTENCE_CHARS or sentence.rstrip().endswith((":", "：")):
        return False
    words = summarize._WORD.findall(sentence)
    if len(words) < summarize.MIN_SENTENCE_WORDS or "http" in sentence:
        return False
    if summarize.is_notice(sentence):
        return False
    return sum(ch.isalpha() for ch in sentence) >= len(sentence) / 2


def reference_in_script(sentence: str, lang: str) -> bool:
    """_in_script as first written: count single letters."""
    arabic = len(summarize._ARABIC_LETTER.findall(sentence))
    latin = len(summarize._LATIN_LETTER.findall(sentence))
    return arabic >= latin if lang == "ar" else latin >= arabic


PROSE = st.text(alphabet="غزة والقدس Gaza talks 12 ½²., :؟-http", min_size=15, max_size=90)


@settings(max_examples=400)
@given(PROSE | st.text(max_size=40), st.sampled_from(["ar", "en", "tr"]))
def test_prose_and_script_checks_equal_plain_counts(sentence: str, lang: str) -> None:
    folded = summarize.fold(sentence)
    assert summarize._is_prose(sentence, folded) == reference_is_prose(sentence)
    assert summarize._in_script(sentence, lang) == reference_in_script(sentence, lang)


def reference_scores(title: str, candidates: list[str], lang: str) -> list[float]:
    """score_sentences as first written, with a norm computed inside every cosine."""

    def cosine(a: dict[str, float], b: dict[str, float]) -> float:
        if not a or not b:
            return 0.0
        dot = sum(v * b[k] for k, v in a.items() if k in b)
        norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
        return dot / norm if norm else 0.0

    counts = [Counter(summarize.text_terms(s, lang)) for s in candidates]
    df: Counter[str] = Counter()
    for count in counts:
        df.update(count.keys())
    n = len(candidates)
    idf = {term: math.log(1.0 + n / freq) for term, freq in df.items()}
    vectors = [{t: c * idf[t] for t, c in count.items()} for count in counts]
    centroid: dict[str, float] = {}
    for vector in vectors:
        for term, weight in vector.items():
            centroid[term] = centroid.get(term, 0.0) + weight
    title_vector = {t: idf.get(t, math.log(1.0 + n)) for t in summarize.text_terms(title, lang)}
    scores = []
    for i, (sentence, vector) in enumerate(zip(candidates, vectors, strict=True)):
        position = 1.0 / (1.0 + summarize.POSITION_DECAY * i)
        to_title = cosine(vector, title_vector) if title_vector else 0.0
        to_centroid = cosine(vector, centroid)
        length = min(1.0, len(sentence) / 80)
        score = (
            summarize.W_POSITION * position
            + summarize.W_TITLE * to_title
            + summarize.W_CENTROID * to_centroid
        )
        scores.append(score * (0.5 + length / 2))
    return scores


VOCABULARY = (
    "وزير الخارجية السعودي قال إن المملكة تدعم الحل السياسي في اليمن وسوريا ولبنان والعراق "
    "Minister said talks on Gaza ceasefire would resume in Cairo next week Bakan dedi ki"
).split()
SENTENCES = st.lists(
    st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=14).map(" ".join),
    min_size=1,
    max_size=12,
)


@settings(max_examples=200)
@given(SENTENCES, st.lists(st.sampled_from(VOCABULARY), max_size=6).map(" ".join), LANGS)
def test_scores_are_bit_for_bit_the_plain_computation(
    candidates: list[str], title: str, lang: str | None
) -> None:
    lang = lang or "ar"
    assert summarize.score_sentences(title, candidates, lang) == reference_scores(
        title, candidates, lang
    )
