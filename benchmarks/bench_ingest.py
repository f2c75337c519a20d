"""Ingest throughput and memory: articles per second through feed parsing and the whole ingest path.

Each batch of 100 articles is written as an RSS feed, parsed with parse_feed and ingested
(clean, summarize, analyze, store, index, entities, topics, stories) into a fresh SQLite file,
on one core. Parsing and ingest are timed; writing the feed documents is not, and neither is
the warm-up that loads the models first. The resident memory (RSS) is printed along the way: flat means no leak.
Articles come from SaudiNewsNet (Arabic) when /work/shared/data is there, else generated text;
past the corpus's end they are reused with a counter so that none is a duplicate.

Run: .venv/bin/python benchmarks/bench_ingest.py [--articles 20000] [--long] [--teasers] [--profile] [--steps]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import statistics
import tempfile
import time
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from common import machine, teaser  # noqa: E402  (puts the repository on sys.path too)

import bot.services.ingest as ingest_module  # noqa: E402
from bot.clock import FakeClock  # noqa: E402
from bot.config import Config  # noqa: E402
from bot.fetch.feeds import parse_feed  # noqa: E402
from bot.memory import tune_garbage_collector  # noqa: E402
from bot.services import Services, build_services  # noqa: E402

SHARED = Path(
    os.environ.get("MOJAZ_SHARED_DATA")
    or Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
)
BATCH = 100
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

WORDS = (
    "الحكومة أعلنت اليوم عن خطة جديدة لدعم الاقتصاد وتوفير فرص العمل للشباب في المدن والقرى "
    "وقال الوزير إن المشروع سيبدأ الشهر المقبل بتمويل من البنك المركزي والقطاع الخاص"
).split()


def rss_mib() -> float:
    """Resident memory of this process, in MiB (Linux)."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def corpus() -> list[dict[str, str]]:
    """SaudiNewsNet articles with a title and text, or [] when the data is absent."""
    folder = SHARED / "saudinewsnet"
    articles: list[dict[str, str]] = []
    for path in sorted(folder.glob("*.zip")) if folder.is_dir() else []:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                for record in json.loads(archive.read(name)):
                    if record.get("title") and record.get("content"):
                        articles.append(record)
    return articles


def generated(n: int) -> dict[str, str]:
    """A made-up Arabic article of about 1,200 characters (SaudiNewsNet's median), unique for every n."""
    draw = random.Random(n)
    words = [draw.choice(WORDS) for _ in range(200)]
    words[5::25] = [str(n + i) for i in range(len(words[5::25]))]  # numbers make each text unique
    return {
        "source": "generated",
        "url": f"https://bench.example/news/{n}",
        "title": " ".join(words[:9]),
        "content": "\n".join(" ".join(words[i : i + 40]) + "." for i in range(0, 200, 40)),
    }


def articles(total: int) -> Iterator[dict[str, str]]:
    """`total` distinct articles: the corpus, then the corpus again with a counter, or generated."""
    pool = corpus()
    for n in range(total):
        if not pool:
            yield generated(n)
            continue
        record = pool[n % len(pool)]
        round_ = n // len(pool)
        if round_ == 0:
            yield record
        else:  # a re-run of the corpus: a new link and title, so not a duplicate (nor a teaser)
            yield {
                **record,
                "url": f"{record['url']}?round={round_}",
                "title": f"{record['title']} ({round_})",
                "content": f"{record['content']}\n(نسخة {round_})",
            }


