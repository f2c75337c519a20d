"""Sentence splitting for Arabic, English and Turkish news text."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.nlp.sentences import sentence_spans, split_sentences

SEED = sorted((Path(__file__).resolve().parents[1] / "seeds").glob("*.txt"))[0]


def test_english_abbreviations_and_decimals_do_not_split() -> None:
    text = (
        "Dr. Smith arrived at 3 p.m. on Monday. He met Mr. Jones and Gen. Allen in the U.S. "
        "The talks cost $3.5 million, a No. 1 priority since Jan. 5. Was it worth it? Yes!"
    )
    assert split_sentences(text, "en") == [
        "Dr. Smith arrived at 3 p.m. on Monday.",
        "He met Mr. Jones and Gen. Allen in the U.S.",
        "The talks cost $3.5 million, a No. 1 priority since Jan. 5.",
        "Was it worth it?",
        "Yes!",
    ]


def test_initials_and_lower_case_continuations_stay_together() -> None:
    text = "John F. Kennedy spoke at 9 a.m. local time. Prices rose e.g. in Texas."
    assert split_sentences(text, "en") == [
        "John F. Kennedy spoke at 9 a.m. local time.",
        "Prices rose e.g. in Texas.",
    ]


def test_arabic_comma_and_semicolon_are_not_ends_but_question_marks_are() -> None:
    text = (
        "قال الوزير، في بيان رسمي، إن الاتفاق سيطبق؛ فهل ينجح؟ نعم! وأضاف أن 3.5 مليون دولار خصصت."
    )
    assert split_sentences(text, "ar") == [
        "قال الوزير، في بيان رسمي، إن الاتفاق سيطبق؛ فهل ينجح؟",
        "نعم!",
        "وأضاف أن 3.5 مليون دولار خصصت.",
    ]


def test_short_quotations_are_not_split() -> None:
    text = 'قال: «هذا يوم مهم. سنواصل العمل». وأضاف: "نأمل أن ينجح. لا بديل". ثم غادر.'
    assert split_sentences(text, "ar") == [
        "قال: «هذا يوم مهم. سنواصل العمل».",
        'وأضاف: "نأمل أن ينجح. لا بديل".',
        "ثم غادر.",
    ]
    english = "He said “we will win. No doubt.” Then he left."
    assert split_sentences(english, "en") == ["He said “we will win. No doubt.”", "Then he left."]


def test_a_long_or_unclosed_quotation_does_not_glue_a_paragraph() -> None:
    long_quote = "«" + "هذه جملة طويلة داخل الاقتباس. " * 20 + "»"
    assert len(split_sentences(long_quote, "ar")) == 20
    unclosed = 'He said "first point. Second point. Third point.'
    assert len(split_sentences(unclosed, "en")) == 3


def test_arabic_single_letter_abbreviation() -> None:
    assert split_sentences("التقى د. محمد علي بالوفد. ثم عاد.", "ar") == [
        "التقى د. محمد علي بالوفد.",
        "ثم عاد.",
    ]


def test_turkish_titles_and_ordinals() -> None:
    text = "Prof. Dr. Ahmet Yılmaz, 15. yüzyıl eserlerini vb. belgeleri inceledi. Sonra konuştu."
    assert split_sentences(text, "tr") == [
        "Prof. Dr. Ahmet Yılmaz, 15. yüzyıl eserlerini vb. belgeleri inceledi.",
        "Sonra konuştu.",
    ]
    assert split_sentences("Doç. Dr. Ayşe Kaya açıkladı. Toplantı sürüyor.", "tr") == [
        "Doç. Dr. Ayşe Kaya açıkladı.",
        "Toplantı sürüyor.",
    ]


def test_newlines_end_paragraphs() -> None:
    text = "Gazze\nغزة / محمد ماجد / الأناضول\nصرح قاسم بأن الوسطاء يواصلون اتصالاتهم\n\nثم انتهى."
    assert split_sentences(text) == [
        "Gazze",
        "غزة / محمد ماجد / الأناضول",
        "صرح قاسم بأن الوسطاء يواصلون اتصالاتهم",
        "ثم انتهى.",
    ]


def test_seed_body_sentences() -> None:
    lines = SEED.read_text(encoding="utf-8").split("\n")
    body = "\n".join(lines[5:])
    sentences = split_sentences(body, "ar")
    # The quoted statement with a colon and parentheses stays one sentence.
    assert any(s.startswith("وقال قاسم في بيان:") and s.endswith('من الاتفاق".') for s in sentences)
    assert all(not s.endswith("،") for s in sentences)
    # The agency notice ends with its own two sentences.
    assert sentences[-1].startswith("من أجل الاشتراك")


def test_spans_point_into_the_text() -> None:
    text = "  First one. Second one!\n\n Third  "
    spans = sentence_spans(text, "en")
    assert [text[s:e] for s, e in spans] == ["First one.", "Second one!", "Third"]


@given(st.text(alphabet=st.sampled_from(list('ab س ش.،؟!?«»"“”\n 3'))))
def test_splitting_loses_nothing_and_keeps_order(text: str) -> None:
    spans = sentence_spans(text)
    assert all(0 <= s < e <= len(text) for s, e in spans)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))
    sentences = split_sentences(text)
    assert all(s == s.strip() and s for s in sentences)
    assert re.sub(r"\s", "", "".join(sentences)) == re.sub(r"\s", "", text)
