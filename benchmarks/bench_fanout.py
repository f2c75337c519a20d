"""Fan-out of scheduled digests to many chats through python-telegram-bot and the fake Telegram.

Measures the throughput the throttle achieves against its overall limit while 1% of the
chats answer 429 and 1% have blocked the bot, and checks that no digest is lost or doubled.

    .venv/bin/python benchmarks/bench_fanout.py --chats 2000 --rate 200
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path

from common import machine

os.environ.setdefault("PTB_TIMEDELTA", "true")  # read RetryAfter without deprecation noise

from telegram import Bot  # noqa: E402

from bot.clock import FakeClock  # noqa: E402
from bot.faketg.server import FakeTelegram  # noqa: E402
from bot.render.articles import Button  # noqa: E402
from bot.scheduler import Scheduler, TelegramSender  # noqa: E402
from bot.services.chats import ChatService  # noqa: E402
from bot.services.delivery import DeliveryService  # noqa: E402
from bot.services.throttle import Limits, Throttle  # noqa: E402
from bot.store import Store  # noqa: E402


@dataclass
class Digest:
    chunks: list[str]
    buttons: list[list[Button]]
    story_count: int
    covered_until: datetime


def builder(parts: int):  # noqa: ANN201 - a DigestBuilder
    def build(chat_id: int, since: datetime | None, until: datetime) -> Digest:
        chunks = [f"<b>Digest</b> for {chat_id}, part {n + 1}/{parts}" for n in range(parts)]
        return Digest(chunks, [[Button("Read #1", data="art:1")]], parts, until)

    return build


class StampedSender(TelegramSender):
    """The production sender, noting when each request leaves."""

    moments: list[float] = []

    async def send(self, chat_id: int, html: str, buttons: list[list[Button]]) -> int:
        StampedSender.moments.append(time.monotonic())
        return await super().send(chat_id, html, buttons)


def pace(moments: list[float]) -> tuple[float, int]:
    """Steady rate (1st to 99th percentile: no start-up, no tail of 429 retries) and the
    most requests in any one second."""
    ordered = sorted(moments)
    low, high = len(ordered) // 100, len(ordered) * 99 // 100
    steady = (high - low) / (ordered[high] - ordered[low]) if high > low else 0.0
    busiest, first = 0, 0
    for last, moment in enumerate(ordered):
        while ordered[first] <= moment - 1.0:
            first += 1
        busiest = max(busiest, last - first + 1)
    return steady, busiest


def serve_fake(conn: Connection, ids: list[int], flooded: set[int], blocked: set[int]) -> None:
    """Run the fake Telegram in its own process, as the real one is on another machine."""

    async def main() -> None:
        async with FakeTelegram() as fake:
            for chat_id in ids:
                fake.add_chat(chat_id, "private")
            for chat_id in flooded:
                fake.fail_next("sendMessage", chat_id=chat_id, status=429, retry_after=1)
            for chat_id in blocked:
                fake.block(chat_id)
            accepted: list[float] = []
            fake.on_bot_message(
                lambda m, e: accepted.append(time.monotonic()) if e == "sent" else None
            )
            requested: list[float] = []
            check_faults = fake._raise_fault  # runs first for every call, refused ones included

            def stamped(method: str, params: dict) -> None:
                if method.lower() == "sendmessage":
                    requested.append(time.monotonic())
                check_faults(method, params)

            fake._raise_fault = stamped  # type: ignore[method-assign]
            conn.send((fake.token, fake.base_url, fake.base_file_url))
            await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # "done"
            conn.send(
                {
                    "attempts": len(fake.calls("sendMessage")),
                    "per_chat": {c: len(fake.messages(c)) for c in ids},
                    "accepted": accepted,
                    "requested": requested,
                    "cpu": time.process_time(),
                }
            )

    asyncio.run(main())


async def run(chats: int, rate: float, parts: int, flood_share: float, blocked_share: float) -> int:
    clock = FakeClock(datetime(2025, 3, 6, 6, 0, tzinfo=UTC))
    ids = list(range(10_000, 10_000 + chats))
    flooded = set(ids[:: max(1, round(1 / flood_share))]) if flood_share else set()
    blocked = set(ids[5 :: max(1, round(1 / blocked_share))]) if blocked_share else set()
    blocked -= flooded

    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(
        target=serve_fake, args=(theirs, ids, flooded, blocked), daemon=True
    )
    server.start()
    token, base_url, base_file_url = ours.recv()
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "bench.db")
        chat_service = ChatService(store, clock, "en", "UTC")
        for chat_id in ids:  # one transaction each, as /start and /follow would
            chat_service.seen(chat_id, "private", "", "en")
            store.deliveries.ensure_schedule(chat_id, clock.now())
        throttle = Throttle(Limits(overall_per_second=rate))
        delivery = DeliveryService(store, clock, chat_service, builder(parts), throttle)
        bot = Bot(token, base_url=base_url, base_file_url=base_file_url)
        await bot.initialize()
        scheduler = Scheduler(delivery, clock, StampedSender(bot))
        clock.set(datetime(2025, 3, 6, 7, 0, 5, tzinfo=UTC))

        started, cpu = time.monotonic(), time.process_time()
        outcomes = await scheduler.tick()
        elapsed, cpu = time.monotonic() - started, time.process_time() - cpu
        again = await scheduler.tick()  # nothing may be sent twice
        await bot.shutdown()
        store.close()
    ours.send("done")
    report = ours.recv()
    server.join(10)

    statuses: dict[str, int] = {}
    for outcome in outcomes:
        statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
    attempts, per_chat, accepted = report["attempts"], report["per_chat"], report["accepted"]
    lost = [c for c in ids if c not in blocked and per_chat[c] < parts]
    doubled = [c for c in ids if per_chat[c] > parts]
    wrongly_sent = [c for c in blocked if per_chat[c]]
    sent_rate, sent_busiest = pace(StampedSender.moments)
    seen_rate, seen_busiest = pace(report["requested"])
    expected = (chats - len(blocked)) * parts

    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {machine()}; load average {load} (the machine is shared)")
    print(
        f"chats: {chats} ({len(flooded)} answer 429 retry_after=1, {len(blocked)} blocked), "
        f"{parts} part(s) per digest, overall limit {rate:g}/s; fake Telegram in its own process"
    )
    print(f"tick: {elapsed:.2f} s; outcomes {statuses}; second tick started {len(again)}")
    print(f"sendMessage requests: {attempts} (429 and 403 answers included)")
    print(
        f"CPU: bot process {cpu:.1f} s during the tick, fake Telegram {report['cpu']:.1f} s in all "
        f"(a side near {elapsed:.1f} s is saturated)"
    )
    print(
        f"throughput: {attempts / elapsed:.1f} requests/s over the whole tick "
        f"({attempts / elapsed / rate:.1%} of the limit)"
    )
    print(
        f"steady state as sent: {sent_rate:.1f} requests/s ({sent_rate / rate:.1%} of the limit), "
        f"busiest second {sent_busiest}"
    )
    print(
        f"steady state as Telegram saw it: {seen_rate:.1f} requests/s "
        f"({seen_rate / rate:.1%}), busiest second {seen_busiest} (arrival jitter included)"
    )
    print(
        f"messages accepted: {len(accepted)} of {expected} expected; "
        f"lost {len(lost)}, doubled {len(doubled)}, sent to blocked {len(wrongly_sent)}"
    )
    ok = not lost and not doubled and not wrongly_sent and len(accepted) == expected and not again
    within = abs(sent_rate / rate - 1) <= 0.05
    print(
        f"result: {'OK' if ok else 'FAILED'} (nothing lost or doubled); steady throughput "
        f"{'within' if within else 'NOT within'} 5% of the limit"
    )
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=200.0, help="overall messages per second")
    parser.add_argument("--parts", type=int, default=1, help="messages per digest")
    parser.add_argument("--flood", type=float, default=0.01, help="share of chats answering 429")
    parser.add_argument(
        "--blocked", type=float, default=0.01, help="share of chats that blocked the bot"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    return asyncio.run(run(args.chats, args.rate, args.parts, args.flood, args.blocked))


if __name__ == "__main__":
    sys.exit(main())
