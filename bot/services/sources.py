"""The news sources: seeding, adding (validated), pausing, removing, OPML in and out, health."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from bot.clock import Clock
from bot.errors import BadInput, NotFound
from bot.fetch.discover import discover_feed
from bot.fetch.feeds import parse_feed
from bot.fetch.http import fetch, make_client
from bot.fetch.opml import (
    NAME_MAX_CHARS,
    OpmlError,
    OpmlSource,
    build_opml,
    clean_name,
    parse_opml,
)
from bot.fetch.safety import PrivateAddress, Resolver, UnsafeURL, check_url
from bot.fetch.sources import LANGUAGES, TOPICS, SourceConfig, load_sources_report
from bot.fetch.urls import canonical_url
from bot.store import Store
from bot.store.sources import Source

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 15  # minutes, for sources added by hand or from OPML
UNHEALTHY_AFTER = timedelta(hours=24)
MAX_OPML_SOURCES = 1000

Health = Literal["paused", "new", "ok", "failing", "unhealthy"]


class FeedHttp:
    """The one httpx.AsyncClient the feed side shares: opened on first use, closed at shutdown."""

    def __init__(self, *, allow_private: bool, resolver: Resolver | None = None) -> None:
        self.allow_private = allow_private
        self.resolver = resolver  # tests may point host names at 127.0.0.1
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None or self._client.is_closed:
            self._client = make_client()
        return self._client

    @property
    def safety(self) -> dict[str, Any]:
        """Keyword arguments every fetch takes: whether private addresses are allowed, the resolver."""
        return {"allow_private": self.allow_private, "resolver": self.resolver}

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


@dataclass
class ImportReport:
    """What an OPML import did."""

    added: list[Source] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)


@dataclass
class SeedReport:
    """What seeding from sources.toml did: sources added, entries skipped (why), or why not read."""

    added: int = 0
    skipped: list[str] = field(default_factory=list)
    unreadable: str | None = None


def health(source: Source, now: datetime) -> Health:
    """Say how a source is doing: unhealthy once it has failed for 24 hours without a success."""
    if source.paused:
        return "paused"
    if source.failing_since is not None:
        return "unhealthy" if now - source.failing_since >= UNHEALTHY_AFTER else "failing"
    return "ok" if source.last_success_at else "new"


def _url_key(url: str) -> str:
    """The spelling two URLs of the same feed share."""
    try:
        return canonical_url(url)
    except ValueError:
        return url.strip()


def _known_topics(topics: list[str]) -> list[str]:
    """Keep the taxonomy's topic ids (OPML folders may be anything), in order, once each."""
    out: list[str] = []
    for topic in topics:
        topic = topic.strip().lower()
        if topic in TOPICS and topic not in out:
            out.append(topic)
    return out


def parse_topics(words: list[str]) -> list[str]:
    """Read topic ids typed after /addsource ("world, economy" or "world economy"); raise BadInput."""
    topics = [w.strip().lower() for part in words for w in part.split(",") if w.strip()]
    unknown = [w for w in topics if w not in TOPICS]
    if unknown:
        raise BadInput(
            "source_bad_topics", topics=", ".join(unknown), known=", ".join(sorted(TOPICS))
        )
    return list(dict.fromkeys(topics))


