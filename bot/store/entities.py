"""Entities, their aliases, and which articles mention them."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.store.db import TransactionMemo, parse_utc, utc_iso

if TYPE_CHECKING:
    from sqlite_utils import Database

    from bot.store.db import Store


@dataclass
class EntityRow:
    """A stored entity."""

    id: str
    type: str
    names: dict[str, str]
    curated: bool

    def name(self, lang: str) -> str:
        """The display name in `lang`, else any name there is."""
        return (
            self.names.get(lang)
            or self.names.get("en")
            or next((n for n in self.names.values() if n), self.id)
        )


@dataclass
class MentionRow:
    """One mention to store: which entity, where in the article text."""

    entity_id: str
    start: int
    end: int
    text: str


def _entity(row: tuple) -> EntityRow:
    return EntityRow(
        id=row[0],
        type=row[1],
        names={"ar": row[2], "en": row[3], "tr": row[4]},
        curated=bool(row[5]),
    )


_ENTITY_COLUMNS = "id, type, name_ar, name_en, name_tr, curated"
_LANGUAGES = ("ar", "en", "tr")
# How many entities and aliases the repository remembers as stored. Each article names a few
# that are nearly always stored already: writing them again changes nothing but costs two
# statements an article. Rows are never deleted and names never blanked, so what was stored
# stays stored; evicted ones are merely written again.
KNOWN_ENTITIES = 50_000
KNOWN_ALIASES = 100_000


class EntityRepo:
    """Reads and writes entities, entity_aliases and mentions."""

    def __init__(self, store: Store) -> None:
        self.store = store
        # entity id -> languages whose name is stored (not blank); (folded, entity id) aliases.
        self._known: OrderedDict[str, frozenset[str]] = OrderedDict()
        self._known_aliases: OrderedDict[tuple[str, str], None] = OrderedDict()
        # The entities of the articles saved in the open write transaction: the story step
        # asks for them right after, in the same transaction.
        self._saved: TransactionMemo[int, frozenset[str]] = TransactionMemo(store)

    def save_article_entities(
        self,
        article_id: int,
        entities: list[tuple[EntityRow, list[tuple[str, str]]]],
        mentions: list[MentionRow],
        now: datetime,
    ) -> None:
        """Store the entities an article mentions (with (folded, alias) pairs) and its mentions."""
        with self.store.writing() as db:
            # One statement per table, in the order one entity at a time would have written them.
            self._insert_many(db, entities, now)
            if not self.store.articles.inserted_now(article_id):  # a new one has none
                db.execute("DELETE FROM mentions WHERE article_id = ?", [article_id])
            db.conn.executemany(
                "INSERT OR IGNORE INTO mentions (article_id, entity_id, start, end, text) VALUES (?, ?, ?, ?, ?)",
                [(article_id, m.entity_id, m.start, m.end, m.text) for m in mentions],
            )
            # The story grouper caches each article's entities: these replace them.
            self.store.stories.forget(article_id)
            self._saved.put(article_id, frozenset(m.entity_id for m in mentions))

    def get(self, entity_id: str) -> EntityRow | None:
        """Return one entity, or None."""
        with self.store.reading() as db:
            row = db.execute(
                f"SELECT {_ENTITY_COLUMNS} FROM entities WHERE id = ?", [entity_id]
            ).fetchone()
        return _entity(row) if row else None

    def by_alias(self, folded: str) -> list[EntityRow]:
        """Entities known by this folded alias, most mentioned first."""
        with self.store.reading() as db:
            rows = db.execute(
                f"""
                SELECT {", ".join("e." + c.strip() for c in _ENTITY_COLUMNS.split(","))}
                FROM entity_aliases a JOIN entities e ON e.id = a.entity_id
                WHERE a.folded = ?
                ORDER BY (SELECT count(*) FROM mentions m WHERE m.entity_id = e.id) DESC
                """,
                [folded],
            ).fetchall()
        return [_entity(r) for r in rows]

    def aliases_starting(self, prefix: str, limit: int = 2000) -> list[tuple[str, str]]:
        """(folded alias, entity id) pairs whose alias starts with `prefix`, for suggestions."""
        with self.store.reading() as db:
            return [
                (r[0], r[1])
                for r in db.execute(
                    "SELECT folded, entity_id FROM entity_aliases WHERE folded >= ? AND folded < ? LIMIT ?",
                    [prefix, prefix + "\uffff", limit],
                )
            ]

    def aliases(self, entity_id: str) -> list[str]:
        """Every alias an entity goes by."""
        with self.store.reading() as db:
            return [
                r[0]
                for r in db.execute(
                    "SELECT alias FROM entity_aliases WHERE entity_id = ?", [entity_id]
                )
            ]

    def article_stats(self, entity_id: str) -> tuple[int, datetime | None]:
        """How many articles mention the entity, and the earliest one's time."""
        with self.store.reading() as db:
            count, first = db.execute(
                """
                SELECT count(DISTINCT m.article_id), min(a.published_at)
                FROM mentions m JOIN articles a ON a.id = m.article_id WHERE m.entity_id = ?
                """,
                [entity_id],
            ).fetchone()
        return int(count), parse_utc(first)

    def latest_article_ids(self, entity_id: str, limit: int) -> list[int]:
        """The newest articles that mention the entity."""
        with self.store.reading() as db:
            return [
                r[0]
                for r in db.execute(
                    """
                    SELECT a.id FROM articles a
                    WHERE a.id IN (SELECT article_id FROM mentions WHERE entity_id = ?)
                    ORDER BY a.published_at DESC, a.id DESC LIMIT ?
                    """,
                    [entity_id, limit],
                )
            ]

    def co_mentioned(self, entity_id: str, limit: int) -> list[tuple[EntityRow, int]]:
        """The entities most often mentioned in the same articles, with how many articles."""
        with self.store.reading() as db:
            rows = db.execute(
                f"""
                SELECT {", ".join("e." + c.strip() for c in _ENTITY_COLUMNS.split(","))},
                       count(DISTINCT other.article_id) AS together
                FROM mentions mine
                JOIN mentions other ON other.article_id = mine.article_id AND other.entity_id != mine.entity_id
                JOIN entities e ON e.id = other.entity_id
                WHERE mine.entity_id = ?
                GROUP BY e.id ORDER BY together DESC, e.id LIMIT ?
                """,
                [entity_id, limit],
            ).fetchall()
        return [(_entity(r[:6]), int(r[6])) for r in rows]

    def most_mentioned(self, article_id: int, limit: int) -> list[tuple[EntityRow, int]]:
        """The entities an article mentions most, with their handles, most mentioned first."""
        columns = ", ".join("e." + c.strip() for c in _ENTITY_COLUMNS.split(","))
        with self.store.reading() as db:
            rows = db.execute(
                f"""SELECT {columns}, e.rowid FROM mentions m JOIN entities e ON e.id = m.entity_id
                    WHERE m.article_id = ? GROUP BY e.id ORDER BY count(*) DESC, min(m.start) LIMIT ?""",
                [article_id, limit],
            ).fetchall()
        return [(_entity(r[:6]), int(r[6])) for r in rows]

    def entity_ids_of_article(self, article_id: int) -> set[str]:
        """The entities one article mentions."""
        with self.store.reading() as db:
            saved = self._saved.get(article_id)
            if saved is not None:
                return set(saved)
            return {
                r[0]
                for r in db.execute(
                    "SELECT DISTINCT entity_id FROM mentions WHERE article_id = ?", [article_id]
                )
            }

    def entity_counts(self, article_ids: list[int]) -> dict[int, int]:
        """How many distinct entities each article mentions, in one read."""
        if not article_ids:
            return {}
        marks = ",".join("?" * len(article_ids))
        with self.store.reading() as db:
            return {
                r[0]: r[1]
                for r in db.execute(
                    f"""SELECT article_id, count(DISTINCT entity_id) FROM mentions
                        WHERE article_id IN ({marks}) GROUP BY article_id""",
                    article_ids,
                )
            }

    def mention_counts(self, since: datetime, until: datetime) -> dict[str, int]:
        """Distinct articles published in [since, until) mentioning each entity."""
        with self.store.reading() as db:
            rows = db.execute(
                """
                SELECT m.entity_id, count(DISTINCT m.article_id)
                FROM mentions m JOIN articles a ON a.id = m.article_id
                WHERE a.published_at >= ? AND a.published_at < ?
                GROUP BY m.entity_id
                """,
                [utc_iso(since), utc_iso(until)],
            ).fetchall()
        return {r[0]: int(r[1]) for r in rows}

    def get_many(self, ids: list[str]) -> dict[str, EntityRow]:
        """Entities by id."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        with self.store.reading() as db:
            rows = db.execute(
                f"SELECT {_ENTITY_COLUMNS} FROM entities WHERE id IN ({marks})", ids
            ).fetchall()
        return {r[0]: _entity(r) for r in rows}

    def ensure(self, entity: EntityRow, aliases: list[tuple[str, str]], now: datetime) -> int:
        """Store an entity if it is not there yet; return its numeric handle (for button data)."""
        with self.store.writing() as db:
            self._insert(db, entity, aliases, now)
        return self.handle(entity.id)

    def _insert(
        self, db: Database, entity: EntityRow, aliases: list[tuple[str, str]], now: datetime
    ) -> None:
        self._insert_many(db, [(entity, aliases)], now)

    def _insert_many(
        self, db: Database, entities: list[tuple[EntityRow, list[tuple[str, str]]]], now: datetime
    ) -> None:
        created = utc_iso(now)
        # Only what would change a row: a new entity, a name for a blank language, a new alias.
        upserts = []
        for entity, _ in entities:
            names = frozenset(lang for lang in _LANGUAGES if entity.names.get(lang))
            if not names <= self._known.get(entity.id, frozenset()):
                upserts.append((entity, names))
        aliases = [
            (folded, entity.id, alias)
            for entity, pairs in entities
            for folded, alias in pairs
            if (folded, entity.id) not in self._known_aliases
        ]
        # A name learnt later fills a blank; a known name is never overwritten by an article's spelling.
        if upserts:
            db.conn.executemany(
                f"""
                INSERT INTO entities ({_ENTITY_COLUMNS}, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET
                    name_ar = CASE WHEN name_ar = '' THEN excluded.name_ar ELSE name_ar END,
                    name_en = CASE WHEN name_en = '' THEN excluded.name_en ELSE name_en END,
                    name_tr = CASE WHEN name_tr = '' THEN excluded.name_tr ELSE name_tr END
                """,
                [
                    (
                        entity.id,
                        entity.type,
                        entity.names.get("ar", ""),
                        entity.names.get("en", ""),
                        entity.names.get("tr", ""),
                        int(entity.curated),
                        created,
                    )
                    for entity, _ in upserts
                ],
            )
        # Every entity exists by now, so the aliases may follow in one statement.
        if aliases:
            db.conn.executemany(
                "INSERT OR IGNORE INTO entity_aliases (folded, entity_id, alias) VALUES (?, ?, ?)",
                aliases,
            )
        if upserts or aliases:
            self.store.after_commit(lambda: self._remember(upserts, aliases))

    def _remember(
        self, upserts: list[tuple[EntityRow, frozenset[str]]], aliases: list[tuple[str, str, str]]
    ) -> None:
        """Note what a committed transaction stored (a rolled-back one teaches nothing)."""
        for entity, names in upserts:
            self._known[entity.id] = self._known.get(entity.id, frozenset()) | names
            self._known.move_to_end(entity.id)
        for folded, entity_id, _ in aliases:
            self._known_aliases[(folded, entity_id)] = None
            self._known_aliases.move_to_end((folded, entity_id))
        while len(self._known) > KNOWN_ENTITIES:
            self._known.popitem(last=False)
        while len(self._known_aliases) > KNOWN_ALIASES:
            self._known_aliases.popitem(last=False)

    def handle(self, entity_id: str) -> int:
        """The entity's rowid: short enough for Telegram's 64-byte button data, unlike Arabic ids."""
        with self.store.reading() as db:
            row = db.execute("SELECT rowid FROM entities WHERE id = ?", [entity_id]).fetchone()
        if row is None:
            raise KeyError(entity_id)
        return int(row[0])

    def by_handle(self, handle: int) -> EntityRow | None:
        """The entity behind a button's handle."""
        with self.store.reading() as db:
            row = db.execute(
                f"SELECT {_ENTITY_COLUMNS} FROM entities WHERE rowid = ?", [handle]
            ).fetchone()
        return _entity(row) if row else None
