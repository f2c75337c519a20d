"""Topic taxonomy and classifier: names, source categories, real texts, robustness."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlp import topics

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MOJAZ_SHARED_DATA", REPO / ".." / "shared" / "data"))
REQUIRED = {
    "politics",
    "world",
    "middle-east",
    "economy",
    "business",
    "technology",
    "science",
    "health",
    "sports",
    "culture",
    "society",
}
IDS = set(topics.topic_ids())


# --- taxonomy -------------------------------------------------------------------------


def test_taxonomy_has_the_required_ids_with_names_in_every_language() -> None:
    assert REQUIRED <= IDS
    for topic in topics.all_topics():
        for lang in ("ar", "en", "tr"):
            assert topics.topic_name(topic.id, lang).strip()
    assert topics.topic_name("sports", "tr") == "Spor"
    assert topics.topic_name("economy", "ar") == "الاقتصاد"
    assert topics.topic_name("middle-east", "en") == "Middle East"


def test_topic_name_falls_back_to_english_then_the_id() -> None:
    assert topics.topic_name("health", "fr") == "Health"
    assert topics.topic_name("health", None) == "Health"
    assert topics.topic_name("no-such-topic", "ar") == "no-such-topic"


def test_no_synonym_or_keyword_is_claimed_by_two_topics() -> None:
    raw = json.loads(topics.TAXONOMY_PATH.read_text(encoding="utf-8"))
    owners: dict[str, set[str]] = {}
    for entry in raw["topics"]:
        for name in [entry["id"], *entry["names"].values(), *entry["synonyms"]]:
            owners.setdefault(topics._tag_key(name), set()).add(entry["id"])
    assert {k: v for k, v in owners.items() if len(v) > 1} == {}
    for lang in ("ar", "en", "tr"):
        seen: dict[tuple[str, ...], set[str]] = {}
        for entry in raw["topics"]:
            for word in entry["keywords"][lang]:
                terms = tuple(topics.analyze(word, lang))
                assert terms, (lang, word)
                seen.setdefault(terms, set()).add(entry["id"])
        assert {k: v for k, v in seen.items() if len(v) > 1} == {}


# --- source categories ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("Spor", ["sports"]),
        ("SPOR", ["sports"]),
        ("اقتصاد", ["economy"]),
        ("الرياضة", ["sports"]),
        ("Politics", ["politics"]),
        ("Kültür-Sanat", ["culture"]),
        ("Dünya", ["world"]),
        ("middle-east", ["middle-east"]),
        ("News > Technology", ["technology"]),
        ("Sağlık", ["health"]),
        ("Weather forecast tomorrow", []),
        ("", []),
    ],
)
def test_source_categories_map_onto_the_taxonomy(tag: str, expected: list[str]) -> None:
    assert topics.map_source_topics([tag]) == expected


def test_source_topics_and_tags_come_first() -> None:
    text = "Galatasaray derbide Fenerbahçe'yi 2-1 yendi, taraftarlar sabaha kadar kutladı."
    assert topics.classify(text, "tr")[0] == "sports"
    got = topics.classify(text, "tr", tags=["Ekonomi"], source_topics=["Sağlık"])
    assert got[:2] == ["health", "economy"]
    assert "sports" in got


# --- real texts -----------------------------------------------------------------------


def test_seed_article_is_middle_east_politics() -> None:
    seed = next((REPO / "seeds").glob("*.txt")).read_text(encoding="utf-8")
    got = topics.classify(seed, "ar")
    assert got[0] in {"middle-east", "politics", "world"}
    assert "middle-east" in got
    assert topics.classify(seed, None) == got


@pytest.mark.parametrize(
    ("lang", "text", "topic"),
    [
        (
            "en",
            "Israeli strikes on Gaza as Hamas and mediators in Cairo discuss a truce",
            "middle-east",
        ),
        (
            "en",
            "Central bank raises interest rates to fight inflation as the dollar climbs",
            "economy",
        ),
        ("en", "Liverpool beat Chelsea 2-0 to go top of the Premier League", "sports"),
        ("en", "Apple unveils new iPhone with artificial intelligence features", "technology"),
        ("en", "WHO warns of cholera outbreak as hospitals run short of vaccines", "health"),
        ("en", "Astronomers using NASA's telescope find water on a distant planet", "science"),
        ("ar", "الهلال يفوز على النصر ويتصدر الدوري السعودي للمحترفين", "sports"),
        ("ar", "أسعار النفط ترتفع مع توقعات خفض إنتاج أوبك", "economy"),
        ("ar", "وزارة الصحة: ارتفاع الإصابات بالإنفلونزا في المستشفيات", "health"),
        ("ar", "مهرجان القاهرة السينمائي يعرض أفلاما عربية جديدة", "culture"),
        (
            "tr",
            "Merkez Bankası politika faizini yüzde 50'de sabit tuttu, dolar kuru geriledi",
            "economy",
        ),
        ("tr", "Fenerbahçe Süper Lig'de Beşiktaş'ı 3-1 mağlup etti", "sports"),
        ("tr", "Sağlık Bakanlığı grip aşısı için hastanelerde yeni dönem başlattı", "health"),
        (
            "tr",
            "TBMM Genel Kurulu'nda yeni anayasa teklifi görüşüldü, muhalefet tepki gösterdi",
            "politics",
        ),
    ],
)
def test_real_headlines_land_in_their_topic(lang: str, text: str, topic: str) -> None:
    assert topics.classify(text, lang)[:1] == [topic]


def _held_out(lang: str, per_label: int) -> list[tuple[str, str]]:
    import sys

    sys.path.insert(0, str(REPO / "scripts"))
    import train_topics

    docs = [d for d in train_topics.load(lang, SHARED) if d[1] != topics.OTHER]
    _, test = train_topics.split(docs)
    counts: Counter[str] = Counter()
    out = []
    for _, label, text in test:
        if counts[label] < per_label:
            counts[label] += 1
            out.append((label, text))
    return out


@pytest.mark.skipif(not (SHARED / "ttc3600").is_dir(), reason="shared development data absent")
def test_turkish_held_out_news_lands_in_its_category() -> None:
    sample = _held_out("tr", per_label=8)
    hits = sum(topics.classify(text, "tr")[:1] == [label] for label, text in sample)
    assert len(sample) == 48
    assert hits >= 40


# --- robustness -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["", "   \n\t", "@@@ ### !!! ...", "12345 678", "🙂🙂🙂", "\u200f\u200e\ufeff", "a", "ـــ"],
)
def test_empty_or_garbage_gives_no_topics(text: str) -> None:
    assert topics.classify(text, None) == []
    assert topics.classify(text, "ar") == []


def test_huge_input_returns_a_list() -> None:
    text = "Parliament votes on the budget. " * 50_000 + "كرة القدم " * 50_000
    got = topics.classify(text, None)
    assert isinstance(got, list)
    assert got and set(got) <= IDS


def test_unknown_or_wrong_language_code_is_guessed() -> None:
    assert topics.classify("الهلال يفوز على النصر في الدوري", "xx") == ["sports"]
    assert topics.classify("الهلال يفوز على النصر في الدوري", "tr") == ["sports"]
    assert topics.classify("Fenerbahçe Süper Lig'de Beşiktaş'ı yendi", "ar") == ["sports"]


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(max_size=400),
    lang=st.sampled_from([None, "ar", "en", "tr", "fr", ""]),
    tags=st.lists(st.text(max_size=20), max_size=3),
)
def test_classify_never_raises_and_returns_taxonomy_ids(
    text: str, lang: str | None, tags: list[str]
) -> None:
    got = topics.classify(text, lang, tags=tags, source_topics=tags[:1])
    assert set(got) <= IDS
    assert len(got) == len(set(got))
    scores = topics.scores(text, lang)
    assert all(0.0 <= v <= 1.0 for v in scores.values())
    assert set(scores) <= IDS


# --- model ----------------------------------------------------------------------------


def test_model_is_small_cached_and_trained_with_the_current_analyzer() -> None:
    assert topics.MODEL_PATH.stat().st_size < 2 * 1024 * 1024
    assert topics.load_models() is topics.load_models()
    # Train and run time must analyze alike: retrain (scripts/train_topics.py) if this fails.
    info = topics.model_info()
    assert info["analyzer"] == topics.analyzer_name()
    assert info["analyzer_probe"] == topics.analyzer_probe()
    models = topics.load_models()
    assert set(models) == {"ar", "tr"}
    for model in models.values():
        assert set(model.classes) - {topics.OTHER} <= IDS


def test_naive_bayes_round_trips_through_json() -> None:
    model = topics.load_models()["tr"]
    again = topics.NaiveBayes.from_json(json.loads(json.dumps(model.to_json())))
    terms = topics.analyze("Galatasaray maçı kazandı, taraftarlar sevindi", "tr")
    assert again.posteriors(terms) == pytest.approx(model.posteriors(terms), abs=1e-6)
    empty = model.posteriors([])
    assert sum(empty.values()) == pytest.approx(1.0)
    assert max(empty.values()) < 0.5


def test_free_tags_add_evidence() -> None:
    text = "Officials met again on Monday after a week of delays."
    assert topics.classify(text, "en") == []
    assert "middle-east" in topics.classify(text, "en", tags=["Gaza", "Hamas"])


# --- fast paths give exactly what the plain computation gave --------------------------------


def _lexicon_reference(terms: list[str], lang: str) -> dict[str, float]:
    """The lexicon score as first written: every 1-3-gram counted, then looked up."""
    import math

    lexicon = topics._lexicon(lang)
    if not lexicon or not terms:
        return {}
    grams: Counter[tuple[str, ...]] = Counter()
    for n in (1, 2, 3):
        grams.update(tuple(terms[i : i + n]) for i in range(len(terms) - n + 1))
    hits: dict[str, float] = {}
    for gram, count in grams.items():
        tid = lexicon.get(gram)
        if tid:
            hits[tid] = hits.get(tid, 0.0) + 1.0 + math.log(count)
    if not hits:
        return {}
    damping = min(1.0, math.sqrt(topics.LEXICON_LENGTH / len(terms)))
    hits = {t: h * damping for t, h in hits.items()}
    top = max(hits.values())
    return {t: (1 - math.exp(-h / topics.LEXICON_K)) * math.sqrt(h / top) for t, h in hits.items()}


def _evidence_reference(model: topics.NaiveBayes, terms: list[str]) -> tuple[list[float], int]:
    """Naive Bayes evidence as first written: one term at a time, in Python floats."""
    import math

    sums = [0.0] * len(model.classes)
    known = 0
    for term, count in Counter(terms).items():
        row = model.terms.get(term)
        if row is not None:
            known += 1
            weight = 1.0 + math.log(count)
            for i, value in enumerate(row):
                sums[i] += weight * value
    return sums, known


def _vocabulary(lang: str) -> list[str]:
    """Terms the lexicon and the model know, for drawing texts that hit them."""
    words = sorted({t for gram in topics._lexicon(lang) for t in gram})
    model = topics.load_models().get(lang)
    if model:
        words += sorted(model.terms)[::40]
    return words


_AR_WORDS = _vocabulary("ar")


@settings(max_examples=200)
@given(st.lists(st.sampled_from(_AR_WORDS), max_size=300))
def test_lexicon_and_model_scores_equal_the_plain_computation(terms: list[str]) -> None:
    assert topics.lexicon_scores(terms, "ar") == _lexicon_reference(terms, "ar")
    model = topics.load_models()["ar"]
    assert model.evidence(terms) == _evidence_reference(model, terms)


@given(st.text(max_size=300))
def test_mostly_arabic_counts_letters_like_the_regex(text: str) -> None:
    import re

    arabic = len(re.findall("[\u0600-\u06ff]", text[:2000]))
    latin = len(re.findall("[A-Za-z\u00c0-\u024f]", text[:2000]))
    assert topics._mostly_arabic(text) == (arabic > latin)


@given(st.text(alphabet=st.sampled_from("عربيةٱۿ܀ aZçĞɏɐب1.،"), max_size=2500))
def test_mostly_arabic_fast_count_agrees_on_mixed_scripts(text: str) -> None:
    # Mostly Arabic samples take the byte-count shortcut: it must agree with the full count.
    import re

    arabic = len(re.findall("[\u0600-\u06ff]", text[:2000]))
    latin = len(re.findall("[A-Za-z\u00c0-\u024f]", text[:2000]))
    assert topics._mostly_arabic(text) == (arabic > latin)


@pytest.mark.parametrize(
    ("text", "lang", "tags"),
    [
        ("أعلن البنك المركزي رفع أسعار الفائدة لمواجهة التضخم في الاقتصاد.", "ar", []),
        ("فاز الهلال على النصر في الدوري السعودي لكرة القدم.", "ar", ["الهلال", "رياضة"]),
        ("Merkez Bankası faiz oranlarını yükseltti; enflasyon düştü.", "tr", ["Ekonomi"]),
        ("The central bank raised interest rates to fight inflation.", "en", ["Fed"]),
        ("The central bank raised interest rates to fight inflation.", "ar", []),  # wrong lang
        ("مرحبا", None, []),
    ],
)
def test_classify_with_the_callers_terms_equals_classify_alone(
    text: str, lang: str | None, tags: list[str]
) -> None:
    terms = topics.analyze(text, lang)
    assert topics.classify(text, lang, tags, terms=terms) == topics.classify(text, lang, tags)
    assert topics.scores(text, lang, terms) == topics.scores(text, lang)


def test_topic_service_reads_the_index_terms_ingest_made() -> None:
    from datetime import UTC, datetime

    from bot.nlp.analyzer import analyze
    from bot.services.topics import TopicService
    from bot.store.articles import ArticleRow

    title, subtitle = "البنك المركزي يرفع الفائدة", "قرار مفاجئ"
    body = "أعلن البنك المركزي رفع أسعار الفائدة لمواجهة التضخم.\nوتراجعت الأسهم في البورصة."
    row = ArticleRow(
        title, body, subtitle, "", None, None, "", "ar", "", "", ["غزة"],
        datetime(2025, 1, 1, tzinfo=UTC), "article", "h", None,
        analyze(title, "ar"), analyze(subtitle, "ar"), analyze(body, "ar"),
    )  # fmt: skip
    plain = topics.classify("\n".join([title, subtitle, body]), "ar", ["غزة"])
    assert "economy" in plain
    assert TopicService(None).prepare(row) == plain  # type: ignore[arg-type]
    row.index_title = row.index_subtitle = row.index_body = ""  # not analyzed: read afresh
    assert TopicService(None).prepare(row) == plain  # type: ignore[arg-type]
