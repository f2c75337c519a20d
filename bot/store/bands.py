"""The LSH band keys of stored articles, held in memory by day of publication.

A story lookup asks which articles of the last few days share a band key with a new one.
Stored as rows, an article's 32 keys were 32 inserts at random places of a b-tree that grew
with the archive: past about 20,000 articles each commit rewrote thousands of its pages, and
ingest spent more time there than anywhere else. Here the keys are read from the stored
signatures, one day at a time as lookups need that day, and kept for the few days a live
feed looks at; the database stays the only record.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from itertools import chain
from typing import TYPE_CHECKING

import numpy as np

from bot.nlp.stories import bands
from bot.store.db import utc_iso

if TYPE_CHECKING:
    from bot.store.db import Store

# Days held in memory: a live article's lookup spans five (48 hours back and ahead).
DAYS_KEPT = 8
# Keys added to a day since its arrays were sorted; past this many they are sorted in.
MERGE_AT = 4096
_NONE = -1  # the article id of a key whose article has new keys since
_NOWHERE = np.array([], dtype=np.intp)
# One band lookup: an article's keys, and the first and last moments of its window.
Query = tuple[list[int], datetime, datetime]


def pack_signature(signature: list[int]) -> bytes:
    """A signature as stored: 8 bytes per value, little-endian (512 bytes, not 1.2 KB of JSON)."""
    return np.array(signature, dtype="<i8").tobytes()


def unpack_signature(stored: bytes | str) -> list[int]:
    """A stored signature: packed bytes, or JSON text as written before migration m011."""
    if isinstance(stored, str):
        return json.loads(stored)
    return np.frombuffer(stored, dtype="<i8").tolist()


def stored_keys(stored: bytes | str) -> list[int]:
    """The band keys of a stored signature."""
    return bands(unpack_signature(stored))


class _Day:
    """One day's keys: sorted arrays of (key, article id), and the keys added since."""

    def __init__(self, keys: np.ndarray, ids: np.ndarray) -> None:
        self.keys, self.ids = _sorted(keys, ids)
        self.added: dict[int, list[int]] = {}
        self.added_count = 0

    def add(self, article_id: int, keys: list[int]) -> None:
        for key in keys:
            self.added.setdefault(key, []).append(article_id)
        self.added_count += len(keys)
        if self.added_count >= MERGE_AT:
            self._sort_in()

    def _sort_in(self) -> None:
        new_keys = np.array([key for key, ids in self.added.items() for _ in ids], dtype=np.int64)
        new_ids = np.array([i for ids in self.added.values() for i in ids], dtype=np.int64)
        keep = self.ids != _NONE
        self.keys, self.ids = _sorted(
            np.concatenate([self.keys[keep], new_keys]), np.concatenate([self.ids[keep], new_ids])
        )
        self.added.clear()
        self.added_count = 0

    def remove(self, article_id: int, keys: list[int]) -> None:
        for key in keys:
            ids = self.added.get(key)
            if ids and article_id in ids:
                ids[:] = [i for i in ids if i != article_id]
        query = np.array(sorted(keys), dtype=np.int64)
        for position in self._positions(query)[1].tolist():
            if self.ids[position] == article_id:
                self.ids[position] = _NONE

    def _positions(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where the sorted arrays hold each key of `query` (sorted): the index in `query` of
        each match, and its position in the arrays."""
        if not len(self.keys):
            return _NOWHERE, _NOWHERE
        # Sorted queries: numpy starts each binary search from the last one's result.
        starts = self.keys.searchsorted(query)
        # Most keys are absent: only those present are looked up again for their end.
        hit = np.flatnonzero(self.keys.take(starts, mode="clip") == query)
        if not len(hit):
            return hit, hit
        lengths = self.keys.searchsorted(query[hit], "right") - starts[hit]
        first = np.cumsum(lengths) - lengths  # where each hit's run starts in the output
        runs = np.arange(lengths.sum()) - np.repeat(first, lengths)
        return np.repeat(hit, lengths), np.repeat(starts[hit], lengths) + runs

    def find(self, query: np.ndarray, owner: np.ndarray, found: list[set[int]]) -> None:
        """Add to found[q] the articles sharing a key with query q, for every q in `owner`.

        query: the keys of those queries, sorted; owner: the query each key comes from.
        """
        if len(query):
            matched, positions = self._positions(query)
            for q, article_id in zip(
                owner[matched].tolist(), self.ids[positions].tolist(), strict=True
            ):
                found[q].add(article_id)
        if self.added:
            added = self.added
            # The few keys added since the last merge that a query holds, then their queries.
            common = np.array(sorted(added.keys() & set(query.tolist())), dtype=np.int64)
            lows, highs = query.searchsorted(common), query.searchsorted(common, "right")
            for key, low, high in zip(common.tolist(), lows.tolist(), highs.tolist(), strict=True):
                for q in owner[low:high].tolist():
                    found[q].update(added[key])


class BandBatch:
    """The band lookups of articles analysed together (see BandIndex.lookup_batched)."""

    def __init__(self, queries: list[Query]) -> None:
        self.queries = queries
        self.found: list[set[int]] = []  # each query's answer when the batch was looked up
        self.transaction: int | None = None  # the write transaction it was looked up in
        # Articles whose keys the index was given since: article id -> (day, keys), or
        # (None, []) for keys removed; and key -> those articles given it.
        self.changed: dict[int, tuple[date | None, list[int]]] = {}
        self.changed_keys: dict[int, list[int]] = {}

    def restart(self, found: list[set[int]], transaction: int) -> None:
        """Take each query's answer, looked up inside `transaction`; nothing changed since."""
        self.found, self.transaction = found, transaction
        self.changed, self.changed_keys = {}, {}

    def note(self, article_id: int, day: date | None, keys: list[int]) -> None:
        """Note that the index was given an article's keys (none: its keys were removed)."""
        self.changed[article_id] = (day, keys)
        for key in keys:
            self.changed_keys.setdefault(key, []).append(article_id)


class BandIndex:
    """Article ids by band key and day of publication, read from article_signatures.

    Every call runs under the store's lock. The index holds what the database holds, the
    current transaction included: articles stored by this process are added as they are
    stored, those of other processes are read by id when a lookup finds new ones, and a
    rolled-back transaction empties it (the days are read again when needed).
    """

    def __init__(self, store: Store, days_kept: int = DAYS_KEPT) -> None:
        self.store = store
        self.days_kept = days_kept
        self._days: OrderedDict[date, _Day] = OrderedDict()
        self._seen: int | None = None  # the ids up to this one are read by loading their day
        self._rollbacks = store.rollbacks
        self._synced: int | None = None  # the write transaction in which it last caught up
        self._batch: BandBatch | None = None  # the batch whose lookups track changes

    def lookup(self, keys: list[int], since: datetime, until: datetime) -> set[int]:
        """Ids of the articles published from `since`'s day to `until`'s sharing a key."""
        return self.lookup_many([(keys, since, until)])[0]

    def lookup_many(self, queries: list[Query]) -> list[set[int]]:
        """`lookup` of each query; each day's keys are searched once for all of them."""
        self._catch_up()
        found: list[set[int]] = [set() for _ in queries]
        by_day: dict[date, list[int]] = {}
        spans: dict[tuple[date, date], list[date]] = {}  # most queries span the same days
        for q, (keys, since, until) in enumerate(queries):
            if keys:
                span = _day_of(since), _day_of(until)
                if span not in spans:
                    spans[span] = list(_days(*span))
                for day in spans[span]:
                    by_day.setdefault(day, []).append(q)
        if not by_day:
            return found
        key_lists = [keys for keys, _, _ in queries]
        # All the keys, sorted, with the query each comes from.
        flat = np.fromiter(chain.from_iterable(key_lists), dtype=np.int64)
        order = np.argsort(flat, kind="stable")
        flat = flat[order]
        owner = np.repeat(np.arange(len(queries)), [len(k) for k in key_lists])[order]
        for day, owners in by_day.items():
            query, of = flat, owner
            if len(owners) < len(queries):  # only the queries whose span holds this day
                holds_day = np.zeros(len(queries), dtype=bool)
                holds_day[owners] = True
                keep = holds_day[owner]
                query, of = flat[keep], owner[keep]
            self._day(day).find(query, of, found)
        for into in found:
            into.discard(_NONE)
        return found

    def lookup_batched(self, batch: BandBatch, position: int) -> set[int]:
        """`lookup` of the batch's query at `position`, as the index stands now.

        The batch's first lookup inside a write transaction looks up all its queries at
        once; each later one takes that answer, corrected by the articles the index was
        given since (those stored before it in the same transaction).
        """
        transaction = self.store.open_transaction
        if transaction is None:
            return self.lookup(*batch.queries[position])
        if self._batch is not batch or batch.transaction != transaction:
            batch.restart(self.lookup_many(batch.queries), transaction)
            self._batch = batch
        keys, since, until = batch.queries[position]
        changed, changed_keys = batch.changed, batch.changed_keys
        found = {i for i in batch.found[position] if i not in changed}
        sharing = {i for key in keys if key in changed_keys for i in changed_keys[key]}
        if sharing:
            first, last, wanted = _day_of(since), _day_of(until), set(keys)
            for article_id in sharing:
                day, now = changed[article_id]  # its keys now: it may have changed twice
                if day is not None and first <= day <= last and not wanted.isdisjoint(now):
                    found.add(article_id)
        return found

    def _changed(self, article_id: int, published_at: datetime | None, keys: list[int]) -> None:
        """Tell the batch being looked up in this transaction that an article's keys changed."""
        batch = self._batch
        if batch is None:
            return
        if batch.transaction != self.store.open_transaction:
            self._batch = None  # its transaction is over: nothing reads it any more
            return
        batch.note(article_id, None if published_at is None else _day_of(published_at), keys)

    def add(self, article_id: int, published_at: datetime, keys: list[int]) -> None:
        """Index an article whose signature was just stored."""
        self._catch_up(before=article_id)
        self._changed(article_id, published_at, keys)
        # A day read from the database before the signature was stored lacks it; a day not
        # read yet will find it there.
        day = self._days.get(_day_of(published_at))
        if day is not None:
            day.add(article_id, keys)
        self._seen = max(self._seen or 0, article_id)

    def remove(self, article_id: int, keys: list[int]) -> None:
        """Drop an article's keys before its signature is replaced."""
        self._catch_up()
        self._changed(article_id, None, [])
        for day in self._days.values():
            day.remove(article_id, keys)

    def _catch_up(self, before: int | None = None) -> None:
        """Start over after a rollback; read the articles other processes stored since (up
        to `before`, the article being added, if given)."""
        if self._rollbacks != self.store.rollbacks:
            self._rollbacks = self.store.rollbacks
            self._days.clear()
            self._seen = None
        # Inside the write transaction it caught up in, no other process can have written
        # since, and this one's articles were added as they were stored: one max(id) per
        # write transaction (up to 128 articles), not one per lookup.
        synced = self.store.open_transaction
        if synced is not None and synced == self._synced:
            return
        self._synced = synced
        with self.store.reading() as db:
            if self._seen is None or before is None:
                newest = db.conn.execute("SELECT max(id) FROM articles").fetchone()[0] or 0
                last = newest - 1 if before == newest else newest
            else:
                last = before - 1
            if self._seen is None:
                self._seen = last
                return
            if last <= self._seen:  # the usual case: nothing stored by anyone else
                return
            rows = db.conn.execute(
                """SELECT s.article_id, a.published_at, s.signature
                   FROM article_signatures s JOIN articles a ON a.id = s.article_id
                   WHERE s.article_id > ? AND s.article_id <= ?""",
                [self._seen, last],
            ).fetchall()
        for article_id, published_at, signature in rows:
            day = self._days.get(_day_of(datetime.fromisoformat(published_at)))
            if day is not None:
                day.add(article_id, stored_keys(signature))
        self._seen = last

    def _day(self, day: date) -> _Day:
        """A day's keys, read from the database the first time."""
        found = self._days.get(day)
        if found is not None:
            self._days.move_to_end(day)
            return found
        start = datetime.combine(day, time(), tzinfo=UTC)
        with self.store.reading() as db:
            rows = db.conn.execute(
                """SELECT s.article_id, s.signature
                   FROM articles a JOIN article_signatures s ON s.article_id = a.id
                   WHERE a.published_at >= ? AND a.published_at < ? AND a.id <= ?""",
                [utc_iso(start), utc_iso(start + timedelta(days=1)), self._seen or 0],
            ).fetchall()
        keys: list[int] = []
        ids: list[int] = []
        for article_id, signature in rows:
            article_keys = stored_keys(signature)
            keys += article_keys
            ids += [article_id] * len(article_keys)
        found = self._days[day] = _Day(
            np.array(keys, dtype=np.int64), np.array(ids, dtype=np.int64)
        )
        while len(self._days) > self.days_kept:
            self._days.popitem(last=False)
        return found


def _sorted(keys: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(keys, kind="stable")
    return keys[order], ids[order]


def _day_of(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def _days(day: date, last: date) -> Iterator[date]:
    while day <= last:
        yield day
        day += timedelta(days=1)
