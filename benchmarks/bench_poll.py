"""Poll cycle time: 1,000 sources answering 304 Not Modified from a loopback server.

The server runs in its own process (so its threads do not share the poller's GIL); every
source already holds the ETag the server answers 304 to. One cycle = Poller.poll_due() over
all of them: SSRF check, conditional GET, recording the success, with the default concurrency.

Run: .venv/bin/python benchmarks/bench_poll.py [--sources 1000] [--concurrency 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from common import machine  # noqa: E402  (puts the repository on sys.path too)

from bot.clock import FakeClock  # noqa: E402
from bot.config import Config  # noqa: E402
from bot.services import build_services  # noqa: E402
from bot.services.poller import CONCURRENCY  # noqa: E402
from tests.feedserver import FeedServer, Route  # noqa: E402

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ETAG = '"v1"'


def serve(sources: int, ports: multiprocessing.Queue, stop: multiprocessing.Event) -> None:  # type: ignore[type-arg]
    """Run a FeedServer with one 304-capable route per source until told to stop."""
    server = FeedServer()
    for n in range(sources):
        server.routes[f"/feed/{n}"] = Route(body=b"<rss/>", etag=ETAG)
    server.start()
    ports.put(server.port)
    stop.wait()
    server.stop()


async def cycles(args: argparse.Namespace, port: int) -> list[float]:
    with tempfile.TemporaryDirectory() as folder:
        config = Config(
            database_path=Path(folder) / "bench.db",
            seeds_dir=Path(folder),
            allow_private_feeds=True,
        )
        clock = FakeClock(NOW)
        services = build_services(config, clock)
        services.poller.concurrency = args.concurrency
        for n in range(args.sources):
            source_id = services.store.sources.add(
                name=f"Feed {n}",
                url=f"http://127.0.0.1:{port}/feed/{n}",
                language="en",
                topics=[],
                interval_minutes=10,
                fetch_full_text=False,
                now=NOW,
            )
            services.store.sources.record_success(
                source_id, now=NOW, etag=ETAG, last_modified=None, next_poll_at=NOW, new_articles=0
            )
        timings = []
        try:
            for _ in range(args.rounds):
                started = time.perf_counter()
                report = await services.poller.poll_due()
                timings.append(time.perf_counter() - started)
                statuses = {p.status for p in report.polls}
                assert len(report.polls) == args.sources and statuses == {"not_modified"}, statuses
                clock.advance(minutes=10)  # every source is due again
        finally:
            await services.poller.http.aclose()
            services.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    ports: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    stop = multiprocessing.Event()
    server = multiprocessing.Process(target=serve, args=(args.sources, ports, stop), daemon=True)
    server.start()
    try:
        timings = asyncio.run(cycles(args, ports.get(timeout=30)))
    finally:
        stop.set()
        server.join(timeout=10)
    median = statistics.median(timings)
    print(f"machine: {machine()}")
    print(
        f"sources: {args.sources:,}, all 304; concurrency {args.concurrency}; {args.rounds} cycles"
    )
    print(
        f"poll cycle: median {median:.2f} s ({args.sources / median:,.0f} sources/s, "
        f"{median / args.sources * 1000:.1f} ms per source); best {min(timings):.2f} s"
    )


if __name__ == "__main__":
    main()
