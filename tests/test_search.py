"""Search ranking and the Arabic-aware index, on a real SQLite database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.models import ArticleDraft
from bot.services.articles import ArticleService
from bot.services.ingest import IngestService
from bot.store import Store
from bot.store import articles as article_store

NOW = datetime(2025, 3, 6, 12, 0, tzinfo=UTC)


@pytest.fixture
def service(tmp_path: Path) -> tuple[ArticleService, IngestService]:
    store = Store(tmp_path / "search.db")
    clock = FakeClock(NOW)
    return ArticleService(store, clock), IngestService(store, clock)


def titles(service: ArticleService, query: str) -> list[str]:
    return [hit.article.title for hit in service.search(query, page_size=20).hits]


def test_title_matches_rank_above_body_matches(
    service: tuple[ArticleService, IngestService],
) -> None:
    articles, ingest = service
    ingest.ingest(
        [
            ArticleDraft(
                title="Weather today", body="Mediators met again in Cairo about the ceasefire."
            ),
            ArticleDraft(title="Ceasefire mediators meet", body="They met in Cairo."),
        ]
    )
    assert titles(articles, "mediators") == ["Ceasefire mediators meet", "Weather today"]


def test_equal_relevance_shows_the_newer_first(
    service: tuple[ArticleService, IngestService],
) -> None:
    articles, ingest = service
    for day in range(3):
        ingest.ingest(
            [
                ArticleDraft(
                    title=f"Gaza update {day}",
                    body="Gaza talks.",
                    published_at=NOW - timedelta(days=3 - day),
                )
            ]
        )
    assert titles(articles, "gaza") == ["Gaza update 2", "Gaza update 1", "Gaza update 0"]


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("غزة", "قصف بغزة"),
        ("غزة", "وغزة تحت الحصار"),
        ("إسرائيل", "رسالة لإسرائيل"),
        ("إسرائيل", "وإسرائيل ترفض"),
        ("إسرائيل", "اسرائيل ترفض"),
        ("غَزَّة", "مدينة غزة"),
        ("غزة", "مدينة غَزَّة"),
        ("Gazze", "Gazze'de ateşkes"),
        ("GAZZE", "Gazze'de ateşkes"),
        ("gazze", "GAZZE'DE ATEŞKES"),
        ("mediators", "The mediator said"),
        ('"وقف إطلاق النار"', "اتفاق وقف إطلاق النار صامد"),
    ],
)
def test_inflected_forms_are_found(
    service: tuple[ArticleService, IngestService], query: str, text: str
) -> None:
    articles, ingest = service
    ingest.ingest([ArticleDraft(title="خبر" if "ا" in text else "News", body=text)])
    assert articles.search(query).total == 1


def test_phrase_and_exclusion(service: tuple[ArticleService, IngestService]) -> None:
    articles, ingest = service
    ingest.ingest(
        [
            ArticleDraft(title="Talks in Doha", body="Hamas and Israel talks resumed in Doha."),
            ArticleDraft(title="Talks in Cairo", body="Israel talks Hamas in Cairo."),
        ]
    )
    assert titles(articles, '"hamas and israel"') == ["Talks in Doha"]
    assert titles(articles, "talks -doha") == ["Talks in Cairo"]


def test_only_the_newest_candidates_are_ranked_for_very_common_words(
    service: tuple[ArticleService, IngestService], monkeypatch: pytest.MonkeyPatch
) -> None:
    articles, ingest = service
    monkeypatch.setattr(article_store, "SEARCH_CANDIDATES", 3)
    ingest.ingest([ArticleDraft(title="Gaza gaza gaza", body="gaza")])  # the best match, but old
    ingest.ingest([ArticleDraft(title=f"Report {i}", body=f"News from Gaza {i}") for i in range(4)])
    page = articles.search("gaza", page_size=10)
    assert page.total == 5  # counted in full
    assert "Gaza gaza gaza" not in [hit.article.title for hit in page.hits]
    assert len(page.hits) == 3


def test_the_snippet_highlights_the_match_in_the_original_text(
    service: tuple[ArticleService, IngestService],
) -> None:
    articles, ingest = service
    ingest.ingest(
        [ArticleDraft(title="عنوان", body="قال المتحدث إن الوسطاء يواصلون اتصالاتهم بغزة اليوم.")]
    )
    hit = articles.search("غزة").hits[0]
    start, end = hit.highlights[0]
    assert hit.snippet[start:end] == "بغزة"
