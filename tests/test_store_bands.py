"""The in-memory band index always answers what the stored signatures say."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bot.store.bands as bands_module
from bot.nlp.stories import bands
from bot.store import Store
from bot.store.bands import BandBatch, BandIndex
from bot.store.db import utc_iso

START = datetime(2026, 11, 1, tzinfo=UTC)
# Few distinct values: articles share bands often, as copies of one story do.
SIGNATURES = st.lists(st.integers(0, 3), min_size=8, max_size=8)
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("store"), SIGNATURES, st.integers(0, 9)),  # signature, day
        st.tuples(st.just("restore"), st.integers(0, 30), SIGNATURES, st.integers(0, 9)),
        st.tuples(st.just("rolled back"), SIGNATURES, st.integers(0, 9)),
        st.tuples(st.just("other process"), SIGNATURES, st.integers(0, 9)),
        st.tuples(st.just("look up"), SIGNATURES, st.integers(0, 9), st.integers(0, 3)),
        # Several articles in one transaction, each looked up as ingest does: with the batch
        # of lookups made for them all. An article may change (pick) rather than be new.
        st.tuples(
            st.just("batch"),
            st.lists(
                st.tuples(SIGNATURES, st.integers(0, 9), st.none() | st.integers(0, 30)),
                min_size=2,
                max_size=5,
            ),
        ),
    ),
    max_size=40,
)


def _published(day: int) -> datetime:
    return START + timedelta(days=day, hours=day % 24)


def _insert_article(store: Store, day: int) -> int:
    with store.writing() as db:
        cursor = db.execute(
            "INSERT INTO articles (title, published_at, ingested_at, content_hash) "
            "VALUES ('t', ?, ?, 'h')",
            [utc_iso(_published(day)), utc_iso(START)],
        )
    return int(cursor.lastrowid or 0)


def _truth(store: Store, keys: list[int], first: int, last: int) -> set[int]:
    """The articles published from day `first` to `last` sharing a key, read plainly."""
    found = set()
    signatures = store.stories.signatures(list(range(1, 1000)))
    with store.reading() as db:
        published = dict(db.execute("SELECT id, published_at FROM articles").fetchall())
    for article_id, signature in signatures.items():
        day = (datetime.fromisoformat(published[article_id]) - START).days
        if first <= day <= last and set(bands(signature)) & set(keys):
            found.add(article_id)
    return found


def _store(store: Store, day: int, signature: list[int], article_id: int | None = None) -> int:
    """Store an article's signature (a new article unless `article_id` is given)."""
    with store.writing() as db:
        if article_id is None:
            article_id = _insert_article(store, day)
        else:
            db.execute(
                "UPDATE articles SET published_at = ? WHERE id = ?",
                [utc_iso(_published(day)), article_id],
            )
        store.stories.save_signature(article_id, _published(day), signature, bands(signature))
    return article_id


def _find(store: Store, signature: list[int], first: int = 0, last: int = 5) -> set[int]:
    with store.reading():
        return store.stories.bands.lookup(bands(signature), _published(first), _published(last))


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    operations=OPERATIONS, days_kept=st.sampled_from([3, 12]), merge_at=st.sampled_from([8, 10**6])
)
def test_lookups_match_the_stored_signatures(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    operations: list,
    days_kept: int,
    merge_at: int,
) -> None:
    # Keys merged into the arrays every other article, or kept aside for the whole run.
    monkeypatch.setattr(bands_module, "MERGE_AT", merge_at)
    path = tmp_path_factory.mktemp("bands") / "b.db"
    store, other = Store(path), Store(path)
    # With 3 days kept, days are dropped and read again; with 12, every day stays.
    store.stories.bands = BandIndex(store, days_kept=days_kept)
    ids: list[int] = []
    for operation in operations:
        kind = operation[0]
        if kind == "store":
            _, signature, day = operation
            ids.append(_store(store, day, signature))
        elif kind == "restore" and ids:  # the article changed: new text, maybe a new date
            _, pick, signature, day = operation
            _store(store, day, signature, article_id=ids[pick % len(ids)])
        elif kind == "rolled back":
            _, signature, day = operation
            with contextlib.suppress(ZeroDivisionError), store.writing():
                _store(store, day, signature)
                store.stories.bands.lookup(bands(signature), _published(0), _published(9))
                1 / 0  # noqa: B018
        elif kind == "other process":
            _, signature, day = operation
            ids.append(_store(other, day, signature))
        elif kind == "batch":
            _, articles = operation
            index = store.stories.bands
            windows = [(_published(day - 1), _published(day + 2)) for _, day, _ in articles]
            batch = BandBatch(
                [
                    (bands(signature), *window)
                    for (signature, _, _), window in zip(articles, windows, strict=True)
                ]
            )
            with store.writing():
                for position, (signature, day, pick) in enumerate(articles):
                    if pick is None or not ids:
                        ids.append(_store(store, day, signature))
                    else:
                        _store(store, day, signature, article_id=ids[pick % len(ids)])
                    keys, (since, until) = bands(signature), windows[position]
                    found = index.lookup_batched(batch, position)
                    assert found == index.lookup(keys, since, until)
                    assert found == _truth(store, keys, max(day - 1, 0), day + 2)
        elif kind == "look up":
            _, signature, first, width = operation
            keys = bands(signature)
            last = min(first + width, 9)
            with store.reading():
                found = store.stories.bands.lookup(
                    keys, START + timedelta(days=first), START + timedelta(days=last)
                )
            assert found == _truth(store, keys, first, last)
    for first in range(10):
        for signature in ([0] * 8, [1, 2, 3, 0, 1, 2, 3, 0]):
            keys = bands(signature)
            fresh = BandIndex(store).lookup(keys, _published(first), _published(first + 2))
            assert (
                store.stories.bands.lookup(keys, _published(first), _published(first + 2)) == fresh
            )
    store.close()
    other.close()


