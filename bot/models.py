"""Plain values passed between the layers: no Telegram, no SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class ArticleDraft:
    """An article as a source gives it, before it is stored.

    `published_at` is timezone-aware UTC or None; `date_source` says where it came
    from ("article", "feed", "file_mtime", "ingest") so a guessed date is never
    presented as the agency's own.
    """

    title: str
    body: str = ""
    subtitle: str = ""
    url: str | None = None
    guid: str | None = None
    source: str = ""
    language: str | None = None
    location: str = ""
    author: str = ""
    tags: list[str] = field(default_factory=list)
    published_at: datetime | None = None
    date_source: str = "article"
    raw: str | None = None
    # Topic ids the source is known for (its configured topics): a hint for the classifier.
    topics: list[str] = field(default_factory=list)


@dataclass
class Article:
    """A stored article, as services and renderers see it."""

    id: int
    title: str
    body: str
    subtitle: str = ""
    summary: str = ""
    url: str | None = None
    source: str = ""
    language: str = "unknown"
    location: str = ""
    author: str = ""
    tags: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    published_at: datetime | None = None
    date_source: str = "article"
    ingested_at: datetime | None = None
    story_id: int | None = None


@dataclass
class Chat:
    """A Telegram chat the bot knows, with its preferences."""

    id: int
    type: str = "private"
    title: str = ""
    language: str | None = None
    timezone: str | None = None
    active: bool = True
    created_at: datetime | None = None


@dataclass
class SearchHit:
    """One search result: the article and a snippet with highlight spans (offsets into snippet)."""

    article: Article
    snippet: str
    highlights: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class SearchPage:
    """A page of search results."""

    query: str
    hits: list[SearchHit]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))
