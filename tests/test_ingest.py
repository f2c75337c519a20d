"""Ingest: once each, atomically, whatever a step does."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.config import Config
from bot.models import ArticleDraft
from bot.services import Services, build_services


@pytest.fixture
def services(tmp_path: Path) -> Services:
    return build_services(
        Config(database_path=tmp_path / "ingest.db"), FakeClock(datetime(2025, 3, 6, tzinfo=UTC))
    )


DRAFT = ArticleDraft(
    title="Hamas says mediators are pressing Israel",
    body="Hamas spokesman Hazem Qassem said on Thursday that mediators in Cairo and Doha kept up their contacts.",
    url="https://news.example/a?utm_source=x",
    source="Wire",
    language="en",
)


def counts(services: Services) -> tuple[int, ...]:
    with services.store.reading() as db:
        return tuple(
            db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in (
                "articles",
                "articles_fts",
                "mentions",
                "article_topics",
                "article_signatures",
            )
        )


def test_an_article_is_stored_once_with_everything_it_derives(services: Services) -> None:
    first = services.ingest.ingest([DRAFT])
    again = services.ingest.ingest([DRAFT])
    utm_variant = services.ingest.ingest(
        [ArticleDraft(**{**DRAFT.__dict__, "url": "https://NEWS.example/a#top"})]
    )
    assert len(first.added) == 1 and again.unchanged == 1 and utm_variant.unchanged == 1
    articles, indexed, mentions, topics, signatures = counts(services)
    assert (articles, indexed, signatures) == (1, 1, 1)
    assert mentions >= 2 and topics >= 1
    article = services.articles.get(first.added[0])
    assert article.url == "https://news.example/a" and article.story_id is not None


def test_changed_text_updates_the_same_article(services: Services) -> None:
    first = services.ingest.ingest([DRAFT])
    changed = services.ingest.ingest(
        [ArticleDraft(**{**DRAFT.__dict__, "body": DRAFT.body + " Talks go on."})]
    )
    assert changed.updated == first.added
    assert services.articles.get(first.added[0]).body.endswith("Talks go on.")
    assert services.articles.search("talks").total == 1


def test_a_failing_analysis_step_is_logged_and_skipped(
    services: Services, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(row: Any) -> Any:
        raise RuntimeError("tagger exploded")

    monkeypatch.setattr(services.entities, "prepare", broken)
    report = services.ingest.ingest([DRAFT])
    assert len(report.added) == 1
    assert "tagger exploded" in caplog.text
    articles, indexed, mentions, topics, signatures = counts(services)
    assert (articles, indexed, mentions, signatures) == (1, 1, 0, 1)


def test_a_failing_write_leaves_nothing_half_written(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(article_id: int, row: Any, topics: Any) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(services.topics, "save", broken)
    with pytest.raises(sqlite3.OperationalError):
        services.ingest.ingest([DRAFT])
    assert counts(services) == (0, 0, 0, 0, 0)
    monkeypatch.undo()
    assert len(services.ingest.ingest([DRAFT]).added) == 1  # the next try stores it whole


@pytest.mark.parametrize(
    "draft",
    [
        ArticleDraft(title="", body=""),
        ArticleDraft(title="   \u200b\u202e ", body="\n\n"),
    ],
)
def test_empty_drafts_are_rejected_with_a_reason(services: Services, draft: ArticleDraft) -> None:
    report = services.ingest.ingest([draft])
    assert report.rejected and report.rejected[0][1] == "no title and no text"
    assert counts(services)[0] == 0


def test_html_and_controls_in_a_title_are_kept_as_text_and_escaped_on_display(
    services: Services,
) -> None:
    report = services.ingest.ingest(
        [ArticleDraft(title="<b>Breaking</b> \u202enews\u202c", body="Text.")]
    )
    article = services.articles.get(report.added[0])
    assert article.title == "<b>Breaking</b> news"
