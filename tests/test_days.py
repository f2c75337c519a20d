"""Weekdays as people type them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.nlp.days import parse_days


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
