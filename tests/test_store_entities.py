"""The entity store: entities and aliases it knows as stored are not written again, and
skipping them never loses a name, an alias or a rolled-back write."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.store import Store
from bot.store.entities import EntityRow, MentionRow

NOW = datetime(2025, 3, 6, 12, 0, tzinfo=UTC)


def _rows(store: Store) -> tuple[list[tuple], list[tuple]]:
    with store.reading() as db:
        entities = db.execute(
            "SELECT id, type, name_ar, name_en, name_tr, curated FROM entities ORDER BY id"
        ).fetchall()
        aliases = db.execute(
            "SELECT folded, entity_id, alias FROM entity_aliases ORDER BY folded, entity_id"
        ).fetchall()
    return entities, aliases


def _article(store: Store, n: int) -> int:
    with store.writing() as db:
        cursor = db.execute(
            "INSERT INTO articles (title, published_at, ingested_at, content_hash) "
            "VALUES (?, ?, ?, ?)",
            [f"t{n}", "2025-03-06T12:00:00+00:00", "2025-03-06T12:00:00+00:00", f"h{n}"],
        )
    return int(cursor.lastrowid or 0)


def _save(store: Store, article_id: int, entity: EntityRow, aliases: list[tuple[str, str]]) -> None:
    store.entities.save_article_entities(
        article_id, [(entity, aliases)], [MentionRow(entity.id, 0, 4, "name")], NOW
    )


def test_known_entities_are_skipped_but_blank_names_and_new_aliases_still_land(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "e.db")
    person = "person:قاسم"
    _save(store, _article(store, 1), EntityRow(person, "person", {"ar": "قاسم"}, False), [])
    # Stored already in Arabic: the same again writes nothing, an English name fills the blank.
    _save(store, _article(store, 2), EntityRow(person, "person", {"ar": "قاسم ب"}, False), [])
    _save(store, _article(store, 3), EntityRow(person, "person", {"en": "Qassem"}, False), [])
    _save(
        store,
        _article(store, 4),
        EntityRow(person, "person", {"ar": "قاسم"}, False),
        [("قاسم", "قاسم"), ("qassem", "Qassem")],
    )
    _save(
        store,
        _article(store, 5),
        EntityRow(person, "person", {"ar": "x"}, False),
        [("qassem", "Q")],
    )
    entities, aliases = _rows(store)
    assert entities == [(person, "person", "قاسم", "Qassem", "", 0)]
    assert aliases == [("qassem", person, "Qassem"), ("قاسم", person, "قاسم")]
    with store.reading() as db:
        assert db.execute("SELECT count(*) FROM mentions").fetchone()[0] == 5


def test_a_rolled_back_write_is_not_remembered_as_stored(tmp_path: Path) -> None:
    store = Store(tmp_path / "e.db")
    article_id = _article(store, 1)
    place = EntityRow("place:جدة", "place", {"ar": "جدة"}, False)
    with pytest.raises(ZeroDivisionError), store.writing():
        _save(store, article_id, place, [("جده", "جدة")])
        1 / 0  # noqa: B018
    assert _rows(store) == ([], [])
    _save(store, article_id, place, [("جده", "جدة")])
    assert _rows(store) == (
        [("place:جدة", "place", "جدة", "", "", 0)],
        [("جده", "place:جدة", "جدة")],
    )


def test_an_articles_entities_are_answered_from_memory_only_inside_its_transaction(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "e.db")
    gaza = EntityRow("place:غزة", "place", {"ar": "غزة"}, False)
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    with store.writing():
        first = _article(store, 1)
        _save(store, first, gaza, [])
        statements.clear()
        assert store.entities.entity_ids_of_article(first) == {"place:غزة"}
        assert not any("FROM mentions" in sql for sql in statements)
    assert store.entities.entity_ids_of_article(first) == {"place:غزة"}  # read after commit
    with pytest.raises(ZeroDivisionError), store.writing():
        lost = _article(store, 2)
        _save(store, lost, gaza, [])
        1 / 0  # noqa: B018
    with store.writing():
        reused = _article(store, 3)  # the rolled-back id is given again, without entities
        assert reused == lost
        statements.clear()
        assert store.entities.entity_ids_of_article(reused) == set()
        assert any("FROM mentions" in sql for sql in statements)
    store.db.conn.set_trace_callback(None)
