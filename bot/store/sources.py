"""The feeds the bot polls: their settings, conditional-request state and health."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.store.db import parse_utc, utc_iso

if TYPE_CHECKING:
    from bot.store.db import Store


@dataclass
class Source:
    """One stored feed and what the poller knows of it."""

    id: int
    name: str
    url: str
    language: str | None = None
    topics: list[str] = field(default_factory=list)
    interval_minutes: int = 10
    fetch_full_text: bool = False
    paused: bool = False
    etag: str | None = None
    last_modified: str | None = None
    next_poll_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    failing_since: datetime | None = None
    consecutive_failures: int = 0
    unhealthy_notified: bool = False
    article_count: int = 0
    created_at: datetime | None = None


def _source(row: dict[str, Any]) -> Source:
    return Source(
        id=row["id"],
        name=row["name"],
        url=row["url"],
        language=row["language"],
        topics=json.loads(row["topics"] or "[]"),
        interval_minutes=row["interval_minutes"],
        fetch_full_text=bool(row["fetch_full_text"]),
        paused=bool(row["paused"]),
        etag=row["etag"],
        last_modified=row["last_modified"],
        next_poll_at=parse_utc(row["next_poll_at"]),
        last_success_at=parse_utc(row["last_success_at"]),
        last_error=row["last_error"],
        last_error_at=parse_utc(row["last_error_at"]),
        failing_since=parse_utc(row["failing_since"]),
        consecutive_failures=row["consecutive_failures"],
        unhealthy_notified=bool(row["unhealthy_notified"]),
        article_count=row["article_count"],
        created_at=parse_utc(row["created_at"]),
    )


class SourceRepo:
    """Reads and writes the sources table (and which seed sources were already offered)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add(
        self,
        *,
        name: str,
        url: str,
        language: str | None,
        topics: list[str],
        interval_minutes: int,
        fetch_full_text: bool,
        now: datetime,
        paused: bool = False,
        next_poll_at: datetime | None = None,
    ) -> int:
        """Store a new source (polled first at `next_poll_at`, default now); return its id."""
        with self.store.writing() as db:
            cursor = db.execute(
                """
                INSERT INTO sources (name, url, language, topics, interval_minutes,
                    fetch_full_text, paused, next_poll_at, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    name,
                    url,
                    language,
                    json.dumps(topics, ensure_ascii=False),
                    interval_minutes,
                    int(fetch_full_text),
                    int(paused),
                    utc_iso(next_poll_at or now),
                    utc_iso(now),
                ],
            )
            return int(cursor.lastrowid or 0)

    def get(self, source_id: int) -> Source | None:
        """Return one source, or None."""
        with self.store.reading() as db:
            rows = list(db.query("SELECT * FROM sources WHERE id = ?", [source_id]))
        return _source(rows[0]) if rows else None

    def all(self) -> list[Source]:
        """Return every source, oldest first."""
        with self.store.reading() as db:
            return [_source(r) for r in db.query("SELECT * FROM sources ORDER BY id")]

    def count(self) -> int:
        """Return how many sources are stored."""
        with self.store.reading() as db:
            return int(db.execute("SELECT count(*) FROM sources").fetchone()[0])

    def remove(self, source_id: int) -> bool:
        """Delete a source; its articles stay, no longer linked to it. False if there was none."""
        with self.store.writing() as db:
            db.execute("UPDATE articles SET source_id = NULL WHERE source_id = ?", [source_id])
            cursor = db.execute("DELETE FROM sources WHERE id = ?", [source_id])
            return cursor.rowcount > 0

    def set_paused(
        self, source_id: int, paused: bool, next_poll_at: datetime | None = None
    ) -> bool:
        """Pause or resume a source (a resumed one is polled at `next_poll_at`); False if none."""
        with self.store.writing() as db:
            cursor = db.execute(
                "UPDATE sources SET paused = ?, next_poll_at = coalesce(?, next_poll_at) WHERE id = ?",
                [int(paused), utc_iso(next_poll_at) if next_poll_at else None, source_id],
            )
            return cursor.rowcount > 0

    def due(self, now: datetime, limit: int | None = None) -> list[Source]:
        """Return the unpaused sources whose next poll is at or before `now`, most overdue first."""
        sql = (
            "SELECT * FROM sources WHERE paused = 0 AND (next_poll_at IS NULL OR next_poll_at <= ?) "
            "ORDER BY next_poll_at, id"
        )
        params: list[Any] = [utc_iso(now)]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        with self.store.reading() as db:
            return [_source(r) for r in db.query(sql, params)]

    def record_success(
        self,
        source_id: int,
        *,
        now: datetime,
        etag: str | None,
        last_modified: str | None,
        next_poll_at: datetime,
        new_articles: int,
    ) -> None:
        """A poll worked (200 or 304): keep the validators, clear the failure state."""
        with self.store.writing() as db:
            db.execute(
                """
                UPDATE sources SET etag = ?, last_modified = ?, next_poll_at = ?,
                    last_success_at = ?, failing_since = NULL, consecutive_failures = 0,
                    unhealthy_notified = 0, article_count = article_count + ?
                WHERE id = ?
                """,
                [etag, last_modified, utc_iso(next_poll_at), utc_iso(now), new_articles, source_id],
            )

    def record_failure(
        self, source_id: int, *, now: datetime, error: str, next_poll_at: datetime
    ) -> Source | None:
        """A poll failed: count it, remember since when it fails, and return the updated source."""
        with self.store.writing() as db:
            db.execute(
                """
                UPDATE sources SET last_error = ?, last_error_at = ?, next_poll_at = ?,
                    failing_since = coalesce(failing_since, ?),
                    consecutive_failures = consecutive_failures + 1
                WHERE id = ?
                """,
                [error[:500], utc_iso(now), utc_iso(next_poll_at), utc_iso(now), source_id],
            )
        return self.get(source_id)

    def mark_unhealthy_notified(self, source_id: int) -> None:
        """Remember that the admins were told this source is unhealthy (told once per outage)."""
        with self.store.writing() as db:
            db.execute("UPDATE sources SET unhealthy_notified = 1 WHERE id = ?", [source_id])

    def link_articles(self, source_id: int, article_ids: list[int]) -> int:
        """Record which source brought these articles (ones already linked keep their source);
        return how many were linked now."""
        if not article_ids:
            return 0
        marks = ",".join("?" * len(article_ids))
        with self.store.writing() as db:
            cursor = db.execute(
                f"UPDATE articles SET source_id = ? WHERE source_id IS NULL AND id IN ({marks})",
                [source_id, *article_ids],
            )
            return cursor.rowcount

    def seeded(self) -> set[str]:
        """Return the seed-file URLs already offered once."""
        with self.store.reading() as db:
            return {row[0] for row in db.execute("SELECT url FROM source_seeds")}

    def mark_seeded(self, url: str, now: datetime) -> None:
        """Remember that a seed-file URL was offered (added, or skipped as already present)."""
        with self.store.writing() as db:
            db.execute(
                "INSERT OR IGNORE INTO source_seeds (url, seeded_at) VALUES (?, ?)",
                [url, utc_iso(now)],
            )
