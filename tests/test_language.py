"""Language detection says "ar", "en", "tr" or admits "unknown"."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.nlp.language import detect_language

SHARED_DATA = Path(
    os.environ.get(
        "MOJAZ_SHARED_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
    )
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("أعلنت وزارة الخارجية القطرية أن المفاوضات بشأن غزة ستستأنف الأسبوع المقبل.", "ar"),
        ("The minister said on Monday that the talks with the mediators would resume.", "en"),
        ("Dışişleri Bakanı, Gazze'de ateşkes için görüşmelerin sürdüğünü söyledi.", "tr"),
        ("Bakan bu konuda açıklama yaptı ve ateşkes için yeni bir görüşme olacak.", "tr"),
        ("BAKAN İÇİN YENİ BİR AÇIKLAMA VE BU KONUDA GÖRÜŞME", "tr"),
        # Arabic article quoting an English name stays Arabic.
        ("قال الرئيس الأمريكي Joe Biden في مؤتمر صحفي إن الاتفاق قريب جدا من التوقيع", "ar"),
    ],
)
def test_detects_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    "text", ["", "   ", "OK", "Trump", "ISTANBUL", "غزة", "2015-07-21 12:00", "!!! ???", "Array"]
)
def test_too_little_evidence_is_unknown(text: str) -> None:
    assert detect_language(text) == "unknown"


def test_other_languages_are_unknown() -> None:
    assert detect_language("Путин заявил, что переговоры продолжатся на следующей неделе") == (
        "unknown"
    )
    assert detect_language("Der Minister sagte am Montag, dass die Gespräche weitergehen") == (
        "unknown"
    )


@given(st.text())
def test_always_one_of_four(text: str) -> None:
    assert detect_language(text) in {"ar", "en", "tr", "unknown"}


def test_real_turkish_and_arabic_news() -> None:
    ttc = sorted((SHARED_DATA / "ttc3600").glob("*/*.txt"))[:200]
    saudi = sorted((SHARED_DATA / "saudinewsnet").glob("*.zip"))[:1]
    if not ttc or not saudi:
        pytest.skip("shared development data absent")
    turkish = [detect_language(p.read_text(encoding="utf-8-sig", errors="replace")) for p in ttc]
    assert turkish.count("tr") >= 0.98 * len(turkish)
    assert "en" not in turkish and "ar" not in turkish
    with zipfile.ZipFile(saudi[0]) as archive:
        articles = json.loads(archive.read(archive.namelist()[0]))[:500]
    arabic = [detect_language(a["content"]) for a in articles if len(a["content"].strip()) > 200]
    assert arabic.count("ar") >= 0.98 * len(arabic)
    assert "tr" not in arabic
