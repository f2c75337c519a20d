"""Poll the due sources: conditional fetch, parse and ingest off the event loop, back off on failure."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from bot.clock import Clock
from bot.fetch.extract import extract_article
from bot.fetch.feeds import ParseResult, parse_feed
from bot.fetch.http import FetchResult, fetch
from bot.models import ArticleDraft
from bot.services.ingest import IngestReport, IngestService
from bot.services.sources import FeedHttp, health
from bot.store import Store
from bot.store.sources import Source

log = logging.getLogger(__name__)

CONCURRENCY = 8
MAX_BACKOFF = timedelta(hours=6)
# The longest wait a server's Retry-After may ask for; longer asks are read as this.
MAX_RETRY_AFTER = timedelta(hours=24)
# A body shorter than this is a teaser worth expanding, for sources set to fetch_full_text.
TEASER_CHARS = 400
FULL_TEXT_PER_POLL = 10  # article pages fetched per source per poll, to stay polite

Status = Literal["ok", "not_modified", "error"]


@dataclass
class SourcePoll:
    """What one poll of one source did."""

    source_id: int
    name: str
    status: Status
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None
    next_poll_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "source_id": self.source_id,
            "name": self.name,
            "status": self.status,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": [{"item": item, "reason": reason} for item, reason in self.rejected],
            "error": self.error,
            "next_poll_at": self.next_poll_at.isoformat() if self.next_poll_at else None,
        }


@dataclass
class PollReport:
    """What one poll cycle did, and which sources the admins should hear about."""

    polls: list[SourcePoll] = field(default_factory=list)
    newly_unhealthy: list[Source] = field(default_factory=list)  # failing 24 h, admins not told yet
    recovered: list[Source] = field(default_factory=list)  # admins were told; it works again

    @property
    def added(self) -> int:
        return sum(p.added for p in self.polls)

    def as_dict(self) -> dict[str, Any]:
        return {
            "polled": len(self.polls),
            "added": self.added,
            "updated": sum(p.updated for p in self.polls),
            "failed": sum(p.status == "error" for p in self.polls),
            "sources": [p.as_dict() for p in self.polls],
            "unhealthy": [
                {"id": s.id, "name": s.name, "error": s.last_error} for s in self.newly_unhealthy
            ],
            "recovered": [{"id": s.id, "name": s.name} for s in self.recovered],
        }


def backoff(interval_minutes: int, failures: int, cap: timedelta = MAX_BACKOFF) -> timedelta:
    """The wait after `failures` failures in a row: the interval doubled each time, capped."""
    interval = timedelta(minutes=interval_minutes)
    if failures <= 0:
        return interval
    # The cap never shortens a source's own interval (a daily feed stays daily).
    return min(interval * 2 ** min(failures, 16), max(cap, interval))


def _feed_failure(parsed: ParseResult, url: str) -> str | None:
    """Why a document yielded no usable feed at all, or None (an empty feed is not a failure)."""
    if parsed.drafts:
        return None
    document_level = [reason for reason, item in parsed.rejected if item == url]
    if not parsed.version:
        return document_level[0] if document_level else "not a feed"
    bad = [r for r in document_level if r != "feed has no items"]
    return bad[0] if bad else None


class Poller:
    """Polls due sources with bounded concurrency; ingestion runs in a worker thread."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        ingest: IngestService,
        http: FeedHttp,
        *,
        concurrency: int = CONCURRENCY,
        max_backoff: timedelta = MAX_BACKOFF,
    ) -> None:
        self.store = store
        self.clock = clock
        self.ingest = ingest
        self.http = http
        self.concurrency = concurrency
        self.max_backoff = max_backoff
        # The pipeline is CPU-bound Python: one batch at a time is as fast and keeps a core free.
        self._ingest_lock = asyncio.Lock()

    async def poll_due(self) -> PollReport:
        """Poll every source whose time has come, at most `concurrency` at once."""
        due = self.store.sources.due(self.clock.now())
        report = PollReport()
        if not due:
            return report
        limit = asyncio.Semaphore(self.concurrency)

        async def one(source: Source) -> SourcePoll | None:
            async with limit:
                # Read again once its turn comes: an admin may have paused or removed it
                # while earlier sources were polled.
                current = self._unchanged(source)
                if current is None or current.paused:
                    return None
                return await self.poll_source(current, report)

        polls = await asyncio.gather(*(one(s) for s in due))
        report.polls = [poll for poll in polls if poll is not None]
        return report

    def _unchanged(self, source: Source) -> Source | None:
        """The source as stored now, or None if it was removed (its id may belong to a newer
        source by now: ids of removed sources are given out again)."""
        current = self.store.sources.get(source.id)
        if current is None or (current.url, current.created_at) != (source.url, source.created_at):
            return None
        return current

    async def poll_source(self, source: Source, report: PollReport | None = None) -> SourcePoll:
        """Poll one source and record the outcome; never raises."""
        report = report if report is not None else PollReport()
        now = self.clock.now()
        try:
            result = await fetch(
                self.http.client,
                source.url,
                etag=source.etag,
                last_modified=source.last_modified,
                **self.http.safety,
            )
            if result.status == "error":
                retry_after = timedelta(seconds=result.retry_after or 0)
                error = result.error or "fetch failed"
                return self._failed(source, now, error, report, retry_after)
            if result.status == "not_modified":
                return self._succeeded(source, now, result, IngestReport(), report, "not_modified")
            parsed = await asyncio.to_thread(
                parse_feed,
                result.content,
                url=result.final_url,
                content_type=result.content_type,
                source=source.name,
                language=source.language,
                now=now,
            )
            failure = _feed_failure(parsed, result.final_url)
            if failure:
                return self._failed(source, now, failure, report)
            for reason, item in parsed.rejected:
                log.info(
                    "source #%d %s: item rejected (%s): %s", source.id, source.name, reason, item
                )
            drafts = [replace(d, topics=list(source.topics)) for d in parsed.drafts]
            if source.fetch_full_text:
                drafts = await self._expand(source, drafts)
            async with self._ingest_lock:
                ingested = await asyncio.to_thread(self.ingest.ingest, drafts)
            # ParseResult lists (reason, item); reports list (item, reason).
            unparsed = [(item, reason) for reason, item in parsed.rejected]
            ingested.rejected = unparsed + ingested.rejected
            return self._succeeded(source, now, result, ingested, report, "ok")
        except Exception as error:  # one bad source never stops the cycle
            log.exception("polling source #%d %s failed", source.id, source.name)
            return self._failed(source, now, f"{type(error).__name__}: {error}", report)

    async def _expand(self, source: Source, drafts: list[ArticleDraft]) -> list[ArticleDraft]:
        """Replace teasers of new items with the article page's text; known items are left out.

        A stored item came in expanded: its teaser again would count as changed text.
        """
        fresh = [
            d
            for d in drafts
            if self.store.articles.find_duplicate(d.url, d.source, d.guid, "") is None
        ]
        budget = FULL_TEXT_PER_POLL
        for draft in fresh:
            if budget <= 0 or not draft.url or len(draft.body) >= TEASER_CHARS:
                continue
            budget -= 1
            text = await extract_article(
                self.http.client, draft.url, language=source.language, **self.http.safety
            )
            if text and len(text) > len(draft.body):
                draft.subtitle = draft.subtitle or draft.body
                draft.body = text
        return fresh

    def _next(self, source: Source, now: datetime, failures: int) -> datetime:
        return now + backoff(source.interval_minutes, failures, self.max_backoff)

    def _succeeded(
        self,
        source: Source,
        now: datetime,
        result: FetchResult,
        ingested: IngestReport,
        report: PollReport,
        status: Status,
    ) -> SourcePoll:
        next_poll_at = self._next(source, now, 0)
        if self._unchanged(source) is None:  # removed while it was polled: nothing to record
            return self._gone(source, "ok")
        # Known articles too: those a poll cut short (a killed process) had stored came back
        # as unchanged, and were never linked or counted. Linked ones keep their source.
        linked = self.store.sources.link_articles(
            source.id, ingested.added + ingested.updated + ingested.known
        )
        self.store.sources.record_success(
            source.id,
            now=now,
            etag=result.etag,
            last_modified=result.last_modified,
            next_poll_at=next_poll_at,
            new_articles=linked,
        )
        if source.unhealthy_notified:
            report.recovered.append(self.store.sources.get(source.id) or source)
        log.info(
            "source #%d %s: %s, %d added, %d updated, %d rejected",
            source.id,
            source.name,
            status,
            len(ingested.added),
            len(ingested.updated),
            len(ingested.rejected),
        )
        return SourcePoll(
            source.id,
            source.name,
            status,
            added=len(ingested.added),
            updated=len(ingested.updated),
            unchanged=ingested.unchanged,
            rejected=ingested.rejected,
            next_poll_at=next_poll_at,
        )

    def _gone(self, source: Source, status: Status) -> SourcePoll:
        log.info("source #%d %s was removed while polled; nothing recorded", source.id, source.name)
        return SourcePoll(source.id, source.name, status)

    def _failed(
        self,
        source: Source,
        now: datetime,
        error: str,
        report: PollReport,
        retry_after: timedelta = timedelta(0),
    ) -> SourcePoll:
        # A server that says when to come back (429, 503 with Retry-After) is taken at its word.
        wait = min(retry_after, MAX_RETRY_AFTER)
        next_poll_at = max(self._next(source, now, source.consecutive_failures + 1), now + wait)
        if self._unchanged(source) is None:
            return self._gone(source, "error")
        updated = self.store.sources.record_failure(
            source.id, now=now, error=error, next_poll_at=next_poll_at
        )
        log.warning(
            "source #%d %s failed (%s); next try %s", source.id, source.name, error, next_poll_at
        )
        if (
            updated is not None
            and not updated.unhealthy_notified
            and health(updated, now) == "unhealthy"
        ):
            report.newly_unhealthy.append(updated)
        return SourcePoll(source.id, source.name, "error", error=error, next_poll_at=next_poll_at)
