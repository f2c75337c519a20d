"""Stories: articles about the same event, found through MinHash bands."""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.store.bands import BandIndex, pack_signature, stored_keys, unpack_signature
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
    entities: set[str] = field(default_factory=set)


# How many articles' story features (signature, entities) stay in memory. A new article is
# compared with ~40 recent ones; reading and decoding each from the database cost more than
# everything else its ingest does. About 7.5 KB each: 4,000 articles take about 30 MB; older
# candidates are read from the database (one query for all of them).
FEATURE_CACHE_SIZE = 4_000
# How far `since` may move before the first id since it is looked up again.
FLOOR_REUSE = timedelta(hours=6)
# min(+id), not min(id): for min(id) SQLite walks the table in id order from the oldest
# article until one is recent enough, which reads the whole archive (4 ms at 10,000
# articles, growing with it); +id leaves it the published_at index, which reads only the
# window's entries (0.3 ms).
FIRST_ID_SINCE = "SELECT min(+id) FROM articles WHERE published_at >= ?"


def _story(row: tuple) -> StoryRow:
    first, last = parse_utc(row[2]), parse_utc(row[3])
    assert first and last
    return StoryRow(row[0], row[1], first, last, row[4], row[5], row[6])


class StoryRepo:
    """Reads and writes stories and article_signatures (with their band keys in memory)."""

    def __init__(self, store: Store, cache_size: int = FEATURE_CACHE_SIZE) -> None:
        self.store = store
        self.cache_size = cache_size
        self.bands = BandIndex(store)
        # article id -> (content hash, signature, entities). The content hash of the candidate
        # row must match: another process may have re-ingested the article meanwhile.
        self._cache: OrderedDict[int, tuple[str, list[int], set[str]]] = OrderedDict()
        self._floor: tuple[datetime, int] | None = None  # (since, its first article id)

    def candidates(
        self,
        bands: list[int],
        entity_ids: set[str],
        since: datetime,
        until: datetime,
        exclude: int,
        min_shared: int = 1,
        band_hits: set[int] | None = None,
    ) -> list[Candidate]:
        """Articles published since `since` sharing a band (looked up to `until`'s day, unless
        `band_hits` gives what that lookup found), then others sharing at least `min_shared`
        entities.

        Each group holds its newest 50 (entities serve cross-language joins), with their
        signatures and entities.
        """
        floor = self._first_id_since(since)
        if floor is None:
            return []
        if band_hits is None:
            band_hits = self.bands.lookup(bands, since, until)
        # Every article in the band index has a signature: no join needed.
        banded = sorted(band_hits - {exclude})
        rows = (
            self._recent(
                "SELECT value FROM json_each(?)", [json.dumps(banded)], since, exclude, signed=False
            )
            if banded
            else []
        )
        ids = sorted(entity_ids)
        if len(ids) >= min_shared:
            marks = ",".join("?" * len(ids))
            # `article_id >= floor` keeps the lookup to the window: without it a popular
            # entity reads its whole history, and ingest slows as the database grows.
            # The distinct (entity, article) pairs first, then a plain count: count(DISTINCT)
            # kept a sorter per article: a third slower on whole articles (bench_ingest).
            rows += self._recent(
                f"SELECT article_id FROM (SELECT DISTINCT entity_id, article_id FROM mentions "
                f"WHERE entity_id IN ({marks}) AND article_id >= {floor}) "
                f"GROUP BY article_id HAVING count(*) >= {int(min_shared)}",
                ids,
                since,
                exclude,
                signed=True,
            )
        found: dict[int, Candidate] = {}
        missing: dict[int, tuple[Candidate, str]] = {}
        for article_id, story_id, published_at, language, version in rows:
            if article_id in found:
                continue
            candidate = Candidate(article_id, story_id, [], parse_utc(published_at), language)  # type: ignore[arg-type]
            cached = self._cached(article_id, version)
            if cached is not None:
                candidate.signature, candidate.entities = cached
            else:
                missing[article_id] = candidate, version
            found[article_id] = candidate
        if missing:
            ids = list(missing)
            signatures = self.signatures(ids)
            for article_id, entities in self._entities(ids).items():
                candidate, version = missing[article_id]
                candidate.signature, candidate.entities = signatures[article_id], entities
                self.remember(article_id, version, candidate.signature, entities)
        return list(found.values())

    def _first_id_since(self, since: datetime) -> int | None:
        """A lower bound of the ids of articles published since `since` (None: there are none).

        Ids only grow, so the first id since an earlier time stays a valid bound for any later
        time, whatever is added meanwhile: it is kept and reused for six hours of `since`.
        """
        if self._floor is not None:
            cached_since, cached_id = self._floor
            if cached_since <= since <= cached_since + FLOOR_REUSE:
                return cached_id
        with self.store.reading() as db:
            found = db.conn.execute(FIRST_ID_SINCE, [utc_iso(since)]).fetchone()[0]
        if found is not None:
            self._floor = (since, int(found))
        return found

    def _recent(
        self,
        id_query: str,
        params: list[str],
        since: datetime,
        exclude: int,
        signed: bool,
    ) -> list[tuple]:
        """The newest 50 signed articles among `id_query`'s ids published since `since`
        (`signed`: check that each has a signature; else the ids come from signed articles)."""
        if not params:
            return []
        join = "JOIN article_signatures s ON s.article_id = a.id" if signed else ""
        with self.store.reading() as db:
            # Equal times come oldest id first: the order the temporary sort always gave them.
            return db.conn.execute(
                f"""
                SELECT a.id, a.story_id, a.published_at, a.language, a.content_hash
                FROM articles a {join}
                WHERE a.id IN ({id_query}) AND a.published_at >= ? AND a.id != ?
                ORDER BY a.published_at DESC, a.id LIMIT 50
                """,
                [*params, utc_iso(since), exclude],
            ).fetchall()

    def _entities(self, article_ids: list[int]) -> dict[int, set[str]]:
        """The entities each of these articles mentions, in one read."""
        out: dict[int, set[str]] = {i: set() for i in article_ids}
        marks = ",".join("?" * len(article_ids))
        with self.store.reading() as db:
            for article_id, entity_id in db.execute(
                f"SELECT article_id, entity_id FROM mentions WHERE article_id IN ({marks})",
                article_ids,
            ):
                out[article_id].add(entity_id)
        return out

    def _cached(self, article_id: int, version: str) -> tuple[list[int], set[str]] | None:
        """The cached (signature, entities) of an article, if the cache holds them for the
        text whose content hash is `version` (another process may have changed it)."""
        cached = self._cache.get(article_id)
        if cached is None or cached[0] != version:
            return None
        self._cache.move_to_end(article_id)
        return cached[1], cached[2]

    def remember(
        self, article_id: int, content_hash: str, signature: list[int], entities: set[str]
    ) -> None:
        """Keep an article's story features in memory once the current transaction commits."""
        self.store.after_commit(
            lambda: self._remember(article_id, content_hash, signature, entities)
        )

    def _remember(
        self, article_id: int, content_hash: str, signature: list[int], entities: set[str]
    ) -> None:
        self._cache[article_id] = (content_hash, signature, entities)
        self._cache.move_to_end(article_id)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    def forget(self, article_id: int) -> None:
        """Drop an article's cached story features (its signature or entities are being replaced)."""
        self._cache.pop(article_id, None)

    def save_signature(
        self, article_id: int, published_at: datetime, signature: list[int], bands: list[int]
    ) -> None:
        """Store an article's MinHash signature, and index its band keys."""
        self.forget(article_id)
        with self.store.writing() as db:
            old = (
                None  # a new article has no signature yet
                if self.store.articles.inserted_now(article_id)
                else db.conn.execute(
                    "SELECT signature FROM article_signatures WHERE article_id = ?", [article_id]
                ).fetchone()
            )
            if old is None:
                db.conn.execute(
                    "INSERT INTO article_signatures (article_id, signature) VALUES (?, ?)",
                    [article_id, pack_signature(signature)],
                )
            else:
                self.bands.remove(article_id, stored_keys(old[0]))
                db.conn.execute(
                    "UPDATE article_signatures SET signature = ? WHERE article_id = ?",
                    [pack_signature(signature), article_id],
                )
            self.bands.add(article_id, published_at, bands)

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

    def story_signatures(self, story_id: int, limit: int) -> list[tuple[int, list[int]]]:
        """(id, signature) of the story's oldest `limit` articles, oldest first, leaving out
        those without a signature; from the cache where its copy is of the same text."""
        with self.store.reading() as db:
            rows = db.execute(
                "SELECT id, content_hash FROM articles WHERE story_id = ? "
                "ORDER BY published_at, id LIMIT ?",
                [story_id, limit],
            ).fetchall()
        found: dict[int, list[int]] = {}
        missing = []
        for article_id, version in rows:
            cached = self._cached(article_id, version)
            if cached is not None:
                found[article_id] = cached[0]
            else:
                missing.append(article_id)
        found.update(self.signatures(missing))
        return [(article_id, found[article_id]) for article_id, _ in rows if article_id in found]

    def signatures(self, article_ids: list[int]) -> dict[int, list[int]]:
        """Stored signatures by article id."""
        if not article_ids:
            return {}
        marks = ",".join("?" * len(article_ids))
        with self.store.reading() as db:
            return {
                r[0]: unpack_signature(r[1])
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
