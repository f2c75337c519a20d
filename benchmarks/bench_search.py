"""Search latency (p50, p99) on a large article table, through ArticleService.search.

Run: .venv/bin/python benchmarks/bench_search.py [articles]   (default 100,000)
Articles are SaudiNewsNet texts, repeated with numbered titles to reach the count
(generated Arabic-like text when the data is absent). They are indexed exactly as ingest
indexes them (analyzed title, subtitle and body), without the entity and story steps, to
build a large index quickly.
"""

from __future__ import annotations

import statistics
import sys
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
    "السعودية", "وزارة الصحة", "الرياض", "الأمير", "كورونا", "النفط", "مجلس الوزراء", "التعليم",
    "المملكة", "الحوثيين", "اليمن", "الاقتصاد", "\"خادم الحرمين\"", "الهلال -النصر", "المرور",
    "الأمطار", "جامعة", "المستشفى", "السوق", "الأسهم",
]


def texts(limit: int) -> list[tuple[str, str]]:
    found = [(a.get("title", ""), a.get("content", "")) for a in saudinewsnet()][:limit]
    if not found:
        words = ["وزارة", "الصحة", "الرياض", "السوق", "الأمطار", "جامعة", "المملكة", "النفط", "المرور"]
        found = [(" ".join(words[i % 9 : i % 9 + 3]), " ".join(words * 20)) for i in range(1000)]
    return found


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    source = texts(30_000)
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "bench.db")
        start = time.perf_counter()
        base = datetime(2025, 1, 1, tzinfo=UTC)
        analyzed = [(t, b, analyze(t, "ar"), analyze(b, "ar")) for t, b in source]
        with store.writing():  # one transaction: this is loading, not the measured part
            for i, (title, body, index_title, index_body) in zip(range(count), cycle(analyzed), strict=False):
                title = f"{title} ({i})"
                row = ArticleRow(
                    title=title, body=body, subtitle="", summary="", url=None, guid=None, source="bench",
                    language="ar", location="", author="", tags=[], published_at=base + timedelta(minutes=i),
                    date_source="article", content_hash=content_hash(title, body), raw=None,
                    index_title=index_title, index_subtitle="", index_body=index_body,
                )
                store.articles.insert(row, base)
        print(f"indexed {count:,} articles in {time.perf_counter() - start:.1f} s")
        service = ArticleService(store, SystemClock())
        timings = []
        for _ in range(5):
            for query in QUERIES:
                began = time.perf_counter()
                page = service.search(query)
                timings.append((time.perf_counter() - began) * 1000)
                assert page.total >= 0
        timings.sort()
        p99 = timings[int(len(timings) * 0.99) - 1]
        print(f"{len(timings)} searches: p50 {statistics.median(timings):.1f} ms, p99 {p99:.1f} ms, max {timings[-1]:.1f} ms")
        print(f"machine: {machine()}")
        store.close()


if __name__ == "__main__":
    main()
