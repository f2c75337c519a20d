"""The topics assigned to each article."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.store.db import Store


class TopicRepo:
    """Reads and writes article_topics."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def set_topics(self, article_id: int, topics: list[str]) -> None:
        """Replace an article's topics (best first)."""
        with self.store.writing() as db:
            if not self.store.articles.inserted_now(article_id):  # a new one has none
                db.execute("DELETE FROM article_topics WHERE article_id = ?", [article_id])
            db.conn.executemany(
                "INSERT INTO article_topics (article_id, topic, rank) VALUES (?, ?, ?)",
                [(article_id, topic, rank) for rank, topic in enumerate(dict.fromkeys(topics))],
            )

    def topics_of(self, article_ids: list[int]) -> dict[int, list[str]]:
        """Each article's topics, best first."""
        if not article_ids:
            return {}
        marks = ",".join("?" * len(article_ids))
        result: dict[int, list[str]] = {i: [] for i in article_ids}
        with self.store.reading() as db:
            for article_id, topic in db.execute(
                f"SELECT article_id, topic FROM article_topics WHERE article_id IN ({marks}) ORDER BY article_id, rank",
                article_ids,
            ):
                result[article_id].append(topic)
        return result
