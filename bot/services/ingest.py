"""Turn drafts into stored, analyzed, indexed articles, once each."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Protocol, TypeVar

from bot.clock import Clock
from bot.fetch.clean import strip_markup
from bot.fetch.http import MAX_BYTES
from bot.fetch.urls import canonical_url
from bot.models import ArticleDraft
from bot.nlp.analyzer import analyze
from bot.nlp.language import detect_language
from bot.nlp.normalize import collapse_spaces, fold, strip_controls, strip_invisible
from bot.nlp.summarize import summarize
from bot.seeds import parse_seed_file
from bot.store import Store
from bot.store.articles import ArticleRow

log = logging.getLogger(__name__)
T = TypeVar("T")

SEED_SUFFIXES = frozenset({".txt"})
# Articles analysed together: large enough for the tagger's batching to pay, small enough
# that the first articles of a big feed are stored (and searchable) within a second or two.
ANALYSIS_BATCH = 128
# Most articles per transaction: a commit writes every page the transaction changed, so it
# costs as much as writing a few articles. A transaction ends early when a command waits
# for the connection: the command waits for one article's writes, not for the batch.
WRITE_BATCH = 128
# Longest stored fields, whatever the input (an export may hold a 2 MB "title"). A fetched
# feed is at most MAX_BYTES in all, so no feed article loses body text to BODY_MAX_CHARS;
# names get the 200 characters a source's name gets (SourceService).
TITLE_MAX_CHARS = 300
SUBTITLE_MAX_CHARS = 2_000
BODY_MAX_CHARS = MAX_BYTES
NAME_MAX_CHARS = 200  # source, author, location, each tag
MAX_TAGS = 50


@dataclass
class IngestReport:
    """What one ingest run did."""

    added: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)
    known: list[int] = field(default_factory=list)  # the stored articles found unchanged

    def merge(self, other: IngestReport) -> None:
        self.added += other.added
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejected += other.rejected
        self.known += other.known

    def as_dict(self) -> dict[str, object]:
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "unchanged": self.unchanged,
            "rejected": [{"item": item, "reason": reason} for item, reason in self.rejected],
            "ids": self.added + self.updated,
        }


def clean_line(text: str) -> str:
    """Collapse a single-line field: plain text, no controls, no runs of spaces."""
    return collapse_spaces(strip_controls(strip_invisible(strip_markup(text))).replace("\n", " "))


def clean_body(text: str) -> str:
    """Keep paragraphs as plain text, drop invisible and control characters and blank runs."""
    text = strip_controls(strip_invisible(strip_markup(text)))
    lines = (collapse_spaces(line) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def cut(text: str, limit: int) -> str:
    """Shorten text to at most `limit` characters, at a word boundary where there is one."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ", limit // 2)
    return (head[:space] if space > 0 else head).rstrip() + "…"


def _canonical(url: str | None) -> str | None:
    """The canonical form of an article link, so that utm_* and other spellings are one article.

    None for anything but a usable http(s) URL: the link ends up in an href, where a
    javascript: or data: URL would run.
    """
    if not url or not url.strip():
        return None
    try:
        return canonical_url(url)
    except ValueError:
        return None


