"""The entity extractor's fast paths give what the plain versions they replaced gave."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlp.entities import extract
from bot.nlp.entities.catalog import Catalog, alias_key
from bot.nlp.entities.evaluate import iob_spans
from bot.nlp.entities.features import TRIGGERS, label_key, word_parts
from bot.nlp.entities.tagger import ArabicTagger
from bot.nlp.entities.tokens import (
    Token,
    clitic_forms,
    clitic_variants,
    fold_token,
    is_arabic,
    tokenize,
)

# Letters, marks, tatweel, joiners, apostrophes, an underscore, digits, spaces and punctuation:
# every character class the token pattern treats apart.
ALPHABET = "ابتحسنلكوفيةىأ\u064e\u0651\u0670\u0640\u200c\u200d'’_aBzİıçÇ19٣ \n\t.,!؟«-"
texts = st.text(alphabet=ALPHABET, max_size=60)

# The pattern as first written: one branch per character.
_OLD_TOKEN = re.compile(
    r"[^\W_](?:[^\W_]|[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200c\u200d])*"
    r"(?:['’][^\W\d_]+)?"
    r"|\S"
)


def plain_tokenize(text: str) -> list[Token]:
    """The tokenizer before per-word caching."""
    out = []
    for m in _OLD_TOKEN.finditer(text):
        word = m.group()
        key = fold_token(word)
        if not key:
            continue
        end = m.end()
        if "'" in word or "’" in word:
            cut = max(word.rfind("'"), word.rfind("’"))
            if cut > 0 and not is_arabic(word):
                end = m.start() + cut
        out.append(Token(m.start(), end, text[m.start() : end], key))
    return out


@settings(max_examples=400, deadline=None)
@given(texts)
def test_tokenize_matches_the_plain_tokenizer(text):
    got = tokenize(text)
    assert got == plain_tokenize(text)
    assert all(type(t) is Token for t in got)
    assert tokenize(text) == got  # the word cache gives the same tokens again


def test_tokenize_keeps_offsets_and_cuts_latin_suffixes():
    text = "قال وَالرئيسُ Gazze'de Trump’s"
    assert [(t.text, t.key) for t in tokenize(text)] == [
        ("قال", "قال"),
        ("وَالرئيسُ", "والرييس"),
        ("Gazze", "gazze"),
        ("Trump", "trump"),
    ]
    assert all(text[t.start : t.end] == t.text for t in tokenize(text))


@given(st.text(alphabet="وفبلكالحسن ي", min_size=1, max_size=9))
def test_clitic_forms_hold_every_key_that_strips_to_a_stem(key):
    for variant in clitic_variants(key):
        assert key in clitic_forms(variant)


def test_clitic_forms_of_a_name():
    assert {"الحسن", "والحسن", "بالحسن", "وبالحسن", "للحسن", "وللحسن"} <= clitic_forms("الحسن")


def test_person_title_forms_hold_every_person_trigger_with_one_clitic():
    forms = extract._person_title_forms()
    for key, kind in TRIGGERS.items():
        if kind == "person":
            assert key in forms
            assert "و" + key in forms and "ل" + key in forms


def plain_sentences(text: str, tokens: list[Token]) -> list[tuple[int, int]]:
    """Sentence splitting as first written: one pass over the tokens."""
    out, start = [], 0
    newline = text.find("\n")
    for k, tok in enumerate(tokens):
        end_here = tok.text in extract._SENTENCE_END or k - start >= 80
        while 0 <= newline < tok.end:
            newline = text.find("\n", newline + 1)
        if not end_here and k + 1 < len(tokens) and 0 <= newline < tokens[k + 1].start:
            end_here = True
        if end_here:
            out.append((start, k + 1))
            start = k + 1
    if start < len(tokens):
        out.append((start, len(tokens)))
    return out


sentence_texts = st.lists(
    st.sampled_from(["كلمة", "word", ".", "؟", ":", "\n", "\n\n", " ", "  "]), max_size=300
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(sentence_texts)
def test_sentences_match_the_plain_splitter(text):
    tokens = tokenize(text)
    assert extract._sentences(text, tokens) == plain_sentences(text, tokens)


def test_long_sentences_are_cut_every_81_tokens():
    text = " ".join(["كلمة"] * 200) + " ."
    assert extract._sentences(text, tokenize(text)) == [(0, 81), (81, 162), (162, 201)]


def plain_iob_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    spans = []
    start, kind = -1, ""
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, label = tag.partition("-")
        if start >= 0 and (prefix != "I" or label != kind):
            spans.append((start, i, kind))
            start = -1
        if prefix == "B" or (prefix == "I" and start < 0):
            start, kind = i, label
    return spans


@given(st.lists(st.sampled_from(["O", "B-PERS", "I-PERS", "B-LOC", "I-LOC", "I-ORG"])))
def test_iob_spans_match_the_plain_reader(tags):
    assert iob_spans(tags) == plain_iob_spans(tags)


def plain_merge(first: list[extract._Span], second: list[extract._Span]) -> list[extract._Span]:
    kept = list(first)
    for span in second:
        clash = [k for k in kept if k.i < span.j and span.i < k.j]
        if not clash:
            kept.append(span)
        elif (
            span.entry is None
            and all(span.i <= k.i and k.j <= span.j and k.type != span.type for k in clash)
            and span.j - span.i > max(k.j - k.i for k in clash)
            and span.type == "organization"
        ):
            kept = [k for k in kept if k not in clash] + [span]
    return kept


def spans_of(draw_list: list[tuple[int, int, str]]) -> list[extract._Span]:
    return [extract._Span(i, i + length, kind) for i, length, kind in draw_list]


span_lists = st.lists(
    st.tuples(
        st.integers(0, 30), st.integers(1, 5), st.sampled_from(["person", "organization", "place"])
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(span_lists, span_lists)
def test_merge_matches_the_plain_merge(first, second):
    # The first list never overlaps itself: it comes from one left-to-right scan or a merge.
    kept: list[tuple[int, int, str]] = []
    for i, length, kind in first:
        if all(i + length <= a or b <= i for a, b, _ in kept):
            kept.append((i, i + length, kind))
    base = [extract._Span(i, j, kind) for i, j, kind in kept]
    extra = spans_of(second)
    got = extract._merge(base, extra)
    want = plain_merge(base, extra)
    assert [id(s) for s in got] == [id(s) for s in want]


def plain_catalog_spans(tokens: list[Token], catalog: Catalog) -> list[extract._Span]:
    """The catalog scan as first written: every token tried."""
    out = []
    i, n = 0, len(tokens)
    while i < n:
        best = None
        for variant in clitic_variants(tokens[i].key):
            for length in catalog.lengths.get(variant, ()):
                if i + length > n or (best and length <= best.j - best.i):
                    continue
                key = " ".join([variant, *(t.key for t in tokens[i + 1 : i + length])])
                phrase = extract._pick(catalog.phrases.get(key), tokens[i : i + length])
                if phrase is not None:
                    skip = len(tokens[i].key) - len(variant)
                    best = extract._Span(
                        i, i + length, phrase.entry.type, phrase.entry, skip, "catalog"
                    )
                    break
        if best:
            trimmed = extract._trim(tokens, best, catalog) if is_arabic(tokens[i].text) else best
            out.append(trimmed)
            i = best.j
        else:
            i += 1
    return out


ALIAS_WORDS = ["حركة", "حماس", "قطاع", "غزة", "الولايات", "المتحدة", "علي", "عبد", "الله", "في"]
catalog_texts = st.lists(
    st.tuples(st.sampled_from(["", "و", "ب", "ل", "وب", "لل"]), st.sampled_from(ALIAS_WORDS)),
    max_size=25,
).map(lambda words: " ".join(prefix + word for prefix, word in words))


@settings(max_examples=200, deadline=None)
@given(catalog_texts)
def test_catalog_scan_matches_the_plain_scan(text):
    catalog = Catalog.load()
    tokens = tokenize(text)
    assert extract._catalog_spans(tokens, catalog) == plain_catalog_spans(tokens, catalog)


def plain_propagate(tokens: list[Token], spans: list[extract._Span], arabic: bool):
    """Repeats found by trying every token, as first written (the names are the same)."""
    known, full = extract._names_to_repeat(tokens, spans, arabic)
    if not known:
        return []
    covered = {k for s in spans for k in range(s.i, s.j)}
    out = []
    k = 0
    while k < len(tokens):
        hit = None if k in covered else extract._repeat(tokens, k, covered, known, full, arabic)
        if hit is None:
            k += 1
            continue
        out.append(hit)
        k = hit.j
    return out


def test_propagation_matches_the_plain_scan_on_a_news_text():
    text = (
        "قال المتحدث باسم حركة حماس حازم قاسم إن الحركة ترفض الخطة. وأضاف قاسم أن "
        "لقاسم موقفا واضحا، وقال حازم قاسم لاحقا إن قاسم لن يتراجع. وعلى قاسم أن يرد."
    )
    tokens = tokenize(text)
    spans = extract._catalog_spans(tokens, Catalog.load())
    name = next(k for k, t in enumerate(tokens) if t.text == "حازم")
    spans.append(extract._Span(name, name + 2, "person", source="tagger"))
    got = extract._propagate(tokens, spans, arabic=True)
    assert got == plain_propagate(tokens, spans, arabic=True)
    assert len(got) >= 3


def test_resolve_cache_returns_fresh_equal_lists():
    catalog = Catalog.load()
    first = catalog.resolve("وحماس")
    assert [e.id for e in first] == ["hamas"]
    first.clear()  # a caller may change what it got
    assert [e.id for e in catalog.resolve("وحماس")] == ["hamas"]
    assert catalog.resolve("no such name at all") == []


def test_alias_key_and_derived_id_fold_the_name():
    assert alias_key("Gazze'de  İsrail") == "gazze israil"
    assert alias_key("Gazze'de  İsrail") == "gazze israil"  # cached
    assert extract.derived_id("person", "حازم قاسم") == "person:حازم قاسم"
    assert extract.derived_id("place", "") == "place:"


# Spellings the tagger's word table gives one row: alef and yeh variants, harakat, tatweel.
spellings = st.text(alphabet="ابتسنلكوفيةىأإآ\u064e\u0651\u0640aBİı19٣'’.", min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(spellings, spellings)
def test_words_that_fold_alike_have_the_same_features(a, b):
    # The tagger keys its word rows by folded form: that is only exact while every
    # feature of a word is a function of its folded form.
    if fold_token(a) and fold_token(a) == fold_token(b):
        assert word_parts(a) == word_parts(b)
        assert label_key(a) == label_key(b)


def test_spellings_that_fold_alike_share_a_tagger_row():
    tagger = ArabicTagger()
    sentences = [["أعلن", "الرئيس", "محمد"], ["اعلن", "الرئيس", "محمّد"]]
    assert tagger.tag(sentences) == tagger.tag_crfsuite(sentences)
    words = tagger._words
    assert words is not None
    assert words.index["أعلن"] == words.index["اعلن"]
    assert words.index["محمد"] == words.index["محمّد"]
    assert len(words.label_keys) == 4  # the padding row and three rows for five words
