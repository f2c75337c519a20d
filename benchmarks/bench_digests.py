"""Building the digests of 100,000 subscribed chats, and the memory that takes.

Run: .venv/bin/python benchmarks/bench_digests.py [--chats 100000] [--articles 100000]

The database is filled directly (this measures digest building, not ingest): articles spread
over 100 days with topics, entity mentions and one story each; chats following one of 500
distinct sets of topics, entities and keywords, in three languages and five time zones.
DigestService.build_all computes each distinct set of follows once and renders once per
language and zone; the figure is the time for all chats, and the process's peak memory.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import machine

from bot.clock import FakeClock
from bot.config import Config
from bot.nlp.topics import topic_ids
from bot.services import build_services
from bot.store.db import utc_iso

NOW = datetime(2025, 3, 6, 7, 0, tzinfo=UTC)
ZONES = ["UTC", "Asia/Gaza", "Europe/Istanbul", "America/New_York", "Asia/Riyadh"]
ENTITIES = [f"entity-{i}" for i in range(300)]
KEYWORDS = [
    "ceasefire",
    "drought",
    "election",
    "inflation",
    "vaccine",
    "harbour",
    "railway",
    "festival",
]


def fill(services, articles: int, chats: int, rng: random.Random) -> None:  # noqa: ANN001
    """Articles, their topics, mentions and stories; chats, their follows and schedules."""
    topics = topic_ids()
    db = services.store.db
    with services.store.writing():
        conn = db.conn
        conn.executemany(
            "INSERT INTO entities (id, type, name_en, created_at) VALUES (?, 'person', ?, ?)",
            [(e, e.title(), utc_iso(NOW)) for e in ENTITIES],
        )
        step = timedelta(days=100) / articles
        rows, fts, story_rows, topic_rows, mention_rows = [], [], [], [], []
        for i in range(1, articles + 1):
            at = utc_iso(NOW - step * (articles - i))
            words = rng.sample(KEYWORDS, 2)
            title = f"Report {i} on {words[0]}"
            body = f"The {words[0]} and the {words[1]} were discussed on day {i}. Officials said more would follow."
            rows.append(
                (i, title, body, "Summary of the report.", f"Outlet {i % 40}", at, at, f"h{i}", i)
            )
            fts.append((i, title.lower(), "", body.lower()))
            story_rows.append((i, at, at))
            for rank, topic in enumerate(rng.sample(topics, 2)):
                topic_rows.append((i, topic, rank))
            for entity in rng.sample(ENTITIES, 3):
                mention_rows.append((i, entity, 0, 5, entity))
        conn.executemany(
            "INSERT INTO stories (id, first_at, last_at, article_count, source_count) "
            "VALUES (?, ?, ?, 1, 1)",
            story_rows,
        )
        conn.executemany(
            "INSERT INTO articles (id, title, body, summary, source, language, published_at, ingested_at, "
            "content_hash, story_id) VALUES (?, ?, ?, ?, ?, 'en', ?, ?, ?, ?)",
            rows,
        )
        # Stories and articles point at each other: the headline goes in once both exist.
        conn.execute("UPDATE stories SET headline_article_id = id")
        conn.executemany(
            "INSERT INTO articles_fts (rowid, title, subtitle, body) VALUES (?, ?, ?, ?)", fts
        )
        conn.executemany(
            "INSERT INTO article_topics (article_id, topic, rank) VALUES (?, ?, ?)", topic_rows
        )
        conn.executemany(
            "INSERT INTO mentions (article_id, entity_id, start, end, text) VALUES (?, ?, ?, ?, ?)",
            mention_rows,
        )
        follow_sets = []
        for _ in range(500):
            follows = [("topic", t) for t in rng.sample(topics, rng.randint(0, 2))]
            follows += [("entity", e) for e in rng.sample(ENTITIES, rng.randint(0, 2))]
            follows += [
                ("keyword", k) for k in rng.sample(KEYWORDS, rng.randint(0 if follows else 1, 1))
            ]
            follow_sets.append(follows)
        chat_rows, follow_rows, schedule_rows = [], [], []
        for chat_id in range(1, chats + 1):
            chat_rows.append(
                (chat_id, rng.choice(["ar", "en", "tr"]), rng.choice(ZONES), utc_iso(NOW))
            )
            for kind, value in rng.choice(follow_sets):
                follow_rows.append((chat_id, kind, value, utc_iso(NOW)))
            schedule_rows.append((chat_id, json.dumps(["07:00"]), json.dumps(list(range(7)))))
        conn.executemany(
            "INSERT INTO chats (id, type, language, timezone, created_at) VALUES (?, 'private', ?, ?, ?)",
            chat_rows,
        )
        conn.executemany(
            "INSERT INTO subscriptions (chat_id, kind, value, created_at) VALUES (?, ?, ?, ?)",
            follow_rows,
        )
        conn.executemany(
            "INSERT INTO schedules (chat_id, times, days) VALUES (?, ?, ?)", schedule_rows
        )


def rss_mib() -> float:
    """The process's resident memory now."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chats", type=int, default=100_000)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument(
        "--db", type=Path, help="keep the filled database here and reuse it next time"
    )
    args = parser.parse_args()
    rng = random.Random(2025)
    with tempfile.TemporaryDirectory() as folder:
        path = args.db or Path(folder) / "digests.db"
        fresh = not path.exists()
        services = build_services(Config(database_path=path), FakeClock(NOW))
        if fresh:
            began = time.perf_counter()
            fill(services, args.articles, args.chats, rng)
            print(
                f"filled {args.articles:,} articles and {args.chats:,} chats in {time.perf_counter() - began:.1f} s"
            )
        args.chats = services.store.chats.count()
        print(f"memory with the database open: {rss_mib():.0f} MiB")
        chats = [(chat_id, NOW - timedelta(days=1)) for chat_id in range(1, args.chats + 1)]
        began = time.perf_counter()
        digests = services.digests.build_all(chats, NOW)
        elapsed = time.perf_counter() - began
        sent = sum(1 for d in digests.values() if d.chunks)
        stories = sum(d.story_count for d in digests.values())
        print(
            f"built {len(digests):,} digests in {elapsed:.2f} s ({sent:,} with news, {stories / max(sent, 1):.1f} "
            f"stories each; {len(services.digests._rendered):,} distinct renders) (target < 10 s)"
        )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory of the process: {peak:.0f} MiB")
        print(f"machine: {machine()}")
        services.close()


if __name__ == "__main__":
    main()
