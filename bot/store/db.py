"""Opening the database: WAL, busy timeout, migrations, one lock around the connection."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from bot.store.schema import migrate


def utc_iso(moment: datetime) -> str:
    """Format an aware datetime as the ISO UTC text stored in every *_at column."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to the store")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse_utc(text: str | None) -> datetime | None:
    """Read back a stored *_at column."""
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Store:
    """The database handle shared by the store's repositories.

    One connection serves the process; `lock` serialises its use so that the
    ingest thread and the event loop never interleave inside a transaction.
    Transactions are kept short (one article, one chat), so a command never
    waits long behind a batch.
    """

    def __init__(self, path: Path | str) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: transactions are only the explicit ones opened by `writing()`.
        conn = sqlite3.connect(path, check_same_thread=False, timeout=10, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=10000")
        self.path = path
        self.db = Database(conn)
        self.lock = threading.RLock()
        with self.lock:
            migrate(self.db)
        from bot.store.articles import ArticleRepo
        from bot.store.chats import ChatRepo
        from bot.store.deliveries import DeliveryRepo
        from bot.store.entities import EntityRepo
        from bot.store.sources import SourceRepo
        from bot.store.stories import StoryRepo
        from bot.store.subscriptions import SubscriptionRepo
        from bot.store.topics import TopicRepo

        self.articles = ArticleRepo(self)
        self.chats = ChatRepo(self)
        self.deliveries = DeliveryRepo(self)
        self.entities = EntityRepo(self)
        self.topics = TopicRepo(self)
        self.stories = StoryRepo(self)
        self.subscriptions = SubscriptionRepo(self)
        self.sources = SourceRepo(self)

    @contextmanager
    def reading(self) -> Iterator[Database]:
        """Hold the connection for reads."""
        with self.lock:
            yield self.db

    @contextmanager
    def writing(self) -> Iterator[Database]:
        """Hold the connection for one transaction."""
        with self.lock, self.db.atomic():
            yield self.db

    def close(self) -> None:
        """Close the connection."""
        with self.lock:
            self.db.close()
