"""Stories: articles about the same event, found through MinHash bands."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.store.db import parse_utc, utc_iso

if TYPE_CHECKING:
    from bot.store.db import Store


@dataclass
class StoryRow:
    """A stored story."""

    id: int
    headline_article_id: int
    first_at: datetime
    last_at: datetime
    article_count: int
    source_count: int
    summary: str


@dataclass
class Candidate:
    """An earlier article that may report the same event."""

    article_id: int
    story_id: int | None
    signature: list[int]
    published_at: datetime
    language: str


def _story(row: tuple) -> StoryRow:
    first, last = parse_utc(row[2]), parse_utc(row[3])
    assert first and last
    return StoryRow(row[0], row[1], first, last, row[4], row[5], row[6])


class StoryRepo:
    """Reads and writes stories, article_signatures and story_bands."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def candidates(self, bands: list[str], since: datetime, exclude: int) -> list[Candidate]:
        """Articles published since `since` that share a band with these, newest first."""
        marks = ",".join("?" * len(bands))
        return self._recent(
            f"SELECT article_id FROM story_bands WHERE band IN ({marks})", bands, since, exclude
        )

    def recent_with_entities(
        self, entity_ids: set[str], since: datetime, exclude: int
    ) -> list[Candidate]:
        """Recent articles mentioning any of these entities (for cross-language joins)."""
        ids = sorted(entity_ids)
        marks = ",".join("?" * len(ids))
        return self._recent(
            f"SELECT article_id FROM mentions WHERE entity_id IN ({marks})", ids, since, exclude
        )

    def _recent(
        self, id_query: str, params: list[str], since: datetime, exclude: int
    ) -> list[Candidate]:
        """The newest 50 articles among `id_query`'s ids published since `since`, with signatures."""
        if not params:
            return []
        with self.store.reading() as db:
            rows = db.execute(
                f"""
                SELECT a.id, a.story_id, s.signature, a.published_at, a.language
                FROM articles a JOIN article_signatures s ON s.article_id = a.id
                WHERE a.id IN ({id_query}) AND a.published_at >= ? AND a.id != ?
                ORDER BY a.published_at DESC LIMIT 50
                """,
                [*params, utc_iso(since), exclude],
            ).fetchall()
        return [Candidate(r[0], r[1], json.loads(r[2]), parse_utc(r[3]), r[4]) for r in rows]  # type: ignore[arg-type]

    def save_signature(self, article_id: int, signature: list[int], bands: list[str]) -> None:
        """Store an article's MinHash signature and its band keys."""
        with self.store.writing() as db:
            db.execute(
                "INSERT OR REPLACE INTO article_signatures (article_id, signature) VALUES (?, ?)",
                [article_id, json.dumps(signature)],
            )
            db.execute("DELETE FROM story_bands WHERE article_id = ?", [article_id])
            for band in dict.fromkeys(bands):
                db.execute(
                    "INSERT INTO story_bands (band, article_id) VALUES (?, ?)", [band, article_id]
                )

    def create(self, article_id: int, published_at: datetime) -> int:
        """Start a story with one article; return its id."""
        with self.store.writing() as db:
            cursor = db.execute(
                """
                INSERT INTO stories (headline_article_id, first_at, last_at, article_count, source_count)
                VALUES (?, ?, ?, 1, 1)
                """,
                [article_id, utc_iso(published_at), utc_iso(published_at)],
            )
            story_id = int(cursor.lastrowid or 0)
            db.execute("UPDATE articles SET story_id = ? WHERE id = ?", [story_id, article_id])
        return story_id

    def attach(self, article_id: int, story_id: int) -> None:
        """Put an article into an existing story and refresh the story's counts and times."""
        with self.store.writing() as db:
            db.execute("UPDATE articles SET story_id = ? WHERE id = ?", [story_id, article_id])
            db.execute(
                """
                UPDATE stories SET
                    article_count = (SELECT count(*) FROM articles WHERE story_id = :s),
                    source_count = (SELECT count(DISTINCT coalesce(nullif(source, ''), id))
                                    FROM articles WHERE story_id = :s),
                    first_at = (SELECT min(published_at) FROM articles WHERE story_id = :s),
                    last_at = (SELECT max(published_at) FROM articles WHERE story_id = :s)
                WHERE id = :s
                """,
                {"s": story_id},
            )

    def set_headline(self, story_id: int, article_id: int, summary: str) -> None:
        """Record a story's most central article and its summary."""
        with self.store.writing() as db:
            db.execute(
                "UPDATE stories SET headline_article_id = ?, summary = ? WHERE id = ?",
                [article_id, summary, story_id],
            )

    def rows(self, story_ids: list[int]) -> dict[int, StoryRow]:
        """Stories by id, in one read."""
        if not story_ids:
            return {}
        marks = ",".join("?" * len(story_ids))
        with self.store.reading() as db:
            rows = db.execute(
                f"""SELECT id, headline_article_id, first_at, last_at, article_count, source_count, summary
                    FROM stories WHERE id IN ({marks})""",
                story_ids,
            ).fetchall()
        return {r[0]: _story(r) for r in rows}

    def get(self, story_id: int) -> StoryRow | None:
        """Return one story, or None."""
        with self.store.reading() as db:
            row = db.execute(
                """SELECT id, headline_article_id, first_at, last_at, article_count, source_count, summary
                   FROM stories WHERE id = ?""",
                [story_id],
            ).fetchone()
        return _story(row) if row else None

    def article_ids(self, story_id: int) -> list[int]:
        """The story's articles, oldest first."""
        with self.store.reading() as db:
            return [
                r[0]
                for r in db.execute(
                    "SELECT id FROM articles WHERE story_id = ? ORDER BY published_at, id",
                    [story_id],
                )
            ]

    def signatures(self, article_ids: list[int]) -> dict[int, list[int]]:
        """Stored signatures by article id."""
        if not article_ids:
            return {}
        marks = ",".join("?" * len(article_ids))
        with self.store.reading() as db:
            return {
                r[0]: json.loads(r[1])
                for r in db.execute(
                    f"SELECT article_id, signature FROM article_signatures WHERE article_id IN ({marks})",
                    article_ids,
                )
            }

    def source_counts(self, story_ids: list[int]) -> dict[int, int]:
        """How many sources each story has."""
        if not story_ids:
            return {}
        marks = ",".join("?" * len(story_ids))
        with self.store.reading() as db:
            return {
                r[0]: r[1]
                for r in db.execute(
                    f"SELECT id, source_count FROM stories WHERE id IN ({marks})", story_ids
                )
            }

    def recent(self, since: datetime, limit: int) -> list[StoryRow]:
        """Stories with an article published since `since`, newest activity first."""
        with self.store.reading() as db:
            rows = db.execute(
                """SELECT id, headline_article_id, first_at, last_at, article_count, source_count, summary
                   FROM stories WHERE last_at >= ? ORDER BY last_at DESC LIMIT ?""",
                [utc_iso(since), limit],
            ).fetchall()
        return [_story(r) for r in rows]
