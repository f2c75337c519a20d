"""Time zones as people type them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.nlp.timezones import (
    resolve_timezone,
    same_wall_clock,
    suggest_timezones,
    zone_exists,
)


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("Asia/Gaza", "Asia/Gaza"),
        ("America/New_York", "America/New_York"),
        ("gaza", "Asia/Gaza"),
        ("New York", "America/New_York"),
        ("new_york", "America/New_York"),
        ("ISTANBUL", "Europe/Istanbul"),
        ("İstanbul", "Europe/Istanbul"),
        ("Ankara", "Europe/Istanbul"),
        ("غزة", "Asia/Gaza"),
        ("القاهرة", "Africa/Cairo"),
        ("الدوحة", "Asia/Qatar"),
        ("UTC", "UTC"),
        ("UTC+3", "Etc/GMT-3"),
        ("+03:00", "Etc/GMT-3"),
        ("GMT-5", "Etc/GMT+5"),
        ("utc+0", "UTC"),
        ("UTC+14", "Etc/GMT-14"),
        ("UTC-12", "Etc/GMT+12"),
    ],
)
def test_names_cities_and_offsets(text: str, zone: str) -> None:
    assert resolve_timezone(text) == zone


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Mars/Olympus",
        "Atlantis",
        "UTC+5:30",
        "UTC+20",
        "UTC-13",
        "GMT-14",
        "../../etc/passwd",
        "x" * 500,
    ],
)
def test_unknown_zones_give_none(text: str) -> None:
    assert resolve_timezone(text) is None


@pytest.mark.parametrize("hours", range(-15, 16))
def test_every_offset_resolves_to_a_zone_that_exists_or_to_none(hours: int) -> None:
    zone = resolve_timezone(f"UTC{hours:+d}")
    assert zone is None or zone_exists(zone)
    assert (zone is None) == (not -12 <= hours <= 14)


def test_suggestions_for_a_near_miss() -> None:
    assert "Asia/Gaza" in suggest_timezones("Gazaa")


@given(st.text(max_size=80))
def test_never_raises(text: str) -> None:
    zone = resolve_timezone(text)
    assert zone is None or isinstance(zone, str)


def test_same_wall_clock_reads_a_moment_in_another_zone() -> None:
    seven_in_istanbul = datetime(2025, 3, 6, 4, 0, tzinfo=UTC)
    assert same_wall_clock(seven_in_istanbul, "Europe/Istanbul", "Europe/London") == datetime(
        2025, 3, 6, 7, 0, tzinfo=UTC
    )
    # 01:30 happens twice in New York on 2025-11-02: the later one.
    half_past_one = datetime(2025, 11, 2, 1, 30, tzinfo=UTC)
    assert same_wall_clock(half_past_one, "UTC", "America/New_York") == datetime(
        2025, 11, 2, 6, 30, tzinfo=UTC
    )
