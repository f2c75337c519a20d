"""Turn drafts into stored, analyzed, indexed articles, once each."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.clock import Clock
from bot.fetch.urls import canonical_url
from bot.models import ArticleDraft
from bot.nlp.analyzer import analyze
from bot.nlp.language import detect_language
from bot.nlp.normalize import fold, strip_invisible
from bot.nlp.summarize import summarize
from bot.seeds import parse_seed_file
from bot.store import Store
from bot.store.articles import ArticleRow

log = logging.getLogger(__name__)

_SPACES = re.compile(r"[ \t\u00a0]+")
SEED_SUFFIXES = frozenset({".txt"})


@dataclass
class IngestReport:
    """What one ingest run did."""

    added: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)

    def merge(self, other: IngestReport) -> None:
        self.added += other.added
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejected += other.rejected

    def as_dict(self) -> dict[str, object]:
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "unchanged": self.unchanged,
            "rejected": [{"item": item, "reason": reason} for item, reason in self.rejected],
            "ids": self.added + self.updated,
        }


def clean_line(text: str) -> str:
    """Collapse a single-line field: no controls, no runs of spaces."""
    return _SPACES.sub(" ", strip_invisible(text).replace("\n", " ")).strip()


def clean_body(text: str) -> str:
    """Keep paragraphs, drop invisible characters and blank runs."""
    lines = (_SPACES.sub(" ", line).strip() for line in strip_invisible(text).splitlines())
    return "\n".join(line for line in lines if line)


def _canonical(url: str | None) -> str | None:
    """The canonical form of an article link, so that utm_* and other spellings are one article."""
    if not url or not url.strip():
        return None
    try:
        return canonical_url(url)
    except ValueError:
        return url.strip()  # not http(s): kept as given, still a dedupe key


def content_hash(title: str, body: str) -> str:
    """Hash of the matching form of the text: the same story re-sent with other spacing is equal."""
    folded = " ".join(fold(f"{title}\n{body}").split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


class IngestService:
    """Analyze drafts and store them; a failing step on one article never stops the batch."""

    def __init__(self, store: Store, clock: Clock, after_store: list | None = None) -> None:
        self.store = store
        self.clock = clock
        # Steps that derive more from a stored article (entities, topics, stories).
        self.after_store = after_store or []

    def _row(self, draft: ArticleDraft) -> ArticleRow:
        title = clean_line(draft.title)
        body = clean_body(draft.body)
        subtitle = clean_line(draft.subtitle)
        if not title and not body:
            raise ValueError("no title and no text")
        if not title:
            title = body.split("\n", 1)[0][:200]
        language = draft.language or detect_language(f"{title}\n{subtitle}\n{body}")
        try:
            summary = summarize(title, body, language, subtitle=subtitle) or ""
        except Exception:  # a summary is a nicety; the article still goes in
            log.exception("summary failed for %r", title[:80])
            summary = ""
        return ArticleRow(
            title=title,
            body=body,
            subtitle=subtitle,
            summary=summary,
            url=_canonical(draft.url),
            guid=draft.guid or None,
            source=clean_line(draft.source),
            language=language,
            location=clean_line(draft.location),
            author=clean_line(draft.author),
            tags=[clean_line(tag) for tag in draft.tags if clean_line(tag)],
            published_at=draft.published_at or self.clock.now(),
            date_source=draft.date_source if draft.published_at else "ingest",
            content_hash=content_hash(title, body),
            raw=draft.raw,
            index_title=analyze(title, language),
            index_subtitle=analyze(subtitle, language),
            index_body=analyze(body, language),
            source_topics=list(draft.topics),
        )

    def ingest(self, drafts: Iterable[ArticleDraft], label: str = "") -> IngestReport:
        """Store each draft once: new ones are added, changed ones updated, the rest left alone."""
        report = IngestReport()
        for draft in drafts:
            name = label or draft.url or draft.title[:80]
            try:
                row = self._row(draft)
            except Exception as error:
                log.warning("rejected %s: %s", name, error)
                report.rejected.append((name, str(error)))
                continue
            now = self.clock.now()
            duplicate = self.store.articles.find_duplicate(row.url, row.source, row.guid, row.content_hash)
            if duplicate is None:
                article_id = self.store.articles.insert(row, now)
                report.added.append(article_id)
            elif duplicate[1] != row.content_hash:
                article_id = duplicate[0]
                self.store.articles.update(article_id, row, now)
                report.updated.append(article_id)
            else:
                report.unchanged += 1
                continue
            for step in self.after_store:
                try:
                    step(article_id, row)
                except Exception:
                    log.exception("post-ingest step %s failed for article %s", step, article_id)
        return report

    def ingest_paths(self, paths: Iterable[Path]) -> IngestReport:
        """Ingest seed files, export files and feed files, or every such file in a folder."""
        from bot.fetch.files import FEED_SUFFIXES, JSON_SUFFIXES

        readable = SEED_SUFFIXES | FEED_SUFFIXES | JSON_SUFFIXES
        report = IngestReport()
        for path in paths:
            # In a folder, only article files: a sources.toml or README beside them is not news.
            files = (
                sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in readable)
                if path.is_dir()
                else [path]
            )
            for file in files:
                report.merge(self._ingest_file(file))
        return report

    def _ingest_file(self, path: Path) -> IngestReport:
        try:
            if path.suffix.lower() in SEED_SUFFIXES:
                drafts = [parse_seed_file(path)]
            else:
                from bot.fetch.files import parse_file

                drafts = parse_file(path)
        except Exception as error:
            log.warning("could not read %s: %s", path, error)
            return IngestReport(rejected=[(str(path), str(error))])
        return self.ingest(drafts, label="" if len(drafts) > 1 else str(path))
