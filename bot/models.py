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