def feed(batch: list[dict[str, str]], first: int, total: int, teasers: bool = False) -> bytes:
    """An RSS document holding a batch of articles, published a minute apart, the last `now`:
    as in a live feed, each article is newer than those stored before it."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Bench</title>'
    ]
    for offset, record in enumerate(batch):
        text = teaser(record["content"]) if teasers else record["content"]
        published = format_datetime(NOW - timedelta(minutes=total - first - offset))
        parts.append(
            f"<item><title>{escape(record['title'])}</title><link>{escape(record['url'])}</link>"
            f'<guid isPermaLink="false">bench-{first + offset}</guid><pubDate>{published}</pubDate>'
            f"<description>{escape(escape(text))}</description></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")


class StepTimes:
    """Where ingest's time goes: the benchmark wraps the service's steps with timers.

    Counted over the second half of the run; "other" is what no step covers, mostly the
    commits.
    """

    def __init__(self, services: Services) -> None:
        self.seconds: dict[str, float] = {}
        self.articles = 0
        self.total = 0.0
        self.on = False
        ingest = services.ingest
        self._wrap(ingest, "_fresh", "clean and duplicate check")
        self._wrap(ingest_module, "summarize", "summary")
        self._wrap(ingest_module, "analyze", "index text")
        for step in ingest.steps:
            name = type(step).__name__.removesuffix("Service").lower()
            self._wrap(step, "prepare_many", f"{name}: analysis")
            self._wrap(step, "save", f"  {name}: writes")
        self._wrap(services.store.articles, "insert", "  article row: writes")
        self._wrap(ingest, "_store", "writes (each article, inside the transaction)")

    def _wrap(self, owner: object, name: str, label: str) -> None:
        original = getattr(owner, name)

        def timed(*args: object, **kwargs: object) -> object:
            if not self.on:
                return original(*args, **kwargs)
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - started

        setattr(owner, name, timed)

    def count(self, articles: int, parse_seconds: float, seconds: float) -> None:
        """Add one measured batch; measure from now on."""
        if self.on:
            self.articles += articles
            self.total += seconds
            self.seconds["feed parsing"] = self.seconds.get("feed parsing", 0.0) + parse_seconds
        self.on = True

    def report(self) -> None:
        if not self.articles:
            return
        top = sum(v for k, v in self.seconds.items() if not k.startswith(" "))
        rows = [
            *self.seconds.items(),
            ("other (mostly the commits, with their FTS rows)", self.total - top),
        ]
        print(
            f"ms per article over the last {self.articles:,} (of {self.total / self.articles * 1000:.2f}):"
        )
        for label, seconds in rows:
            print(f"  {seconds / self.articles * 1000:6.3f}  {label}")


def warm_up(services: Services, total: int) -> float:
    """Ingest a few made-up articles (not counted), which loads the language models; seconds taken.

    They are dated a week before the first counted article: recent ones would stay in every
    story lookup's window, as no real article that old does.
    """
    started = time.perf_counter()
    drafts = parse_feed(
        feed([generated(-n) for n in range(1, 11)], 0, total + 7 * 24 * 60),
        url="https://warm-up.example/rss",
        source="warm-up",
        language="ar",
        now=NOW,
    ).drafts
    services.ingest.ingest(drafts)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--long", action="store_true", help="100,000 articles")
    parser.add_argument(
        "--teasers",
        action="store_true",
        help="items carry the article's first sentences (up to 300 characters), as most feeds do",
    )
    parser.add_argument("--every", type=int, default=2_000, help="print a line every N articles")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the run; print the top functions"
    )
    parser.add_argument(
        "--steps",
        action="store_true",
        help="time each step of ingest (and the SQL commits) in ms per article, after the first half",
    )
    args = parser.parse_args()
    total = 100_000 if args.long else args.articles

    # One core, as the target says: the process may not spread over the others.
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    tune_garbage_collector()  # as `python -m bot` does
    with tempfile.TemporaryDirectory() as folder:
        config = Config(database_path=Path(folder) / "bench.db", seeds_dir=Path(folder))
        services = build_services(config, FakeClock(NOW))
        profiler = cProfile.Profile() if args.profile else None
        steps = StepTimes(services) if args.steps else None
        print(f"machine: {machine()}; one core")
        print(
            f"articles: {total:,} ({'SaudiNewsNet' if corpus_available() else 'generated'}, "
            f"{'teasers' if args.teasers else 'full text'}), batches of {BATCH}"
        )
        print(
            f"warm-up: {warm_up(services, total):.1f} s to load the models, as a bot does once at start"
        )
        # The feed parser's time per item is the same work all along (feedparser's own code
        # on items alike): when it moves, the machine's speed moved, not ingest's.
        print(
            f"{'articles':>9} {'per s (last)':>13} {'per s (all)':>12} {'RSS MiB':>8} "
            f"{'parse ms/item':>14}"
        )
        # Only parsing and ingest are timed: writing each feed document is the benchmark's own
        # work, standing in for the network.
        elapsed = last_elapsed = parse_seconds = last_parse_seconds = 0.0
        relative: list[float] = []  # each window's ms per item over its parse ms per item
        done = last_done = added = 0
        batch: list[dict[str, str]] = []
        for record in articles(total):
            batch.append(record)
            if len(batch) < BATCH and done + len(batch) < total:
                continue
            document = feed(batch, done, total, args.teasers)
            if profiler:
                profiler.enable()
            before_parse = time.perf_counter()
            parsed = parse_feed(
                document, url="https://bench.example/rss", source="bench", language="ar", now=NOW
            )
            before_ingest = time.perf_counter()
            report = services.ingest.ingest(parsed.drafts)
            after = time.perf_counter()
            if profiler:
                profiler.disable()
            parse_seconds += before_ingest - before_parse
            elapsed += after - before_parse
            if steps and done >= total // 2:  # caches warm, the story window full
                steps.count(len(batch), before_ingest - before_parse, after - before_parse)
            added += len(report.added)
            done += len(batch)
            batch = []
            if done - last_done >= args.every or done == total:
                parse_ms = 1000 * (parse_seconds - last_parse_seconds) / (done - last_done)
                relative.append((elapsed - last_elapsed) / (parse_seconds - last_parse_seconds))
                print(
                    f"{done:>9,} {(done - last_done) / (elapsed - last_elapsed):>13,.0f} "
                    f"{done / elapsed:>12,.0f} {rss_mib():>8.0f} {parse_ms:>14.3f}",
                    flush=True,
                )
                last_done, last_elapsed, last_parse_seconds = done, elapsed, parse_seconds
        db_mib = (Path(folder) / "bench.db").stat().st_size / 2**20
        services.close()
    print(
        f"total: {done:,} articles ({added:,} stored) in {elapsed:.1f} s = {done / elapsed:,.0f} articles/s; "
        f"feed parsing {parse_seconds / elapsed:.0%} of it; database {db_mib:,.0f} MiB"
    )
    print(relative_line(relative))
    if steps:
        steps.report()
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
        print(out.getvalue())


def relative_line(relative: list[float]) -> str:
    """Ingest's time per item in units of the feed parser's, which only the machine moves:
    comparable between runs on a machine whose speed changes, and flat if ingest does not
    slow down as the archive grows."""
    third = max(1, len(relative) // 3)
    return (
        "ms per item over parse ms per item (median of the windows): "
        f"{statistics.median(relative):.2f}; first third {statistics.median(relative[:third]):.2f}, "
        f"last third {statistics.median(relative[-third:]):.2f}"
    )


def corpus_available() -> bool:
    return (SHARED / "saudinewsnet").is_dir() and any((SHARED / "saudinewsnet").glob("*.zip"))


if __name__ == "__main__":
    main()
