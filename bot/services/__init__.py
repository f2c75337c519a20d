"""The domain: what the bot knows and does, independent of Telegram."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.errors import ConfigError
from bot.services.articles import ArticleService
from bot.services.chats import ChatService
from bot.services.delivery import DeliveryService
from bot.services.digests import DigestService
from bot.services.entities import EntityService
from bot.services.ingest import IngestService
from bot.services.poller import Poller
from bot.services.sources import FeedHttp, SourceService
from bot.services.stories import StoryService
from bot.services.subscriptions import SubscriptionService
from bot.services.summaries import SummaryService
from bot.services.topics import TopicService
from bot.store import Store


@dataclass
class Services:
    """Every service, built once and shared by handlers, jobs and the CLI."""

    config: Config
    store: Store
    clock: Clock
    articles: ArticleService
    chats: ChatService
    ingest: IngestService
    entities: EntityService
    topics: TopicService
    stories: StoryService
    subscriptions: SubscriptionService
    digests: DigestService
    summaries: SummaryService
    delivery: DeliveryService
    sources: SourceService
    poller: Poller

    def close(self) -> None:
        self.store.close()


def open_store(path: Path) -> Store:
    """Open (or create) the database; raise ConfigError naming DATABASE_PATH when it cannot be."""
    try:
        return Store(path)
    except (OSError, sqlite3.Error) as error:
        raise ConfigError(f"DATABASE_PATH {str(path)!r} cannot be opened: {error}") from None


def build_services(config: Config, clock: Clock | None = None) -> Services:
    """Open the store and wire the services on top of it; raise ConfigError if it cannot be."""
    clock = clock or SystemClock()
    store = open_store(config.database_path)
    entities = EntityService(store, clock)
    topics = TopicService(store)
    stories = StoryService(store, clock)
    ingest = IngestService(store, clock, steps=[entities, topics, stories])
    chats = ChatService(store, clock, config.default_language, config.default_timezone)
    digests = DigestService(store, clock, stories, entities, chats)
    # One HTTP client for every feed request, with the SSRF policy of the configuration.
    feed_http = FeedHttp(allow_private=config.allow_private_feeds)
    delivery = DeliveryService(store, clock, chats, builder=digests.build)
    return Services(
        config=config,
        store=store,
        clock=clock,
        articles=ArticleService(store, clock),
        chats=chats,
        ingest=ingest,
        entities=entities,
        topics=topics,
        stories=stories,
        # A chat that starts following gets the morning digest (07:00 in its zone).
        subscriptions=SubscriptionService(
            store, clock, entities, on_first_follow=delivery.ensure_schedule
        ),
        digests=digests,
        summaries=SummaryService(store, clock, stories, entities),
        delivery=delivery,
        sources=SourceService(store, clock, feed_http),
        poller=Poller(store, clock, ingest, feed_http),
    )
