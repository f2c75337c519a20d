"""Topics: assigned to every article at ingest."""

from __future__ import annotations

from bot.nlp.topics import classify
from bot.store import Store
from bot.store.articles import ArticleRow


class TopicService:
    """Classifies articles into the topic taxonomy."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def record_article(self, article_id: int, row: ArticleRow, source_topics: list[str] | None = None) -> None:
        """Assign and store an article's topics, best first; the source's own topics are a hint."""
        text = "\n".join([row.title, row.subtitle, row.body])
        hints = source_topics if source_topics is not None else row.source_topics
        self.store.topics.set_topics(article_id, classify(text, row.language, row.tags, hints or []))
