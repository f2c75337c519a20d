"""Story grouping primitives: MinHash signatures, LSH bands, same-story rules, the grouper."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from bot.nlp.stories import (
    NUM_BINS,
    StoryFeatures,
    StoryGrouper,
    bands,
    bands_many,
    central_index,
    importance,
    same_story,
    signature,
    signatures,
    similarity,
    story_summary,
)
from bot.nlp.summarize import text_terms

NOW = datetime(2025, 3, 6, 12, 0, tzinfo=UTC)

# Two outlets carrying one wire report (edited), and an unrelated report.
WIRE_A = (
    "أعلنت وزارة التجارة والصناعة بدء تطبيق الدليل الوطني للأنشطة الاقتصادية وفقا للترميز "
    "الصناعي الدولي للأنشطة الاقتصادية والصادر عن الأمم المتحدة، مبينة أن التطبيق يشمل جميع "
    "السجلات التجارية الجديدة اعتبارا من الشهر المقبل."
)
WIRE_B = (
    "أعلنت وزارة التجارة والصناعة اليوم بدء تطبيق الدليل الوطني للأنشطة الاقتصادية وفقا "
    "للترميز الصناعي الدولي للأنشطة الاقتصادية الصادر عن الأمم المتحدة، مبينة أن التطبيق يشمل "
    "جميع السجلات التجارية الجديدة اعتبارا من الشهر القادم."
)
GOLD = (
    "تراجعت أسعار الذهب أكثر من واحد في المئة في التعاملات الآسيوية أمس لتصل إلى أدنى مستوى لها "
    "في خمس سنوات ونصف وتتجه نحو تسجيل أكبر خسارة أسبوعية في تسعة أشهر."
)
ENGLISH = (
    "The Ministry of Commerce began applying the national guide to economic activities, "
    "based on the United Nations international industrial classification."
)


def sig(text: str, lang: str = "ar") -> list[int]:
    return signature(text_terms(text, lang))


def feats(
    text: str, hours: float = 0, entities: set[str] | None = None, lang: str = "ar"
) -> StoryFeatures:
    return StoryFeatures(sig(text, lang), entities or set(), NOW + timedelta(hours=hours), lang)


def test_signature_is_stable_for_persistence() -> None:
    # Stored signatures must stay comparable across processes and releases.
    assert signature(["a", "b", "c", "d"])[:3] == [
        3491531229713795532,
        3419473635675867596,
        3347416041637939660,
    ]
    assert len(sig(WIRE_A)) == NUM_BINS
    assert all(0 <= v < 2**63 for v in sig(WIRE_A))
    assert signature([]) == []


def test_similarity_separates_copies_from_other_news() -> None:
    assert similarity(sig(WIRE_A), sig(WIRE_A)) == 1.0
    assert similarity(sig(WIRE_A), sig(WIRE_B)) > 0.3
    assert similarity(sig(WIRE_A), sig(GOLD)) < 0.1
    assert similarity([], sig(GOLD)) == 0.0


def test_bands_find_copies() -> None:
    a, b, c = bands(sig(WIRE_A)), bands(sig(WIRE_B)), bands(sig(GOLD))
    assert len(a) == 32 and len(set(a)) == 32
    assert set(a) & set(b)
    assert not set(a) & set(c)
    assert bands([]) == []


def test_same_story_within_the_window_only() -> None:
    assert same_story(feats(WIRE_A), feats(WIRE_B, hours=5))
    assert not same_story(feats(WIRE_A), feats(WIRE_B, hours=24 * 5))
    assert not same_story(feats(WIRE_A), feats(GOLD))


def test_entities_join_related_text_but_not_unrelated_text() -> None:
    # Signatures agreeing in 11 of 64 bins: a Jaccard of about 0.17, not enough alone.
    base = list(range(NUM_BINS))
    related = base[:11] + [v + 1000 for v in base[11:]]
    unrelated = [v + 1000 for v in base]
    shared = {"ministry-of-commerce", "united-nations", "saudi-arabia"}

    def at(signature: list[int], entities: set[str]) -> StoryFeatures:
        return StoryFeatures(signature, entities, NOW, "ar")

    assert same_story(at(base, shared), at(related, shared))
    assert not same_story(at(base, set()), at(related, set()))
    assert not same_story(at(base, shared), at(related, {"saudi-arabia", "iran", "iraq"}))
    assert not same_story(at(base, shared), at(unrelated, shared))


def test_cross_language_pairs_join_only_on_strong_entity_overlap() -> None:
    strong = {"ministry-of-commerce", "united-nations", "saudi-arabia"}
    arabic = feats(WIRE_A, entities=strong)
    assert same_story(arabic, feats(ENGLISH, hours=3, entities=strong, lang="en"))
    weak = {"united-nations", "saudi-arabia"}
    assert not same_story(arabic, feats(ENGLISH, hours=3, entities=weak, lang="en"))
    assert not same_story(arabic, feats(ENGLISH, hours=30, entities=strong, lang="en"))
    # Identical signatures do not join two languages without entities.
    copy = StoryFeatures(arabic.signature, set(), NOW, "en")
    assert not same_story(feats(WIRE_A), copy)


def test_grouper_groups_copies_and_keeps_ids() -> None:
    grouper = StoryGrouper()
    strong = {"ministry-of-commerce", "united-nations", "saudi-arabia"}
    assert grouper.add("a", feats(WIRE_A, entities=strong)) == "a"
    assert grouper.add("g", feats(GOLD, hours=1)) == "g"
    assert grouper.add("b", feats(WIRE_B, hours=2)) == "a"
    assert grouper.add("e", feats(ENGLISH, hours=3, entities=strong, lang="en")) == "a"
    assert grouper.add("b", feats(GOLD)) == "a"  # an article keeps its story
    assert grouper.stories() == {"a": ["a", "b", "e"], "g": ["g"]}


def test_grouper_closes_old_stories() -> None:
    grouper = StoryGrouper()
    grouper.add("day0", feats(WIRE_A))
    grouper.add("day2", feats(WIRE_B, hours=40))
    # Within the pair window of day2, but the story began more than 72 hours earlier.
    assert grouper.add("day4", feats(WIRE_A, hours=80)) == "day4"


def test_central_index_picks_the_article_closest_to_the_rest() -> None:
    middle = WIRE_A + " " + WIRE_B
    assert central_index([sig(WIRE_A + " " + GOLD), sig(middle), sig(WIRE_B)]) == 1
    assert central_index([sig(GOLD)]) == 0


def test_story_summary_draws_from_several_articles_without_repeats() -> None:
    first = [WIRE_A, "وأوضحت الوزارة أن الدليل يضم أكثر من ألف نشاط اقتصادي مصنف."]
    second = [WIRE_B, "ويأتي القرار ضمن خطة لتحسين بيئة الأعمال في المملكة."]
    summary = story_summary([first, second], "ar", max_chars=1000)
    assert summary.startswith(WIRE_A)
    assert WIRE_B not in summary  # the near-copy is skipped
    assert first[1] in summary and second[1] in summary
    assert len(story_summary([first, second], "ar", max_chars=300)) <= 300
    assert story_summary([], "ar") == ""


def test_importance_rewards_sources_and_freshness() -> None:
    fresh = importance(5, NOW, NOW, 3)
    assert fresh > importance(1, NOW, NOW, 3)
    assert fresh > importance(5, NOW - timedelta(hours=12), NOW, 3)
    assert importance(5, NOW - timedelta(hours=12), NOW, 3) == fresh / 2
    assert fresh > importance(5, NOW, NOW, 0)
    assert importance(0, NOW + timedelta(hours=1), NOW, -1) > 0


WORD = st.sampled_from(["قال", "الوزير", "the", "talks", "gold", "ذهب", "a", "b", "c", "d"])


@given(st.lists(WORD, max_size=40), st.lists(WORD, max_size=40))
def test_similarity_is_a_symmetric_fraction(a: list[str], b: list[str]) -> None:
    sa, sb = signature(a), signature(b)
    assert 0.0 <= similarity(sa, sb) <= 1.0
    assert similarity(sa, sb) == similarity(sb, sa)
    assert signature(a) == sa
    if a:
        assert similarity(sa, sa) == 1.0


@given(st.lists(st.lists(st.text(max_size=60), max_size=4), max_size=4), st.integers(0, 300))
def test_story_summary_stays_within_budget(articles: list[list[str]], budget: int) -> None:
    assert len(story_summary(articles, None, max_chars=budget)) <= budget


def test_grouper_does_not_chain_look_alikes() -> None:
    # b shares half of a's bins and c half of b's, but c shares nothing with a.
    a = list(range(NUM_BINS))
    b = a[:32] + [v + 1000 for v in a[32:]]
    c = b[32:] + [v + 2000 for v in a[:32]]
    grouper = StoryGrouper()
    assert grouper.add("a", StoryFeatures(a, set(), NOW, "ar")) == "a"
    assert grouper.add("b", StoryFeatures(b, set(), NOW, "ar")) == "a"
    assert grouper.add("c", StoryFeatures(c, set(), NOW, "ar")) == "c"


# --- fast paths give exactly what the plain computation gave --------------------------------


def _signature_reference(terms: list[str], bins: int = NUM_BINS) -> list[int]:
    """The signature as first written: one blake2b per shingle, bins kept in Python."""
    import hashlib

    from bot.nlp.stories import _densify, shingles

    found = shingles(terms)
    if not found:
        return []
    mins = [-1] * bins
    for shingle in found:
        h = int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "little")
        slot, value = h % bins, (h >> 8) & ((1 << 56) - 1)
        if mins[slot] == -1 or value < mins[slot]:
            mins[slot] = value
    return _densify(mins)


@given(st.lists(WORD, max_size=120), st.sampled_from([NUM_BINS, 7, 16, 256]))
def test_signature_equals_the_plain_computation(terms: list[str], bins: int) -> None:
    assert signature(terms, bins) == _signature_reference(terms, bins)


@given(st.lists(st.lists(WORD, max_size=60), max_size=6), st.sampled_from([NUM_BINS, 7, 256]))
def test_signatures_of_many_lists_equal_each_one_alone(lists: list[list[str]], bins: int) -> None:
    assert signatures(lists, bins) == [_signature_reference(terms, bins) for terms in lists]


def _bands_reference(sig: list[int], rows: int) -> list[int]:
    """The band keys as first written, one signature at a time."""
    from bot.nlp.stories import _band_seeds, _mix

    count = len(sig) // rows
    if count == 0:
        return []
    values = np.array(sig[: count * rows], dtype=np.int64).view(np.uint64)
    keys = _band_seeds(count).copy()
    for row in range(rows):
        keys ^= values[row::rows]
        _mix(keys)
    return keys.view(np.int64).tolist()


@given(st.lists(st.lists(st.integers(0, 2**62), max_size=70), max_size=5), st.integers(1, 3))
def test_band_keys_of_many_signatures_equal_each_one_alone(
    sigs: list[list[int]], rows: int
) -> None:
    assert bands_many(sigs, rows) == [_bands_reference(sig, rows) for sig in sigs]


def test_signature_of_a_real_article_equals_the_plain_computation() -> None:
    terms = text_terms(f"{WIRE_A}\n{GOLD}\n{WIRE_B}", "ar")
    assert signature(terms) == _signature_reference(terms)


def test_story_service_signs_the_index_terms_ingest_made() -> None:
    from bot.nlp.analyzer import analyze
    from bot.nlp.stories import article_signature
    from bot.services.stories import StoryService
    from bot.store.articles import ArticleRow

    row = ArticleRow(
        "الذهب يتراجع", GOLD, "عنوان فرعي لا يدخل التوقيع", "", None, None, "", "ar", "", "",
        [], NOW, "article", "h", None,
        analyze("الذهب يتراجع", "ar"), analyze("عنوان فرعي لا يدخل التوقيع", "ar"),
        analyze(GOLD, "ar"),
    )  # fmt: skip
    plain = article_signature(row.title, row.body, "ar")
    assert len(plain) == NUM_BINS
    service = StoryService(None, None)  # type: ignore[arg-type]
    assert [p[:2] for p in service.prepare_many([row])] == [(plain, bands(plain))]
    row.index_title = row.index_subtitle = row.index_body = ""  # not analyzed: read afresh
    assert [p[:2] for p in service.prepare_many([row])] == [(plain, bands(plain))]


def test_band_keys_are_stable_for_persistence() -> None:
    # The store indexes these keys: a new release must compute the same ones.
    assert bands(list(range(NUM_BINS)))[:3] == [
        3092335531369821329,
        -7029692361464220009,
        -1051951508661566690,
    ]
    assert bands([2**62 + 5, 7, 1, 2]) == [-8666149537329023606, -2978827605576845822]


@given(st.lists(st.integers(0, 2**62), min_size=2, max_size=12), st.integers(0, 11))
def test_a_band_key_changes_with_its_own_values_only(sig: list[int], at: int) -> None:
    at %= len(sig)
    other = list(sig)
    other[at] += 1
    changed = [i for i, (a, b) in enumerate(zip(bands(sig), bands(other), strict=True)) if a != b]
    assert changed == ([at // 2] if at < len(sig) // 2 * 2 else [])
    assert all(-(2**63) <= key < 2**63 for key in bands(sig))


def _central_index_reference(signatures: list[list[int]]) -> int:
    """central_index as first written: float similarity sums, the first best kept."""
    sample = signatures[:50]
    best, best_score = 0, -1.0
    for i, sig in enumerate(sample):
        score = sum(similarity(sig, other) for j, other in enumerate(sample) if j != i)
        if score > best_score:
            best, best_score = i, score
    return best


@given(
    st.lists(
        st.one_of(st.lists(st.integers(0, 3), min_size=64, max_size=64), st.just([])),
        min_size=1,
        max_size=60,
    )
)
def test_central_index_equals_the_plain_computation(signatures: list[list[int]]) -> None:
    assert central_index(signatures) == _central_index_reference(signatures)