class SourceService:
    """Manages the sources table; validating a new feed is the only network use here."""

    def __init__(self, store: Store, clock: Clock, http: FeedHttp) -> None:
        self.store = store
        self.clock = clock
        self.http = http

    # -- reading ---------------------------------------------------------------------------------

    def all(self) -> list[Source]:
        """Every source with its health fields (last success, last error, article count, paused)."""
        return self.store.sources.all()

    def get(self, source_id: int) -> Source:
        """One source; raise NotFound."""
        source = self.store.sources.get(source_id)
        if source is None:
            raise NotFound("source_not_found", id=source_id)
        return source

    def health(self, source: Source) -> Health:
        return health(source, self.clock.now())

    def _find(self, url: str) -> Source | None:
        key = _url_key(url)
        return next((s for s in self.store.sources.all() if _url_key(s.url) == key), None)

    # -- seeding ---------------------------------------------------------------------------------

    def seed(self, path: Path) -> int:
        """Add the seed file's sources not offered before; return how many were added.

        Each seed URL is offered once: a source the admin removed or changed stays so.
        """
        return self.seed_report(path).added

    def seed_report(self, path: Path) -> SeedReport:
        """Seed as `seed` does; say which entries were skipped and why (each is logged)."""
        report = SeedReport()
        if not path.is_file():
            return report
        try:
            configs, problems = load_sources_report(path)
        except (OSError, ValueError) as error:  # tomllib.TOMLDecodeError is a ValueError
            log.error("cannot read %s: %s", path, error)
            report.unreadable = f"cannot read {path}: {error}"
            return report
        for problem in problems:
            log.error("%s: skipped %s", path, problem)
            report.skipped.append(problem)
        report.added = self._seed(configs)
        return report

    def _seed(self, configs: list[SourceConfig]) -> int:
        """Add the configured sources not offered before; return how many were added."""
        offered = self.store.sources.seeded()
        present = {_url_key(s.url) for s in self.store.sources.all()}
        now = self.clock.now()
        added = 0
        for config in configs:
            if config.url in offered:
                continue
            if _url_key(config.url) not in present:
                self.store.sources.add(
                    name=config.name,
                    url=config.url,
                    language=config.language,
                    topics=config.topics,
                    interval_minutes=config.interval_minutes,
                    fetch_full_text=config.fetch_full_text,
                    paused=not config.enabled,
                    now=now,
                )
                present.add(_url_key(config.url))
                added += 1
            self.store.sources.mark_seeded(config.url, now)
        return added

    # -- changing --------------------------------------------------------------------------------

    async def add_source(
        self,
        url: str,
        topics: list[str] | None = None,
        *,
        interval_minutes: int = DEFAULT_INTERVAL,
        fetch_full_text: bool = False,
    ) -> Source:
        """Find the feed at `url` (a feed, or a page announcing one), check it parses, save it.

        Raise BadInput when the URL is unusable, no feed is found, or the feed is already there.
        """
        url = url.strip().strip("<>")
        try:
            canonical_url(url)
        except ValueError:
            raise BadInput("source_bad_url") from None
        topics = _known_topics(topics or [])
        existing = self._find(url)
        if existing is not None:
            raise BadInput("source_exists", id=existing.id, name=existing.name)
        try:
            await check_url(url, **self.http.safety)
        except PrivateAddress:
            # Not "no feed there": the admin should know the address itself was refused.
            raise BadInput("source_private_address") from None
        except UnsafeURL:
            pass  # a name that does not resolve: discover_feed fails and says no feed
        feed_url = await discover_feed(self.http.client, url, **self.http.safety)
        if feed_url is None:
            raise BadInput("source_no_feed")
        existing = self._find(feed_url)
        if existing is not None:
            raise BadInput("source_exists", id=existing.id, name=existing.name)
        result = await fetch(self.http.client, feed_url, **self.http.safety)
        if result.status != "ok":
            raise BadInput("source_no_feed")
        parsed = parse_feed(
            result.content,
            url=result.final_url,
            content_type=result.content_type,
            now=self.clock.now(),
        )
        if not parsed.version:
            raise BadInput("source_no_feed")
        language = parsed.feed_language if parsed.feed_language in LANGUAGES else None
        name = clean_name(parsed.feed_title) or urlsplit(feed_url).hostname or feed_url
        source_id = self.store.sources.add(
            name=clean_name(name),
            url=feed_url,
            language=language,
            topics=topics,
            interval_minutes=interval_minutes,
            fetch_full_text=fetch_full_text,
            now=self.clock.now(),
        )
        log.info("source #%d added: %s (%s)", source_id, name, feed_url)
        return self.get(source_id)

    def remove(self, source_id: int) -> Source:
        """Delete a source (its articles stay); raise NotFound."""
        source = self.get(source_id)
        self.store.sources.remove(source_id)
        return source

    def pause(self, source_id: int) -> Source:
        """Stop polling a source; raise NotFound."""
        self.get(source_id)
        self.store.sources.set_paused(source_id, True)
        return self.get(source_id)

    def resume(self, source_id: int) -> Source:
        """Poll a paused source again, starting now; raise NotFound."""
        self.get(source_id)
        self.store.sources.set_paused(source_id, False, next_poll_at=self.clock.now())
        return self.get(source_id)

    def mark_notified(self, source_id: int) -> None:
        """The admins were told this source is unhealthy: do not tell them again this outage."""
        self.store.sources.mark_unhealthy_notified(source_id)

    # -- OPML ------------------------------------------------------------------------------------

    def import_opml(self, content: bytes) -> ImportReport:
        """Add every new feed of an OPML document (checked by the poller, not here); raise BadInput.

        Fetching hundreds of feeds would hold the admin's chat for minutes: a bad one
        shows up as failing in /sources instead.
        """
        try:
            entries = parse_opml(content)
        except OpmlError:
            raise BadInput("opml_bad") from None
        report = ImportReport()
        present = {_url_key(s.url) for s in self.store.sources.all()}
        now = self.clock.now()
        for entry in entries[:MAX_OPML_SOURCES]:
            try:
                key = canonical_url(entry.url)
            except ValueError:
                report.skipped.append((entry.url, "not an http(s) URL"))
                continue
            if key in present:
                report.skipped.append((entry.url, "already a source"))
                continue
            language = (entry.language or "").split("-")[0].lower() or None
            source_id = self.store.sources.add(
                name=clean_name(entry.title) or entry.url[:NAME_MAX_CHARS],
                url=entry.url,
                language=language if language in LANGUAGES else None,
                topics=_known_topics(entry.topics),
                interval_minutes=DEFAULT_INTERVAL,
                fetch_full_text=False,
                now=now,
            )
            present.add(key)
            report.added.append(self.get(source_id))
        for entry in entries[MAX_OPML_SOURCES:]:
            report.skipped.append((entry.url, f"more than {MAX_OPML_SOURCES} feeds"))
        return report

    def export_opml(self) -> bytes:
        """Every source as an OPML 2.0 document (topics in `category`)."""
        return build_opml(
            [
                OpmlSource(s.name, s.url, s.language, list(s.topics))
                for s in self.store.sources.all()
            ]
        )
