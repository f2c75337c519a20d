"""Weekdays as people type them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.i18n import t
from bot.nlp.days import parse_days
from bot.render.schedule import days_text


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("all", [0, 1, 2, 3, 4, 5, 6]),
        ("weekdays", [0, 1, 2, 3, 4]),
        ("hafta içi", [0, 1, 2, 3, 4]),
        ("Mon, Wed", [0, 2]),
        ("mon tue,fri", [0, 1, 4]),
        ("Çarşamba", [2]),
        ("carsamba cuma", [2, 4]),
        ("الجمعة السبت", [4, 5]),
        ("الأحد، الاثنين", [0, 6]),
        ("نهاية الأسبوع", [4, 5]),
        ("weekend", [5, 6]),
    ],
)
def test_day_words_in_three_languages(text: str, days: list[int]) -> None:
    assert parse_days(text) == days


@pytest.mark.parametrize("text", ["", "   ", "xyz", "mon xyz", "1,2", "\u202e"])
def test_unknown_words_give_none(text: str) -> None:
    assert parse_days(text) is None


@given(st.text(max_size=60))
def test_never_raises(text: str) -> None:
    days = parse_days(text)
    assert days is None or all(0 <= d <= 6 for d in days)


def test_day_lists_are_written_with_the_languages_comma() -> None:
    assert days_text([0, 2], "ar") == f"{t('ar', 'day_0')}، {t('ar', 'day_2')}"
    assert days_text([0, 2], "en") == f"{t('en', 'day_0')}, {t('en', 'day_2')}"
