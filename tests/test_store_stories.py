"""The story store: commit callbacks, and the in-memory story features kept equal to the database."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.config import Config
from bot.models import ArticleDraft
from bot.services import Services, build_services
from bot.store import Store
from bot.store.db import utc_iso
from bot.store.entities import EntityRow, MentionRow
from bot.store.stories import FIRST_ID_SINCE, StoryRepo

NOW = datetime(2025, 3, 6, 12, 0, tzinfo=UTC)
WIRE = (
    "أعلنت وزارة التجارة والصناعة في الرياض بدء تطبيق الدليل الوطني للأنشطة الاقتصادية وفقا "
    "للترميز الصناعي الدولي الصادر عن الأمم المتحدة، مبينة أن التطبيق يشمل جميع السجلات "
    "التجارية الجديدة اعتبارا من الشهر المقبل، وقال وزير التجارة ماجد القصبي إن القرار نهائي."
)
GOLD = (
    "تراجعت أسعار الذهب في الرياض أكثر من واحد في المئة في التعاملات الآسيوية أمس لتصل إلى أدنى "
    "مستوى لها في خمس سنوات ونصف، وقال وزير التجارة ماجد القصبي إن الأسواق مستقرة."
)


@pytest.fixture
def services(tmp_path: Path) -> Services:
    return build_services(
        Config(database_path=tmp_path / "s.db", seeds_dir=tmp_path), FakeClock(NOW)
    )


def test_after_commit_waits_for_the_outermost_commit_and_forgets_rollbacks(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "c.db")
    ran: list[str] = []
    store.after_commit(lambda: ran.append("now"))
    assert ran == ["now"]
    with store.writing():
        store.after_commit(lambda: ran.append("outer"))
        with store.writing():
            store.after_commit(lambda: ran.append("inner"))
        assert ran == ["now"]
    assert ran == ["now", "outer", "inner"]
    with pytest.raises(ZeroDivisionError), store.writing():
        store.after_commit(lambda: ran.append("rolled back"))
        1 / 0  # noqa: B018
    assert ran == ["now", "outer", "inner"]


def test_a_callback_after_a_commit_may_write_in_a_transaction_of_its_own(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "c.db")

    def record() -> None:
        with store.writing() as db:
            db.execute(
                "INSERT INTO saved_queries (chat_id, query, created_at) VALUES (1, 'after', 'x')"
            )

    with store.writing() as db:
        db.execute("INSERT INTO saved_queries (chat_id, query, created_at) VALUES (1, 'in', 'x')")
        store.after_commit(record)
    with store.reading() as db:
        assert [r[0] for r in db.execute("SELECT query FROM saved_queries ORDER BY rowid")] == [
            "in",
            "after",
        ]


def test_writes_put_off_to_the_commit_run_last_and_go_with_a_rollback(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.db")

    def save(query: str) -> Callable[[], None]:
        return lambda: store.db.execute(
            "INSERT INTO saved_queries (chat_id, query, created_at) VALUES (1, ?, 'x')", [query]
        )

    def saved() -> list[str]:
        with store.reading() as db:
            return [r[0] for r in db.execute("SELECT query FROM saved_queries ORDER BY rowid")]

    with store.writing():
        store.before_commit(save("last"))
        with store.writing():
            store.before_commit(save("later"))
            save("first")()
        assert saved() == ["first"]
    assert saved() == ["first", "last", "later"]
    with pytest.raises(ZeroDivisionError), store.writing():
        store.before_commit(save("rolled back"))
        1 / 0  # noqa: B018
    with pytest.raises(ZeroDivisionError), store.writing():
        save("undone")()
        store.before_commit(lambda: 1 / 0)  # a failing write rolls the transaction back
    store.before_commit(save("now"))  # outside a transaction: written at once
    assert saved() == ["first", "last", "later", "now"]
    with store.writing():  # the store is usable again, with nothing left over
        pass
    assert saved() == ["first", "last", "later", "now"]


def test_a_swallowed_nested_failure_rolls_the_whole_transaction_back(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.db")
    ran: list[str] = []
    with pytest.raises(sqlite3.OperationalError), store.writing() as db:
        db.execute("INSERT INTO saved_queries (chat_id, query, created_at) VALUES (1, 'a', 'x')")
        store.after_commit(lambda: ran.append("outer"))
        with contextlib.suppress(ZeroDivisionError), store.writing():
            db.execute(
                "INSERT INTO saved_queries (chat_id, query, created_at) VALUES (1, 'b', 'x')"
            )
            1 / 0  # noqa: B018
    assert ran == []
    with store.reading() as db:
        assert db.execute("SELECT count(*) FROM saved_queries").fetchone()[0] == 0
    with store.writing() as db:  # the store is usable again
        db.execute("INSERT INTO saved_queries (chat_id, query, created_at) VALUES (1, 'c', 'x')")
    with store.reading() as db:
        assert db.execute("SELECT query FROM saved_queries").fetchall() == [("c",)]


def _draft(n: int, body: str, hours: int = 0, url: str | None = None) -> ArticleDraft:
    return ArticleDraft(
        title=body.split("،")[0][:60],
        body=body,
        url=url or f"https://news.example/{n}",
        source=f"outlet{n % 3}",
        language="ar",
        published_at=NOW + timedelta(hours=hours),
    )


def _candidates(repo: StoryRepo, services: Services, article_id: int) -> list[tuple]:
    store = services.store
    signature = store.stories.signatures([article_id])[article_id]
    from bot.nlp.stories import bands

    entities = store.entities.entity_ids_of_article(article_id)
    found = repo.candidates(
        bands(signature), entities, NOW - timedelta(days=5), NOW + timedelta(days=5), article_id
    )
    return [
        (c.article_id, c.story_id, c.signature, c.published_at, c.language, c.entities)
        for c in found
    ]


def test_cached_story_features_always_equal_a_fresh_read(services: Services) -> None:
    texts = [WIRE, WIRE.replace("المقبل", "القادم"), GOLD, GOLD + " وارتفعت الفضة.", WIRE + " ..."]
    report = services.ingest.ingest([_draft(n, t, n) for n, t in enumerate(texts)])
    ids = report.added
    assert len(ids) == 5
    stories = {a.story_id for a in services.store.articles.get_many(ids)}
    assert len(stories) < 5  # copies joined a story
    # Re-ingested with other text (and so other entities): the cache must not serve the old ones.
    services.ingest.ingest([_draft(0, GOLD.replace("الذهب", "النفط"), 0)])
    services.ingest.ingest([_draft(2, WIRE, 2)])
    fresh = StoryRepo(services.store, cache_size=0)
    for article_id in ids:
        cached = _candidates(services.store.stories, services, article_id)
        assert cached == _candidates(fresh, services, article_id)
    assert any(_candidates(fresh, services, i) for i in ids)
    now = {a.story_id for a in services.store.articles.get_many(ids)}
    for story_id in stories | now:  # a story's headline is chosen from these signatures
        signed = services.store.stories.story_signatures(story_id, 50)
        assert signed == fresh.story_signatures(story_id, 50)


def test_an_update_by_another_process_is_not_hidden_by_the_cache(
    services: Services, tmp_path: Path
) -> None:
    ids = services.ingest.ingest(
        [_draft(n, t, n) for n, t in enumerate([WIRE, GOLD, WIRE + " ..."])]
    ).added
    before = _candidates(services.store.stories, services, ids[2])
    other = build_services(
        Config(database_path=tmp_path / "s.db", seeds_dir=tmp_path), FakeClock(NOW)
    )
    other.ingest.ingest([_draft(0, WIRE.replace("القصبي", "الجدعان وزير المالية"), 0)])
    fresh = StoryRepo(services.store, cache_size=0)
    story_id = services.store.articles.get_many([ids[0]])[0].story_id
    assert story_id is not None
    signed = services.store.stories.story_signatures(story_id, 50)
    assert signed == fresh.story_signatures(story_id, 50)
    assert ids[0] in dict(signed)
    after = _candidates(services.store.stories, services, ids[2])
    assert after == _candidates(fresh, services, ids[2])
    assert after != before  # article 0 changed under this process's cache


def test_entity_candidates_share_enough_distinct_entities(services: Services) -> None:
    texts = [
        "وصل الوفد إلى العاصمة صباح اليوم.",
        "ارتفعت أسعار القمح في الأسواق العالمية.",
        "افتتح المعرض الدولي للكتاب أبوابه.",
        "أعلن المنتخب قائمة اللاعبين للبطولة.",
    ]
    target, both, one_often, one_each = services.ingest.ingest(
        [_draft(n, text, n) for n, text in enumerate(texts)]
    ).added
    store = services.store
    names = {"x": "ألف", "y": "باء", "z": "جيم"}

    def mention(article_id: int, *entity_ids: str) -> None:
        rows = [(EntityRow(e, "person", {"ar": names[e]}, curated=False), []) for e in entity_ids]
        mentions = [MentionRow(e, 10 * k, 10 * k + 3, names[e]) for k, e in enumerate(entity_ids)]
        store.entities.save_article_entities(article_id, rows, mentions, NOW)

    mention(target, "x", "y")
    mention(both, "x", "y", "z")
    mention(one_often, "x", "x", "x")  # one entity named three times is still one
    mention(one_each, "y", "z")

    def found(min_shared: int) -> set[int]:
        candidates = store.stories.candidates(
            [], {"x", "y"}, NOW - timedelta(days=2), NOW + timedelta(days=2), target, min_shared
        )
        return {c.article_id for c in candidates}

    assert found(2) == {both}
    assert found(1) == {both, one_often, one_each}
    assert found(3) == set()


def test_the_window_floor_reads_the_window_not_the_archive(services: Services) -> None:
    ids = services.ingest.ingest([_draft(n, t, n) for n, t in enumerate([WIRE, GOLD])]).added
    with services.store.reading() as db:
        plan = " ".join(
            str(row) for row in db.execute("EXPLAIN QUERY PLAN " + FIRST_ID_SINCE, ["x"])
        )
        assert "idx_articles_latest" in plan  # not a walk through all articles in id order
        assert db.execute(FIRST_ID_SINCE, [utc_iso(NOW + timedelta(hours=1))]).fetchone() == (
            ids[1],
        )


def test_signatures_and_bands_in_the_old_text_format_are_migrated(tmp_path: Path) -> None:
    import json

    path = tmp_path / "old.db"
    services = build_services(Config(database_path=path, seeds_dir=tmp_path), FakeClock(NOW))
    ids = services.ingest.ingest(
        [_draft(n, t, n) for n, t in enumerate([WIRE, GOLD, WIRE + " ..."])]
    ).added
    signatures = services.store.stories.signatures(ids)
    before = {i: _candidates(services.store.stories, services, i) for i in ids}
    with services.store.writing() as db:  # back to the layout before m011: JSON, text keys
        for article_id, signature in signatures.items():
            db.execute(
                "UPDATE article_signatures SET signature = ? WHERE article_id = ?",
                [json.dumps(signature), article_id],
            )
        db.execute(
            "CREATE TABLE story_bands (band TEXT NOT NULL, article_id INTEGER NOT NULL, "
            "PRIMARY KEY (band, article_id)) WITHOUT ROWID"
        )
        db.execute("CREATE INDEX idx_story_bands_article ON story_bands (article_id)")
        db.execute("INSERT INTO story_bands (band, article_id) VALUES ('0:00ff', ?)", [ids[0]])
        db.execute("DELETE FROM _sqlite_migrations WHERE name LIKE 'm011%' OR name LIKE 'm012%'")
    assert services.store.stories.signatures(ids) == signatures  # JSON still reads
    services.store.close()

    store = Store(path)
    assert store.stories.signatures(ids) == signatures
    with store.reading() as db:
        kinds = db.execute("SELECT DISTINCT typeof(signature) FROM article_signatures").fetchall()
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert kinds == [("blob",)]
    assert "story_bands" not in tables  # band keys live in memory since m012
    services.store = store
    assert {i: _candidates(store.stories, services, i) for i in ids} == before


def test_find_duplicate_prefers_the_link_then_the_guid_then_the_text(services: Services) -> None:
    repo = services.store.articles
    ids = services.ingest.ingest(
        [
            ArticleDraft(title="a", body=WIRE, url="https://x.example/1", source="s", guid="g1"),
            ArticleDraft(title="b", body=GOLD, url="https://x.example/2", source="s", guid="g2"),
            ArticleDraft(title="c", body=WIRE + " ..", url=None, source="s", guid="g3"),
        ]
    ).added
    hashes = {
        i: h
        for i, h in services.store.db.execute("SELECT id, content_hash FROM articles").fetchall()
    }
    a, b, c = ids
    assert repo.find_duplicate("https://x.example/1", "s", "g2", hashes[c]) == (a, hashes[a], "s")
    assert repo.find_duplicate("https://x.example/9", "s", "g2", hashes[c]) == (b, hashes[b], "s")
    assert repo.find_duplicate(None, "s", None, hashes[c]) == (c, hashes[c], "s")
    assert repo.find_duplicate(None, "t", "g2", hashes[b]) == (b, hashes[b], "s")
    assert repo.find_duplicate("https://x.example/9", "t", "g9", "none") is None
    # The lean read of a story's summaries: in the order asked, missing ids left out.
    assert repo.summaries([c, 999, a]) == [(x.language, x.summary) for x in repo.get_many([c, a])]


def test_an_article_stored_early_still_joins_a_story_after_older_ones_arrive(
    services: Services,
) -> None:
    """Candidates are looked up from the first id published in the window: an article with a
    low id but a recent date stays findable, however many old ones come after it."""

    def draft(n: int, body: str, published: datetime) -> ArticleDraft:
        return ArticleDraft(
            title=f"خبر {n}",
            body=body,
            url=f"https://news.example/{n}",
            source=f"Wire {n}",
            language="ar",
            published_at=published,
        )

    first = services.ingest.ingest([draft(1, WIRE, NOW - timedelta(hours=2))]).added[0]
    old = [draft(10 + k, GOLD + f" {k}", NOW - timedelta(days=30 + k)) for k in range(5)]
    services.ingest.ingest(old)
    copy = services.ingest.ingest([draft(2, WIRE + " وأضاف.", NOW - timedelta(hours=1))]).added[0]
    assert services.articles.get(first).story_id == services.articles.get(copy).story_id
