"""Article summaries: the subtitle when sensible, else whole sentences of the article."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlp.sentences import split_sentences
from bot.nlp.summarize import (
    SENTENCE_END,
    _jaccard,
    _pick,
    _Ranking,
    clean_body,
    is_notice,
    summarize,
    text_terms,
    with_stop,
)

SEED = sorted((Path(__file__).resolve().parents[1] / "seeds").glob("*.txt"))[0]
LINES = SEED.read_text(encoding="utf-8").split("\n")
TITLE, SUBTITLE = LINES[0], LINES[1]
BODY = "\n".join(LINES[3:])  # place tag, dateline, body, agency notice

ENGLISH = """LONDON (Reuters) - The Bank of England raised interest rates by 0.25 percentage \
points on Thursday, its first increase since 2018, as inflation climbed to 5.4%.
Governor Andrew Bailey said the U.S. Federal Reserve was expected to follow. The decision was \
backed by eight of the nine members of the Monetary Policy Committee.
Markets had expected the move after Dr. Ben Broadbent spoke at 10 a.m. on Tuesday.
Anadolu Agency website contains only a portion of the news stories offered to subscribers \
in the AA News Broadcasting System (HAS), and in summarized form."""

TURKISH = """Ankara
Ankara / Ayşe Demir / AA
Cumhurbaşkanı Yardımcısı, Prof. Dr. Mehmet Kaya ile ekonomi programını görüştü.
Görüşmede enflasyonla mücadele, ihracat ve yatırım ortamı gibi konular ele alındı.
Toplantının ardından yazılı bir açıklama yapılması bekleniyor.
Anadolu Ajansı web sitesinde, AA Haber Akış Sistemi (HAS) üzerinden abonelere sunulan \
haberler, özetlenerek yayımlanmaktadır. Abonelik için lütfen iletişime geçiniz."""


def test_seed_summary_is_the_editors_subtitle() -> None:
    assert summarize(TITLE, BODY, "ar", subtitle=SUBTITLE) == SUBTITLE


def test_seed_extractive_summary_is_clean_whole_sentences() -> None:
    summary = summarize(TITLE, BODY, "ar")
    assert summary is not None
    assert summary.startswith("صرح حازم قاسم، متحدث حركة حماس")
    assert "الأناضول" not in summary and "الاشتراك" not in summary
    assert "Gazze" not in summary and "محمد ماجد" not in summary
    assert SENTENCE_END.search(summary)
    assert len(summary) <= 400
    body_sentences = set(split_sentences(BODY, "ar"))
    assert all(s in body_sentences for s in split_sentences(summary, "ar"))


def test_long_mode_gives_three_to_five_sentences() -> None:
    summary = summarize(TITLE, BODY, "ar", sentences=4)
    assert summary is not None
    assert 3 <= len(split_sentences(summary, "ar")) <= 5
    assert not is_notice(summary)
    with_subtitle = summarize(TITLE, BODY, "ar", subtitle=SUBTITLE, sentences=4)
    assert with_subtitle is not None and with_subtitle.startswith(SUBTITLE + ".")
    assert 3 <= len(split_sentences(with_subtitle, "ar")) <= 5


def test_clean_body_drops_place_tag_dateline_and_notice() -> None:
    cleaned = clean_body(BODY, TITLE)
    assert cleaned.startswith("صرح حازم قاسم")
    assert "الأناضول" not in cleaned
    english = clean_body(ENGLISH)
    assert english.startswith("The Bank of England")
    assert "Anadolu" not in english
    turkish = clean_body(TURKISH)
    assert turkish.startswith("Cumhurbaşkanı Yardımcısı")
    assert "Abonelik" not in turkish and "AA" not in turkish


@pytest.mark.parametrize(
    "opening",
    [
        "سبق- الرياض: ",  # the outlet, then the place
        "واس- الأحساء: ",
        "محمد السريعي – عين اليوم. ",  # a byline and the outlet
        "عبدالله البرقاوي - سبق - الرياض: ",
        "الرياض: ",  # a bare place
        "القاهرة - ",
    ],
)
def test_datelines_and_bylines_of_every_shape_are_left_out(opening: str) -> None:
    sentence = "أعلنت وزارة الصحة اليوم افتتاح مستشفى جديد في المنطقة الشرقية بسعة مئتي سرير."
    assert clean_body(opening + sentence) == sentence


def test_a_name_before_a_colon_is_no_dateline() -> None:
    quote = "ترامب: سنفوز في الانتخابات المقبلة بفارق كبير عن منافسينا جميعا."
    assert clean_body(quote) == quote


def test_a_closing_line_of_tags_or_a_link_back_is_left_out() -> None:
    body = "أعلنت وزارة الصحة اليوم افتتاح مستشفى جديد في المنطقة الشرقية بسعة مئتي سرير."
    for trailer in ("سمات أبو ظبي أكاديمية الشعر ديوان.", "رابط الخبر بصحيفة الوئام: مستشفى جديد"):
        assert clean_body(f"{body}\n{trailer}") == body


def test_a_semicolon_joins_a_summary_sentence_not_ends_it() -> None:
    body = (
        "قالت الوزارة إن القوات المشتركة ليست مجرد أداة لحماية الحدود؛ بل سد منيع أمام التهريب "
        "والإرهاب في المنطقة كلها. وأضافت أن العمليات مستمرة."
    )
    summary = summarize("القوات المشتركة", body, "ar")
    assert summary is not None and "الحدود؛ بل سد منيع" in summary
    assert "الحدود." not in summary


def test_a_long_lead_without_commas_is_cut_before_a_clause_opener() -> None:
    names = " ومساعد مدير فرع الوزارة للتنمية فالح العنزي ورئيس مجلس إدارة الجمعية صالح النجار" * 3
    lead = f"استقبل أمين منطقة المدينة المنورة بمكتبه أمين عام مجلس الجمعيات{names}"
    body = f"{lead} وتم خلال اللقاء تسليم الترخيص النهائي للجمعية التعاونية لتبدأ خدماتها." * 2
    summary = summarize("ترخيص الجمعية", body, "ar")
    assert summary is not None and summary.endswith("النجار…") and len(summary) <= 400


def test_a_verse_opening_a_statement_is_not_its_summary() -> None:
    body = (
        "قال الله تعالى: ((ولكم في القصاص حياة يا أولي الألباب)) الآية.\n"
        "نفذت وزارة الداخلية اليوم حكم القصاص في أحد الجناة بمنطقة الرياض بعد ثبوت إدانته."
    )
    summary = summarize("بيان من وزارة الداخلية", body, "ar")
    assert summary is not None and summary.startswith("نفذت وزارة الداخلية")


def test_english_summary_keeps_abbreviations_whole() -> None:
    summary = summarize("Bank of England raises rates", ENGLISH, "en")
    assert summary is not None
    assert summary.startswith("The Bank of England raised interest rates by 0.25")
    assert "(Reuters)" not in summary and "Anadolu" not in summary
    assert summary.endswith(".") and len(summary) <= 400


def test_turkish_summary() -> None:
    summary = summarize("Ekonomi programı görüşüldü", TURKISH, "tr")
    assert summary is not None
    assert summary.startswith("Cumhurbaşkanı Yardımcısı, Prof. Dr. Mehmet Kaya")
    assert "Abonelik" not in summary


def test_no_summary_for_a_headline_alone() -> None:
    assert summarize(TITLE, "", "ar") is None
    assert summarize(TITLE, TITLE, "ar") is None
    assert summarize(TITLE, "   \n ", "ar") is None


def test_subtitle_that_repeats_the_title_or_is_boilerplate_is_ignored() -> None:
    assert summarize(TITLE, BODY, "ar", subtitle=TITLE).startswith("صرح حازم قاسم")
    notice = "الأخبار المنشورة على الصفحة الرسمية لوكالة الأناضول، هي اختصار لجزء من الأخبار"
    assert summarize(TITLE, BODY, "ar", subtitle=notice).startswith("صرح حازم قاسم")


def test_duplicate_paragraphs_are_not_repeated() -> None:
    para = "The council approved the new budget on Monday after a long debate."
    other = "Opposition members said the plan would raise local taxes next year."
    summary = summarize("Budget approved", f"{para}\n{para}\n{other}\n{para}", "en")
    assert summary is not None
    assert summary.count("approved the new budget") == 1


def test_body_in_two_languages_keeps_the_articles_language() -> None:
    body = (
        "The ministry published the full statement in English for foreign readers today.\n"
        "أعلنت الوزارة اليوم عن خطة جديدة لدعم المزارعين في المناطق الجنوبية.\n"
        "وقالت الوزارة إن الخطة تشمل قروضا ميسرة وتدريبا على أساليب الري الحديثة."
    )
    summary = summarize("خطة لدعم المزارعين", body, "ar")
    assert summary is not None
    assert "ministry" not in summary and summary.startswith("أعلنت الوزارة")


def test_sentence_longer_than_budget_is_cut_at_a_clause_with_ellipsis() -> None:
    body = (
        "Officials said on Monday, after a week of talks in the capital, that the agreement, "
        "which covers trade and energy, would be signed next month by both governments."
    )
    summary = summarize("Deal", body, "en", max_chars=90)
    assert summary is not None
    assert summary.endswith("…") and len(summary) <= 90
    assert body.startswith(summary[:-1])
    assert summarize("Deal", "x" * 500, "en", max_chars=90) is None


def test_unpunctuated_body_is_given_whole_when_short() -> None:
    body = "Heavy rain closed roads across the north of the country on Sunday"
    assert summarize("Rain", body, "en") == body


def test_huge_body_is_capped() -> None:
    body = "The committee met again to review the same report on the budget. " * 3000
    body += "\n" + "word " * 100_000
    summary = summarize("Budget", body, "en")
    assert summary is not None and len(summary) <= 400


def test_language_is_guessed_when_not_given() -> None:
    summary = summarize(TITLE, BODY)
    assert summary is not None and summary.startswith("صرح حازم قاسم")


WORDS = st.sampled_from(
    [
        "قال",
        "الوزير،",
        "اليوم.",
        "Dr.",
        "the",
        "U.S.",
        "talks",
        "3.5",
        "؟",
        "!",
        "«",
        "»",
        '"',
        "\n",
        "Gazze",
        "غزة / الأناضول",
        "يواصل",
        "vb.",
        "görüştü.",
        "a.m.",
        "؛",
        "…",
        ":",
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    title=st.text(max_size=40),
    body=st.lists(WORDS, max_size=120).map(" ".join) | st.text(max_size=600),
    subtitle=st.text(max_size=80) | st.just(""),
    lang=st.sampled_from([None, "ar", "en", "tr"]),
    max_chars=st.integers(min_value=0, max_value=500) | st.none(),
    sentences=st.integers(min_value=-2, max_value=12) | st.none(),
)
def test_summary_never_raises_and_respects_its_limits(
    title: str,
    body: str,
    subtitle: str,
    lang: str | None,
    max_chars: int | None,
    sentences: int | None,
) -> None:
    summary = summarize(
        title, body, lang, subtitle=subtitle, max_chars=max_chars, sentences=sentences
    )
    if summary is None:
        return
    assert summary.strip()
    budget = max_chars if max_chars is not None else (400 if sentences is None else 3000)
    assert len(summary) <= budget
    if not subtitle.strip():
        assert len(summary) <= len(body)
    else:
        assert len(summary) <= len(subtitle) + len(body) + 1


def _pick_by_ranking(ranking: _Ranking, max_chars: int, count: int | None, avoid: str) -> list[str]:
    """The ranked greedy choice, always scored: what `_pick` must equal when it skips ranking."""
    avoid_terms = [set(text_terms(avoid, ranking.lang))] if avoid else []
    scores, term_sets, picked, used = ranking.scores, ranking.term_sets, [], 0
    for i in sorted(range(len(ranking.candidates)), key=lambda i: (-scores[i], i)):
        if count is not None and len(picked) >= count:
            break
        extra = len(with_stop(ranking.candidates[i])) + (1 if picked else 0)
        if used + extra > max_chars:
            continue
        if any(
            _jaccard(term_sets[i], t) >= 0.5 for t in [term_sets[j] for j in picked] + avoid_terms
        ):
            continue
        picked.append(i)
        used += extra
    return [with_stop(ranking.candidates[i]) for i in sorted(picked)]


_CLAUSES = [
    "The minister announced a new plan for the economy today",
    "The minister announced a new plan for the economy",
    "Officials said the talks in Ankara would resume next week",
    "Markets rose sharply after the central bank decision",
    "أعلنت الحكومة اليوم عن خطة جديدة لدعم الاقتصاد",
    "أعلنت الحكومة عن خطة جديدة لدعم الاقتصاد الوطني",
]


@settings(max_examples=150)
@given(
    st.lists(st.sampled_from(_CLAUSES), min_size=1, max_size=5),
    st.integers(min_value=1, max_value=400),
    st.one_of(st.none(), st.integers(min_value=0, max_value=6)),
    st.sampled_from(["", _CLAUSES[0], _CLAUSES[4]]),
)
def test_pick_without_ranking_equals_the_ranked_choice(
    clauses: list[str], max_chars: int, count: int | None, avoid: str
) -> None:
    # Sentences that all fit and do not repeat one another are taken without scoring them.
    ranking = _Ranking("The economy plan", "en", [f"{c}." for c in clauses])
    expected = _pick_by_ranking(ranking, max_chars, count, avoid)
    assert _pick(
        _Ranking(ranking.title, "en", ranking.candidates), "en", max_chars, count, avoid
    ) == (expected)


def test_a_teaser_that_fits_is_not_ranked() -> None:
    teaser = "The minister announced a new plan for the economy today. Markets rose after it."
    ranking = _Ranking("Plan", "en", [teaser])
    assert _pick(ranking, "en", 400) == [teaser]
    assert "scores" not in vars(ranking) and "terms" not in vars(ranking)
    assert summarize("Plan", teaser, "en") == teaser
