"""Search latency (p50, p99) on a large article table, through ArticleService.search.

Run: .venv/bin/python benchmarks/bench_search.py [articles]   (default 100,000)
Articles are SaudiNewsNet texts, repeated with numbered titles to reach the count
(generated Arabic-like text when the data is absent). They are indexed exactly as ingest
indexes them (analyzed title, subtitle and body), without the entity and story steps, to
build a large index quickly.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from itertools import cycle
from pathlib import Path

from common import machine, saudinewsnet

from bot.clock import SystemClock
from bot.nlp.analyzer import analyze
from bot.services.articles import ArticleService
from bot.services.ingest import content_hash
from bot.store import Store
from bot.store.articles import ArticleRow

QUERIES = [
    "السعودية",
    "وزارة الصحة",
    "الرياض",
    "الأمير",
    "كورونا",
    "النفط",
    "مجلس الوزراء",
    "التعليم",
    "المملكة",
    "الحوثيين",
    "اليمن",
    "الاقتصاد",
    '"خادم الحرمين"',
    "الهلال -النصر",
    "المرور",
    "الأمطار",
    "جامعة",
    "المستشفى",
    "السوق",
    "الأسهم",
]


def texts(limit: int) -> list[tuple[str, str]]:
    found = [(a.get("title", ""), a.get("content", "")) for a in saudinewsnet()][:limit]
    if not found:
        words = [
            "وزارة",
            "الصحة",
            "الرياض",
            "السوق",
            "الأمطار",
            "جامعة",
            "المملكة",
            "النفط",
            "المرور",
        ]
        found = [(" ".join(words[i % 9 : i % 9 + 3]), " ".join(words * 20)) for i in range(1000)]
    return found


def build(store: Store, count: int) -> None:
    """Fill the store with `count` analyzed articles (one transaction: loading is not measured)."""
    base = datetime(2025, 1, 1, tzinfo=UTC)
    analyzed = [(t, b, analyze(t, "ar"), analyze(b, "ar")) for t, b in texts(30_000)]
    with store.writing():
        for i, (title, body, index_title, index_body) in zip(
            range(count), cycle(analyzed), strict=False
        ):
            title = f"{title} ({i})"
            row = ArticleRow(
                title=title,
                body=body,
                subtitle="",
                summary="",
                url=None,
                guid=None,
                source="bench",
                language="ar",
                location="",
                author="",
                tags=[],
                published_at=base + timedelta(minutes=i),
                date_source="article",
                content_hash=content_hash(title, body),
                raw=None,
                index_title=index_title,
                index_subtitle="",
                index_body=index_body,
            )
            store.articles.insert(row, base)


def measure(store: Store) -> list[float]:
    """Milliseconds of each search, five rounds over the queries."""
    service = ArticleService(store, SystemClock())
    timings = []
    for _ in range(5):
        for query in QUERIES:
            began = time.perf_counter()
            page = service.search(query)
            timings.append((time.perf_counter() - began) * 1000)
            assert page.total >= 0
    return sorted(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("articles", nargs="?", type=int, default=100_000)
    parser.add_argument(
        "--db", type=Path, help="keep the built database here and reuse it next time"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = args.db or Path(folder) / "bench.db"
        fresh = not path.exists()
        store = Store(path)
        if fresh:
            start = time.perf_counter()
            build(store, args.articles)
            print(f"indexed {args.articles:,} articles in {time.perf_counter() - start:.1f} s")
        print(f"{store.articles.count():,} articles in the index")
        timings = measure(store)
        p99 = timings[int(len(timings) * 0.99) - 1]
        print(
            f"{len(timings)} searches: p50 {statistics.median(timings):.1f} ms, "
            f"p99 {p99:.1f} ms, max {timings[-1]:.1f} ms"
        )
        print(f"machine: {machine()}")
        store.close()


if __name__ == "__main__":
    main()
