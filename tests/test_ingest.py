"""Ingest: once each, atomically, whatever a step does."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import bot.services.ingest as ingest_module
from bot.clock import FakeClock
from bot.config import Config
from bot.models import ArticleDraft
from bot.nlp.normalize import strip_controls
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
    assert counts(services)[:2] == (1, 1)  # one article, indexed once


def test_a_changed_article_has_its_derived_rows_replaced_not_added_to(
    services: Services,
) -> None:
    services.ingest.ingest([DRAFT])
    before = counts(services)
    services.ingest.ingest([ArticleDraft(**{**DRAFT.__dict__, "body": DRAFT.body + " Again."})])
    assert counts(services) == before  # mentions, topics, signature: replaced once each


def test_only_an_article_inserted_in_the_open_transaction_counts_as_new(
    services: Services,
) -> None:
    [stored] = services.ingest.ingest([DRAFT]).added
    repo = services.store.articles
    assert not repo.inserted_now(stored)  # its transaction is over
    row = services.ingest._row(
        ArticleDraft(title="Another story", body="Other words entirely.", url="https://n.example/b")
    )
    with services.store.writing():
        fresh = repo.insert(row, services.clock.now())
        assert repo.inserted_now(fresh) and not repo.inserted_now(stored)
    assert not repo.inserted_now(fresh)


def test_one_link_twice_in_a_run_is_stored_once_from_its_first_copy(
    services: Services,
) -> None:
    # Feeds list their newest items first; a second copy with other text (a tracking
    # parameter on its link) would otherwise replace the first, and the first it at every poll.
    changed = ArticleDraft(
        **{**DRAFT.__dict__, "url": f"{DRAFT.url}?utm_source=x", "body": DRAFT.body + " More."}
    )
    for _ in range(2):
        report = services.ingest.ingest([DRAFT, changed])
        assert report.rejected == [(changed.url, "duplicate item")] and report.updated == []
    assert counts(services)[:2] == (1, 1)
    assert services.articles.search("mediators").total == 1


def test_a_failing_analysis_step_is_logged_and_skipped(
    services: Services, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(rows: Any) -> Any:
        raise RuntimeError("tagger exploded")

    monkeypatch.setattr(services.entities, "prepare_many", broken)
    report = services.ingest.ingest([DRAFT])
    assert len(report.added) == 1
    assert "tagger exploded" in caplog.text
    articles, indexed, mentions, topics, signatures = counts(services)
    assert (articles, indexed, mentions, signatures) == (1, 1, 0, 1)


def test_one_article_failing_a_step_costs_only_its_own_result(
    services: Services, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real = services.entities.prepare_many

    def fails_on_poison(rows: Any) -> Any:
        if any("poison" in row.title for row in rows):
            raise RuntimeError("tagger exploded")
        return real(rows)

    monkeypatch.setattr(services.entities, "prepare_many", fails_on_poison)
    drafts = [
        ArticleDraft(**{**DRAFT.__dict__, "title": title, "url": f"https://news.example/{n}"})
        for n, title in enumerate(["Hamas talks", "poison pill", "Qassem in Cairo"])
    ]
    report = services.ingest.ingest(drafts)
    assert len(report.added) == 3
    assert caplog.text.count("tagger exploded") >= 1 and "poison pill" in caplog.text
    with services.store.reading() as db:
        with_mentions = {
            row[0]
            for row in db.execute(
                "SELECT a.title FROM articles a JOIN mentions m ON m.article_id = a.id"
            )
        }
    assert with_mentions == {"Hamas talks", "Qassem in Cairo"}


def test_a_big_feed_is_analysed_in_batches_and_stored_whole(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest_module, "ANALYSIS_BATCH", 64)
    monkeypatch.setattr(ingest_module, "WRITE_BATCH", 50)
    drafts = [
        ArticleDraft(
            **{
                **DRAFT.__dict__,
                "title": f"Hamas talks, day {n}",
                "url": f"https://news.example/{n}",
            }
        )
        for n in range(150)  # more than two analysis batches, each over two transactions
    ]
    report = services.ingest.ingest(drafts)
    assert len(report.added) == 150
    articles, indexed, mentions, topics, signatures = counts(services)
    assert (articles, indexed, signatures) == (150, 150, 150)
    assert mentions >= 300 and topics >= 150


def test_a_command_waiting_for_the_store_gets_it_after_one_article(services: Services) -> None:
    store = services.store
    seen: list[int] = []

    def read() -> None:
        with store.reading() as db:
            seen.append(db.execute("SELECT count(*) FROM articles").fetchone()[0])

    class ThirdSaveWaitsForAReader:
        """A step whose third save starts a reader and returns once it waits for the store."""

        def __init__(self) -> None:
            self.saves = 0
            self.reader = threading.Thread(target=read)

        def prepare_many(self, rows: list[Any]) -> list[bool]:
            return [True] * len(rows)

        def save(self, article_id: int, row: Any, prepared: bool) -> None:
            self.saves += 1
            if self.saves == 3:
                self.reader.start()
                deadline = time.monotonic() + 30
                while not store.contended() and time.monotonic() < deadline:
                    time.sleep(0.001)

    step = ThirdSaveWaitsForAReader()
    services.ingest.steps.append(step)
    drafts = [
        ArticleDraft(
            **{**DRAFT.__dict__, "title": f"Talks, day {n}", "url": f"https://n.example/{n}"}
        )
        for n in range(10)  # one analysis batch, meant for one transaction
    ]
    report = services.ingest.ingest(drafts)
    step.reader.join()
    assert len(report.added) == 10
    # The transaction ended after the article during which the reader came, and the reader
    # had the connection before the next one began: it saw the first three, committed.
    assert seen == [3]


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


def test_html_and_controls_in_a_draft_are_stored_as_plain_text(services: Services) -> None:
    report = services.ingest.ingest(
        [
            ArticleDraft(
                title="<b>Breaking</b> \u202enews\u202c",
                body="<p>One &amp; two.</p><script>alert(1)</script><p>a < b</p>",
                url="javascript:alert(1)",
            )
        ]
    )
    article = services.articles.get(report.added[0])
    assert (article.title, article.body, article.url) == (
        "Breaking news",
        "One & two.\na < b",
        None,
    )


def test_control_characters_are_not_stored_but_newlines_are_kept(services: Services) -> None:
    report = services.ingest.ingest(
        [
            ArticleDraft(
                title="Nul\u0000title\u0007 \x1b[31mred",
                body="one\u0000\r\ntwo\x7f\tthree\n\x1b",
                author="A\u0001B",
                tags=["\u0007", "t\x00ag"],
            )
        ]
    )
    article = services.articles.get(report.added[0])
    assert article.title == "Nultitle [31mred"
    assert article.body == "one\ntwo three"
    assert (article.author, article.tags) == ("AB", ["tag"])
    assert strip_controls("a\u200cb\u200dc\td\ne") == "a\u200cb\u200dc\td\ne"
