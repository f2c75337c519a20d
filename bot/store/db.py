"""Opening the database: WAL, busy timeout, migrations, one lock around the connection."""

from __future__ import annotations

import functools
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Generic, TypeVar

from sqlite_utils import Database

from bot.store.schema import migrate

K = TypeVar("K")
V = TypeVar("V")


# Cached: storing an article formats its times half a dozen times, at 2 µs each. Equal
# instants in other zones hash alike, and they have the same UTC text.
@functools.lru_cache(maxsize=1024)
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
        # Room for the IN (?, ?, ...) variants of each query in the statement cache (default 128).
        conn = sqlite3.connect(
            path, check_same_thread=False, timeout=10, isolation_level=None, cached_statements=512
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=10000")
        # 64 MB of page cache (the default is 2 MB): ingest touches index pages all over the
        # FTS, band and mention b-trees, and re-reading them from the OS costs more than the SQL.
        conn.execute("PRAGMA cache_size=-65536")
        # Statement journals and the sorts of ORDER BY ... LIMIT in memory, not in temp files.
        conn.execute("PRAGMA temp_store=MEMORY")
        # Checkpoint every 8,000 pages of WAL (32 MB), not every 1,000: an index page that many
        # commits change is copied into the database once per checkpoint, so ingest commits
        # cost 0.14 -> 0.09 ms a feed item, for the longest commit 37 -> 45 ms (bench_ingest).
        conn.execute("PRAGMA wal_autocheckpoint=8000")
        self.path = path
        self.db = Database(conn)
        self.lock = threading.RLock()
        # One entry per thread blocked on the lock (deque appends and pops are atomic): a
        # long writer ends its transaction early when someone waits (see `contended`).
        self._waiting: deque[None] = deque()
        # The thread inside `writing()`, if any. Its own nested blocks (about a dozen per
        # article at ingest) skip the lock and the generator: they only join the transaction.
        self._writer: int | None = None
        self._held = _Held(self)
        self._locked = _Locked(self)
        self._joined = _Joined(self)
        # Callbacks to run once the outermost transaction commits, one list per nesting level:
        # an in-memory cache must not learn what a rollback undoes.
        self._after_commit: list[list[Callable[[], None]]] = []
        self._failed = False  # a nested write raised inside the current transaction
        # Writes to run last in the current transaction, just before it commits.
        self._before_commit: list[Callable[[], None]] = []
        # Transactions rolled back so far: a cache that read inside one starts over after it.
        self.rollbacks = 0
        # Write transactions begun so far, and the number of the one open now (None when
        # none is): while it is open no other process can write, so a cache that read the
        # database inside it need not look for their changes again until it ends.
        self.transactions = 0
        self.open_transaction: int | None = None
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

    def _acquire(self) -> None:
        """Take the lock, counted among the waiting while another thread holds it."""
        if not self.lock.acquire(blocking=False):
            self._waiting.append(None)
            try:
                self.lock.acquire()
            finally:
                self._waiting.pop()

    def contended(self) -> bool:
        """Tell whether another thread is waiting for the connection."""
        return bool(self._waiting)

    def let_waiting_in(self, patience: float = 1.0) -> None:
        """Wait (up to `patience` seconds) until the threads waiting for the connection have
        had it; call it holding none of it. Python's locks are not fair: a thread that
        releases one and takes it again at once keeps it from one that has waited all along."""
        deadline = time.monotonic() + patience
        while self._waiting and time.monotonic() < deadline:
            time.sleep(0.0005)

    def reading(self) -> AbstractContextManager[Database]:
        """Hold the connection for reads."""
        if self._writer == threading.get_ident():  # inside this thread's transaction
            return self._held
        return self._locked

    def writing(self) -> AbstractContextManager[Database]:
        """Hold the connection for one transaction (a block inside one joins it)."""
        if self._writer == threading.get_ident():
            return self._joined
        return self._writing()

    @contextmanager
    def _writing(self) -> Iterator[Database]:
        """The outermost write block of a thread: its blocks inside take `_Joined`."""
        self._acquire()
        try:
            self._writer = threading.get_ident()
            self._after_commit.append([])
            try:
                with self._transaction():
                    yield self.db
            finally:
                done = self._after_commit.pop()
                # Committed or rolled back: a callback that writes opens a transaction of its own.
                self._writer = None
            for callback in done:
                callback()
        finally:
            self.lock.release()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """BEGIN/COMMIT around the outermost block; blocks inside join it (`_Joined`) without
        a savepoint.

        An article's ingest nests a dozen blocks, and sqlite-utils' atomic() named each
        savepoint randomly: sqlite3 compiled two new statements per block, which also pushed
        the repositories' own statements out of its cache. No caller swallows a failed write
        and carries on; if one ever does, the whole transaction is rolled back at its end
        rather than committed half done.
        """
        conn = self.db.conn
        self._before_commit = []
        try:
            if conn.in_transaction:  # someone else's (a migration): keep its savepoint semantics
                with self.db.atomic():
                    yield
                    self._write_last()
                return
            # IMMEDIATE: take the write lock now (waiting up to busy_timeout for another
            # process) rather than fail later when a read turns into a write under a newer
            # snapshot.
            conn.execute("BEGIN IMMEDIATE")
            self.transactions += 1
            self.open_transaction = self.transactions
            self._failed = False
            try:
                yield
                if self._failed:
                    raise sqlite3.OperationalError("a nested write failed: transaction rolled back")
                self._write_last()
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                self.rollbacks += 1
                raise
        finally:
            self.open_transaction = None
            self._before_commit = []

    def _write_last(self) -> None:
        """Run the writes `before_commit` put off, in the order they were given."""
        for write in self._before_commit:
            write()

    def before_commit(self, write: Callable[[], None]) -> None:
        """Run `write` at the end of the current transaction, before it commits (now if there
        is none); a failing one rolls the whole transaction back."""
        with self.lock:
            if self._after_commit:
                self._before_commit.append(write)
            else:
                write()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` when the current transaction commits (now, outside any transaction)."""
        with self.lock:
            if self._after_commit:
                self._after_commit[-1].append(callback)
            else:
                callback()

    def close(self) -> None:
        """Close the connection."""
        with self.lock:
            self.db.close()


class TransactionMemo(Generic[K, V]):
    """Values a repository wrote in the open write transaction, by key: read back inside it
    without a query, forgotten once another transaction begins (or this one rolls back)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._values: dict[K, V] = {}
        self._transaction: int | None = None  # the write transaction the values belong to

    def put(self, key: K, value: V) -> None:
        """Remember a value written in the open transaction."""
        if self._transaction != self.store.open_transaction:
            self._values, self._transaction = {}, self.store.open_transaction
        self._values[key] = value

    def get(self, key: K) -> V | None:
        """The value written under `key` in the open transaction, or None."""
        open_now = self.store.open_transaction
        if open_now is None or open_now != self._transaction:
            return None
        return self._values.get(key)


class _Locked:
    """A read: the connection for the time of the block."""

    __slots__ = ("store",)

    def __init__(self, store: Store) -> None:
        self.store = store

    def __enter__(self) -> Database:
        self.store._acquire()
        return self.store.db

    def __exit__(self, *exc: object) -> None:
        self.store.lock.release()


class _Held:
    """A read inside the thread's own write transaction: the lock is held already."""

    __slots__ = ("store",)

    def __init__(self, store: Store) -> None:
        self.store = store

    def __enter__(self) -> Database:
        return self.store.db

    def __exit__(self, *exc: object) -> None:
        return None


class _Joined:
    """A write block inside the thread's own transaction: it joins the transaction. Its
    after-commit callbacks wait for the outer commit; a failure inside it, even one the
    caller swallows, rolls the whole transaction back at its end."""

    __slots__ = ("store",)

    def __init__(self, store: Store) -> None:
        self.store = store

    def __enter__(self) -> Database:
        self.store._after_commit.append([])
        return self.store.db

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        store = self.store
        done = store._after_commit.pop()
        if kind is not None:
            store._failed = True  # the whole transaction rolls back at its end
            return
        store._after_commit[-1].extend(done)  # wait for the outer commit
