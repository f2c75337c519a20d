"""Articles and their full-text index."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.models import Article
from bot.store.db import TransactionMemo, parse_utc, utc_iso

if TYPE_CHECKING:
    from bot.store.db import Store


@dataclass
class ArticleRow:
    """What the ingest pipeline writes for one article."""

    title: str
    body: str
    subtitle: str
    summary: str
    url: str | None
    guid: str | None
    source: str
    language: str
    location: str
    author: str
    tags: list[str]
    published_at: datetime
    date_source: str
    content_hash: str
    raw: str | None
    index_title: str
    index_subtitle: str
    index_body: str
    # Not stored: the source's topic ids, handed to the topic classifier after the insert.
    source_topics: list[str] = field(default_factory=list)


def indexed_terms(row: ArticleRow, subtitle: bool = True) -> list[str] | None:
    """The analyzed terms of title, subtitle (if asked) and body, read back from the index text.

    Ingest fills `index_*` with `analyze` (terms joined by spaces) before the steps run, and a
    newline never joins two words, so these are the terms of the fields joined by newlines.
    None when the row has not been analyzed (no index text at all).
    """
    parts = [row.index_title, row.index_subtitle, row.index_body]
    if not subtitle:
        del parts[1]
    if not any(parts):
        return None
    terms: list[str] = []
    for part in parts:
        if part:
            terms += part.split(" ")
    return terms


def _text_values(row: ArticleRow) -> list[object]:
    """language .. date_source, in the column order insert and update share."""
    return [
        row.language,
        row.title,
        row.subtitle,
        row.body,
        row.summary,
        row.location,
        row.author,
        json.dumps(row.tags, ensure_ascii=False),
        utc_iso(row.published_at),
        row.date_source,
    ]


def _article(row: dict[str, Any]) -> Article:
    return Article(
        id=row["id"],
        title=row["title"],
        body=row["body"],
        subtitle=row["subtitle"],
        summary=row["summary"],
        url=row["url"],
        source=row["source"],
        language=row["language"],
        location=row["location"],
        author=row["author"],
        tags=json.loads(row["tags"] or "[]"),
        published_at=parse_utc(row["published_at"]),
        date_source=row["date_source"],
        ingested_at=parse_utc(row["ingested_at"]),
        story_id=row.get("story_id"),
    )


# How many of the newest matches a search ranks (see ArticleRepo.search).
SEARCH_CANDIDATES = 2000

_COLUMNS = (
    "id, url, source, language, title, subtitle, body, summary, location, author, tags, "
    "published_at, date_source, ingested_at, story_id"
)


class ArticleRepo:
    """Reads and writes the articles table and keeps articles_fts in step with it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        # The articles inserted in the open write transaction.
        self._inserted: TransactionMemo[int, bool] = TransactionMemo(store)

    def inserted_now(self, article_id: int) -> bool:
        """Whether the article was inserted in the open write transaction: no row refers to
        it yet (mentions, topics, signature), so its steps have nothing to replace."""
        return self._inserted.get(article_id) is not None

    def find_duplicate(
        self, url: str | None, source: str, guid: str | None, content_hash: str
    ) -> tuple[int, str, str] | None:
        """Return (id, content_hash, source) of the stored article this one duplicates, if any.

        The same link first, then the source's guid, then the same text: one statement, as
        ingest asks twice for each article (before its analysis and inside its transaction).
        """
        arms: list[str] = []
        params: list[object] = []
        if url is not None:
            arms.append("SELECT 0 AS k, id, content_hash, source FROM articles WHERE url = ?")
            params.append(url)
        if guid is not None:
            arms.append(
                "SELECT 1 AS k, * FROM (SELECT id, content_hash, source FROM articles"
                " WHERE source = ? AND guid = ? LIMIT 1)"
            )
            params += [source, guid]
        arms.append(
            "SELECT 2 AS k, * FROM (SELECT id, content_hash, source FROM articles"
            " WHERE content_hash = ? LIMIT 1)"
        )
        params.append(content_hash)
        with self.store.reading() as db:
            row = db.conn.execute(
                f"SELECT id, content_hash, source FROM ({' UNION ALL '.join(arms)})"
                " ORDER BY k LIMIT 1",
                params,
            ).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def insert(self, row: ArticleRow, now: datetime) -> int:
        """Store a new article and index it; return its id."""
        with self.store.writing() as db:
            cursor = db.execute(
                """
                INSERT INTO articles (url, guid, source, language, title, subtitle, body, summary,
                    location, author, tags, published_at, date_source, ingested_at, content_hash, raw)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    row.url,
                    row.guid,
                    row.source,
                    *_text_values(row),
                    utc_iso(now),
                    row.content_hash,
                    row.raw,
                ],
            )
            article_id = int(cursor.lastrowid or 0)
            self._index(article_id, row, replace=False)
            self._inserted.put(article_id, True)
        return article_id

    def update(self, article_id: int, row: ArticleRow, now: datetime) -> None:
        """Replace a stored article's text (it changed at the source) and re-index it."""
        with self.store.writing() as db:
            db.execute(
                """
                UPDATE articles SET url = coalesce(?, url), guid = coalesce(?, guid), language = ?,
                    title = ?, subtitle = ?, body = ?, summary = ?, location = ?, author = ?,
                    tags = ?, published_at = ?, date_source = ?, updated_at = ?, content_hash = ?,
                    raw = coalesce(?, raw)
                WHERE id = ?
                """,
                [
                    row.url,
                    row.guid,
                    *_text_values(row),
                    utc_iso(now),
                    row.content_hash,
                    row.raw,
                    article_id,
                ],
            )
            self._index(article_id, row, replace=True)

    def _index(self, article_id: int, row: ArticleRow, replace: bool) -> None:
        """Write the article's full-text row last in the transaction.

        FTS5 keeps new rows in memory until a later statement of the transaction opens a
        savepoint (an UPDATE with foreign keys does), then writes them out as a new segment.
        Written in place, each article became a segment of its own, flushed by its story's
        update: 0.07 ms of each feed item, and more segments to merge later.
        """
        values = [article_id, row.index_title, row.index_subtitle, row.index_body]

        def write() -> None:
            if replace:
                self.store.db.conn.execute("DELETE FROM articles_fts WHERE rowid = ?", [article_id])
            self.store.db.conn.execute(
                "INSERT INTO articles_fts (rowid, title, subtitle, body) VALUES (?, ?, ?, ?)",
                values,
            )

        self.store.before_commit(write)

    def get(self, article_id: int) -> Article | None:
        """Return one article, or None."""
        with self.store.reading() as db:
            rows = list(db.query(f"SELECT {_COLUMNS} FROM articles WHERE id = ?", [article_id]))
        return _article(rows[0]) if rows else None

    def get_many(self, ids: list[int]) -> list[Article]:
        """Return the articles with these ids, in the order given."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        with self.store.reading() as db:
            rows = {
                r["id"]: r
                for r in db.query(f"SELECT {_COLUMNS} FROM articles WHERE id IN ({marks})", ids)
            }
        return [_article(rows[i]) for i in ids if i in rows]

    def summaries(self, ids: list[int]) -> list[tuple[str, str]]:
        """(language, summary) of the articles with these ids, in the order given."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        with self.store.reading() as db:
            rows = {
                r[0]: (r[1], r[2])
                for r in db.execute(
                    f"SELECT id, language, summary FROM articles WHERE id IN ({marks})", ids
                )
            }
        return [rows[i] for i in ids if i in rows]

    def latest(self, limit: int, offset: int = 0) -> list[Article]:
        """Return the newest articles first."""
        with self.store.reading() as db:
            rows = db.query(
                f"SELECT {_COLUMNS} FROM articles ORDER BY published_at DESC, id DESC LIMIT ? OFFSET ?",
                [limit, offset],
            )
            return [_article(r) for r in rows]

    def count(self) -> int:
        """Return how many articles are stored."""
        with self.store.reading() as db:
            return int(db.execute("SELECT count(*) FROM articles").fetchone()[0])

    def search(self, match: str, limit: int, offset: int = 0) -> tuple[list[Article], int]:
        """Run an FTS5 MATCH; rank by bm25 (title weighs most), newer first on ties.

        A word in a quarter of all articles would make bm25 score every one of them; only
        the newest SEARCH_CANDIDATES matches are ranked (rowid order is ingestion order),
        which keeps a search on 100,000 articles fast and suits news, where recent matters.
        """
        with self.store.reading() as db:
            total = int(
                db.execute(
                    "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?", [match]
                ).fetchone()[0]
            )
            floor = 0
            if total > SEARCH_CANDIDATES:
                floor = db.execute(
                    "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?",
                    [match, SEARCH_CANDIDATES - 1],
                ).fetchone()[0]
            ids = [
                r[0]
                for r in db.execute(
                    """
                    SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? AND rowid >= ?
                    ORDER BY round(bm25(articles_fts, 5.0, 3.0, 1.0), 6), rowid DESC
                    LIMIT ? OFFSET ?
                    """,
                    [match, floor, limit, offset],
                )
            ]
        return self.get_many(ids), total

    def save_query(self, chat_id: int, query: str, now: datetime) -> int:
        """Remember a chat's search so that page buttons can refer to it by id."""
        with self.store.writing() as db:
            cursor = db.execute(
                "INSERT INTO saved_queries (chat_id, query, created_at) VALUES (?, ?, ?)",
                [chat_id, query, utc_iso(now)],
            )
            return int(cursor.lastrowid or 0)

    def saved_query(self, query_id: int, chat_id: int) -> str | None:
        """Return a saved search of this chat, or None."""
        with self.store.reading() as db:
            row = db.execute(
                "SELECT query FROM saved_queries WHERE id = ? AND chat_id = ?", [query_id, chat_id]
            ).fetchone()
        return row[0] if row else None

    def follow_matches(
        self,
        since: datetime,
        until: datetime,
        topics: list[str],
        entity_ids: list[str],
        keywords: dict[str, str],
    ) -> dict[int, list[tuple[str, str]]]:
        """Articles ingested in (since, until] matching any follow: id -> [(kind, value), ...].

        `keywords` maps each followed keyword to its FTS MATCH expression.
        """
        found: dict[int, list[tuple[str, str]]] = {}
        with self.store.reading() as db:
            # Ids grow with ingestion: the window is a range of ids, which every index below can use.
            low, high = db.execute(
                "SELECT min(id), max(id) FROM articles WHERE ingested_at > ? AND ingested_at <= ?",
                [utc_iso(since), utc_iso(until)],
            ).fetchone()
            if low is None:
                return found
            window = "a.id BETWEEN ? AND ? AND a.ingested_at > ? AND a.ingested_at <= ?"
            bounds = [low, high, utc_iso(since), utc_iso(until)]
            if topics:
                marks = ",".join("?" * len(topics))
                for article_id, topic in db.execute(
                    f"""SELECT t.article_id, t.topic FROM article_topics t JOIN articles a ON a.id = t.article_id
                        WHERE {window} AND t.topic IN ({marks}) ORDER BY t.rank""",
                    [*bounds, *topics],
                ):
                    found.setdefault(article_id, []).append(("topic", topic))
            if entity_ids:
                marks = ",".join("?" * len(entity_ids))
                for article_id, entity_id in db.execute(
                    f"""SELECT DISTINCT m.article_id, m.entity_id FROM mentions m JOIN articles a ON a.id = m.article_id
                        WHERE {window} AND m.entity_id IN ({marks})""",
                    [*bounds, *entity_ids],
                ):
                    found.setdefault(article_id, []).append(("entity", entity_id))
            for keyword, match in keywords.items():
                for (article_id,) in db.execute(
                    f"""SELECT a.id FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid
                        WHERE articles_fts MATCH ? AND articles_fts.rowid BETWEEN ? AND ? AND {window}""",
                    [match, low, high, *bounds],
                ):
                    found.setdefault(article_id, []).append(("keyword", keyword))
        return found

    def ids_matching(self, match: str, ids: list[int]) -> set[int]:
        """Which of these articles match an FTS expression."""
        if not ids:
            return set()
        marks = ",".join("?" * len(ids))
        with self.store.reading() as db:
            return {
                r[0]
                for r in db.execute(
                    f"SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? AND rowid IN ({marks})",
                    [match, *ids],
                )
            }
