"""Topics: assigned to every article at ingest."""

from __future__ import annotations

from bot.nlp.topics import classify
from bot.store import Store
from bot.store.articles import ArticleRow, indexed_terms


class TopicService:
    """Classifies articles into the topic taxonomy (an ingest step)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def prepare(self, row: ArticleRow) -> list[str]:
        """The article's topics, best first; the source's own topics are a hint."""
        text = "\n".join([row.title, row.subtitle, row.body])
        return classify(text, row.language, row.tags, row.source_topics, terms=indexed_terms(row))

    def prepare_many(self, rows: list[ArticleRow]) -> list[list[str]]:
        """`prepare` of each article."""
        return [self.prepare(row) for row in rows]

    def save(self, article_id: int, row: ArticleRow, topics: list[str]) -> None:
        """Store the article's topics."""
        self.store.topics.set_topics(article_id, topics)