def content_hash(title: str, body: str) -> str:
    """Hash of the matching form of the text: the same story re-sent with other spacing is equal."""
    folded = " ".join(fold(f"{title}\n{body}").split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def _replaces(duplicate: tuple[int, str, str], row: ArticleRow) -> bool:
    """Whether `row` is a new text of the stored article `duplicate` (id, content hash, source).

    Only the outlet that brought an article changes its text: another feed linking the same
    page with its own teaser would otherwise swap the two texts at every poll.
    """
    _, stored_hash, stored_source = duplicate
    return stored_hash != row.content_hash and stored_source == row.source


def _batches(items: Iterable[T], size: int) -> Iterable[list[T]]:
    """The items in lists of `size` (itertools.batched is Python 3.12+)."""
    rest = iter(items)
    while batch := list(islice(rest, size)):
        yield batch


class IngestStep(Protocol):
    """Something derived from each article: entities, topics, its story."""

    def prepare_many(self, rows: list[ArticleRow]) -> list[Any]:
        """Analyse a batch of articles (pure, slow, outside any lock): one result per row."""

    def save(self, article_id: int, row: ArticleRow, prepared: Any) -> None:
        """Store what `prepare` found, inside the article's own transaction."""


class IngestService:
    """Analyze drafts and store them, each article with all it derives in one transaction.

    Analysis runs before the transaction, so the database lock is held only for the
    writes. A failing analysis step is logged and the article is stored without it; a
    failing write rolls the whole article back and propagates, so that the caller (a
    feed poll) fails and fetches again: never a half-written article, never a lost one.
    """

    def __init__(self, store: Store, clock: Clock, steps: list[IngestStep] | None = None) -> None:
        self.store = store
        self.clock = clock
        # Order matters: stories compare the entities an article mentions.
        self.steps = steps or []

    def _row(self, draft: ArticleDraft) -> ArticleRow:
        title = cut(clean_line(draft.title), TITLE_MAX_CHARS)
        body = cut(clean_body(draft.body), BODY_MAX_CHARS)
        subtitle = cut(clean_line(draft.subtitle), SUBTITLE_MAX_CHARS)
        if not title and not body:
            raise ValueError("no title and no text")
        if not title:
            title = cut(body.split("\n", 1)[0], TITLE_MAX_CHARS)
        language = draft.language or detect_language(f"{title}\n{subtitle}\n{body}")
        return ArticleRow(
            title=title,
            body=body,
            subtitle=subtitle,
            summary="",
            url=_canonical(draft.url),
            guid=draft.guid or None,
            source=cut(clean_line(draft.source), NAME_MAX_CHARS),
            language=language,
            location=cut(clean_line(draft.location), NAME_MAX_CHARS),
            author=cut(clean_line(draft.author), NAME_MAX_CHARS),
            tags=[
                cut(tag, NAME_MAX_CHARS) for tag in map(clean_line, draft.tags[:MAX_TAGS]) if tag
            ],
            published_at=draft.published_at or self.clock.now(),
            date_source=draft.date_source if draft.published_at else "ingest",
            content_hash=content_hash(title, body),
            raw=draft.raw,
            index_title="",
            index_subtitle="",
            index_body="",
            source_topics=list(draft.topics),
        )

    def _analyze(self, rows: list[ArticleRow]) -> list[list[Any]]:
        """Fill in each row's summary and index text; return what each step prepared for each
        row (None where it failed)."""
        for row in rows:
            try:
                row.summary = (
                    summarize(row.title, row.body, row.language, subtitle=row.subtitle) or ""
                )
            except Exception:  # a summary is a nicety; the article still goes in
                log.exception("summary failed for %r", row.title[:80])
            row.index_title = analyze(row.title, row.language)
            row.index_subtitle = analyze(row.subtitle, row.language)
            row.index_body = analyze(row.body, row.language)
        by_step = [self._prepare(step, rows) for step in self.steps]
        return [[prepared[k] for prepared in by_step] for k in range(len(rows))]

    def _prepare(self, step: IngestStep, rows: list[ArticleRow]) -> list[Any]:
        """One step's results for a batch; when the batch fails, row by row, so that one bad
        article costs only its own result."""
        try:
            prepared = step.prepare_many(rows)
            if len(prepared) != len(rows):
                raise RuntimeError(f"{len(prepared)} results for {len(rows)} articles")
            return prepared
        except Exception:
            if len(rows) > 1:
                return [self._prepare(step, [row])[0] for row in rows]
            log.exception(
                "%s failed on %r; stored without it", type(step).__name__, rows[0].title[:80]
            )
            return [None]

    def ingest(self, drafts: Iterable[ArticleDraft], label: str = "") -> IngestReport:
        """Store each draft once: new ones are added, changed ones updated, the rest left alone.

        Drafts are analysed in batches (the entity tagger is far faster per article that way),
        then written up to a batch per transaction, ended early when a command waits for the
        connection: each article whole or not at all.
        """
        report = IngestReport()
        seen: set[tuple[str, str | None]] = set()  # the links and guids met so far
        for batch in _batches(drafts, ANALYSIS_BATCH):
            fresh = [row for draft in batch if (row := self._fresh(draft, label, report, seen))]
            analysed = list(zip(fresh, self._analyze(fresh), strict=True))
            for outcome in self._write(analysed):
                if outcome is None:
                    report.unchanged += 1
                else:
                    added, article_id = outcome
                    (report.added if added else report.updated).append(article_id)
        return report

    def _write(self, analysed: list[tuple[ArticleRow, list[Any]]]) -> list[tuple[bool, int] | None]:
        """Store analysed articles, up to WRITE_BATCH per transaction; a transaction ends
        early, after any article, when another thread waits for the connection."""
        outcomes: list[tuple[bool, int] | None] = []
        while len(outcomes) < len(analysed):
            # A database error propagates: the caller (a poll) fails and tries again later,
            # where a swallowed one would lose the article for good.
            with self.store.writing():
                for row, prepared in analysed[len(outcomes) : len(outcomes) + WRITE_BATCH]:
                    outcomes.append(self._store(row, prepared))
                    if self.store.contended():
                        break
            if self.store.open_transaction is None:  # committed, not inside a caller's
                self.store.let_waiting_in()
        return outcomes

    def _fresh(
        self,
        draft: ArticleDraft,
        label: str,
        report: IngestReport,
        seen: set[tuple[str, str | None]],
    ) -> ArticleRow | None:
        """The draft's row if it is new or changed; else None, counted in the report."""
        name = label or draft.url or draft.title[:80]
        try:
            row = self._row(draft)
        except ValueError as error:
            log.warning("rejected %s: %s", name, error)
            report.rejected.append((name, str(error)))
            return None
        # One link (or one source's guid) twice in the same run, "?utm_source=x" and all: the
        # second copy would replace the first, and the first the second at the next poll.
        keys = {("url", row.url), (row.source, row.guid)} - {("url", None), (row.source, None)}
        if keys & seen:
            report.rejected.append((name, "duplicate item"))
            return None
        seen |= keys
        # Cheap check first: an unchanged article is not analysed again.
        duplicate = self.store.articles.find_duplicate(
            row.url, row.source, row.guid, row.content_hash
        )
        if duplicate is not None and not _replaces(duplicate, row):
            report.unchanged += 1
            report.known.append(duplicate[0])
            return None
        return row

    def _store(self, row: ArticleRow, prepared: list[Any]) -> tuple[bool, int] | None:
        """Write the article and all its steps in one transaction; (added?, id), or None if unchanged."""
        now = self.clock.now()
        with self.store.writing():
            # Checked again inside the transaction: another writer may have stored it meanwhile.
            duplicate = self.store.articles.find_duplicate(
                row.url, row.source, row.guid, row.content_hash
            )
            if duplicate is None:
                article_id, added = self.store.articles.insert(row, now), True
            elif _replaces(duplicate, row):
                article_id, added = duplicate[0], False
                self.store.articles.update(article_id, row, now)
            else:
                return None
            for step, data in zip(self.steps, prepared, strict=True):
                if data is not None:
                    step.save(article_id, row, data)
        return added, article_id

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
        """Ingest one file; every record it skips is in the report's `rejected`, with why."""
        skipped: list[tuple[str, str]] = []
        try:
            if path.suffix.lower() in SEED_SUFFIXES:
                drafts = [parse_seed_file(path, now=self.clock.now())]
            else:
                from bot.fetch.files import parse_file_report

                result = parse_file_report(path, now=self.clock.now())
                drafts = result.drafts
                skipped = [(where, reason) for reason, where in result.rejected]
        except Exception as error:
            log.warning("could not read %s: %s", path, error)
            return IngestReport(rejected=[(str(path), str(error))])
        for where, reason in skipped:
            log.warning("rejected %s: %s", where, reason)
        report = self.ingest(drafts, label="" if len(drafts) > 1 else str(path))
        report.rejected[:0] = skipped
        return report
