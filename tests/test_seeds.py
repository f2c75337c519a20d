"""The agency wire format of seed files."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.seeds import is_agency_notice, parse_seed_file, parse_seed_text, split_dateline
from tests.harness import REPO, SEED_TITLE


def test_the_seed_parses_into_its_fields() -> None:
    draft = parse_seed_file(next((REPO / "seeds").glob("*.txt")))
    assert draft.title == SEED_TITLE
    assert draft.subtitle.startswith("بعد انتهاء المرحلة الأولى")
    assert draft.location == "غزة" and draft.author == "محمد ماجد" and draft.source == "الأناضول"
    assert draft.tags == ["Gazze"]
    assert draft.body.startswith("صرح حازم قاسم")
    assert "الأخبار المنشورة على الصفحة الرسمية" not in draft.body
    assert draft.date_source == "file_mtime" and draft.published_at is not None
    assert draft.raw is not None and draft.raw.startswith(SEED_TITLE)  # the file is kept as it was


def test_front_matter_gives_date_url_and_language() -> None:
    text = "---\ndate: 2025-03-06T10:00:00+02:00\nurl: https://aa.com.tr/ar/x\nlanguage: ar\n---\nعنوان\nملخص\n\nنص المقال.\n"
    draft = parse_seed_text(text)
    assert draft.published_at == datetime(2025, 3, 6, 8, 0, tzinfo=UTC)
    assert draft.date_source == "article"
    assert draft.url == "https://aa.com.tr/ar/x" and draft.language == "ar"
    assert draft.title == "عنوان" and draft.body == "نص المقال."


def test_datelines_and_notices() -> None:
    assert split_dateline("غزة / محمد ماجد / الأناضول") == ("غزة", "محمد ماجد", "الأناضول")
    assert split_dateline("Ankara / AA") == ("Ankara", "", "AA")
    assert split_dateline("وقال قاسم في بيان: الوسطاء يواصلون اتصالاتهم") is None
    assert is_agency_notice(
        "Anadolu Ajansı web sitesinde, AA Haber Akış Sistemi (HAS) üzerinden..."
    )
    assert not is_agency_notice("قالت الأناضول إن الوسطاء يواصلون اتصالاتهم")


def test_empty_files_are_refused() -> None:
    with pytest.raises(ValueError):
        parse_seed_text("\n\n  \n")


@given(st.text(max_size=400))
def test_any_text_parses_or_is_refused_cleanly(text: str) -> None:
    try:
        draft = parse_seed_text(text)
    except ValueError:
        return
    assert draft.title


@pytest.mark.parametrize(
    "date", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00", "1970-01-01", "soon"]
)
def test_a_date_utc_cannot_hold_or_before_feeds_existed_falls_back_to_the_file_time(
    date: str,
) -> None:
    mtime = datetime(2025, 3, 1, tzinfo=UTC)
    draft = parse_seed_text(f"---\ndate: {date}\n---\nTitle\n\nBody.\n", mtime=mtime)
    assert (draft.published_at, draft.date_source) == (mtime, "file_mtime")


def test_a_date_in_the_future_is_clamped_to_now_like_a_feed_date() -> None:
    now = datetime(2025, 3, 6, 12, 0, tzinfo=UTC)
    draft = parse_seed_text("---\ndate: 2099-01-01T00:00:00Z\n---\nTitle\n\nBody.\n", now=now)
    assert (draft.published_at, draft.date_source) == (now, "ingest")