def test_a_story_lookup_finds_articles_across_the_days_it_spans(tmp_path: Path) -> None:
    store = Store(tmp_path / "b.db")
    signature = [5, 6, 7, 8, 5, 6, 7, 8]
    ids = [_store(store, day, signature) for day in (0, 2, 4)]
    assert _find(store, signature, 1, 4) == {ids[1], ids[2]}
    assert _find(store, signature, 0, 0) == {ids[0]}
    assert _find(store, [9] * 8, 0, 4) == set()
    fresh = BandIndex(store).lookup(bands(signature), _published(0), _published(4))
    assert fresh == set(ids)


def test_a_lookup_spanning_more_days_than_are_kept_still_sees_them_all(tmp_path: Path) -> None:
    store = Store(tmp_path / "b.db")
    signature = [5, 6, 7, 8, 5, 6, 7, 8]
    ids = {_store(store, day, signature) for day in range(4)}
    store.stories.bands = BandIndex(store, days_kept=2)
    assert _find(store, signature, 0, 3) == ids
    assert _find(store, signature, 2, 3) == {i for i in ids if i > 2}


@pytest.mark.parametrize("merge_at", [1, 10**6])
def test_a_changed_article_loses_its_old_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, merge_at: int
) -> None:
    monkeypatch.setattr(bands_module, "MERGE_AT", merge_at)  # merged at once, or never
    store = Store(tmp_path / "b.db")
    gold, oil = [1] * 8, [2] * 8
    assert _find(store, gold) == set()  # the days are held from now on
    article = _store(store, 0, gold)  # added to a day already held
    _store(store, 1, oil, article_id=article)
    assert _find(store, gold) == set()
    assert _find(store, oil) == {article}


def test_each_change_shows_in_a_day_already_read(tmp_path: Path) -> None:
    store, other = Store(tmp_path / "b.db"), Store(tmp_path / "b.db")
    gold, oil = [1] * 8, [2] * 8
    first = _store(store, 0, gold)
    assert _find(store, gold) == {first}  # every day is read now
    second = _store(store, 0, gold)
    assert _find(store, gold) == {first, second}
    _store(store, 3, oil, article_id=first)  # new text and date: old keys gone, new ones found
    assert _find(store, gold) == {second}
    assert _find(store, oil) == {first}
    assert _find(store, oil, 0, 2) == set()
    third = _store(other, 0, gold)  # another process: read when the index next looks
    assert _find(store, gold) == {second, third}
    with contextlib.suppress(ZeroDivisionError), store.writing():
        lost = _store(store, 0, oil)
        assert _find(store, oil) == {first, lost}  # seen inside its transaction...
        1 / 0  # noqa: B018
    assert _find(store, oil) == {first}  # ...and forgotten with it
    reused = _store(store, 1, [3] * 8)  # the rolled-back id is given again
    assert _find(store, oil) == {first}
    assert _find(store, [3] * 8) == {reused}


def test_the_index_looks_for_other_processes_articles_once_per_transaction(
    tmp_path: Path,
) -> None:
    store, other = Store(tmp_path / "b.db"), Store(tmp_path / "b.db")
    gold = [1] * 8
    first = _store(other, 0, gold)
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    with store.writing():
        mine = [_store(store, 0, gold) for _ in range(3)]
        assert _find(store, gold) == {first, *mine}
        assert _find(store, gold) == {first, *mine}
    assert sum("max(id)" in sql for sql in statements) == 1
    statements.clear()
    later = _store(other, 0, gold)  # a new transaction: the other process's article is seen
    assert _find(store, gold) == {first, *mine, later}
    assert sum("max(id)" in sql for sql in statements) == 1
    store.db.conn.set_trace_callback(None)
