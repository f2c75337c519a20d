"""The domain: what the bot knows and does, independent of Telegram."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.services.articles import ArticleService
from bot.services.chats import ChatService
from bot.services.ingest import IngestService
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

    def close(self) -> None:
        self.store.close()


def build_services(config: Config, clock: Clock | None = None) -> Services:
    """Open the store and wire the services on top of it."""
    clock = clock or SystemClock()
    store = Store(config.database_path)
    return Services(
        config=config,
        store=store,
        clock=clock,
        articles=ArticleService(store, clock),
        chats=ChatService(store, clock, config.default_language, config.default_timezone),
        ingest=IngestService(store, clock),
    )
