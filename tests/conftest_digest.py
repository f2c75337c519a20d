"""Helpers for the digest delivery tests: a fake digest builder, virtual time, the bot on a fake."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator, Awaitable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.clock import FakeClock
from bot.config import Config
from bot.faketg.records import SentMessage
from bot.faketg.server import FakeTelegram
from bot.render.articles import Button
from bot.scheduler import Scheduler, run_tick_job
from bot.services import Services, build_services
from bot.services.throttle import Limits, Throttle
from tests.harness import running_on

MARK = "Digest"  # every fake digest part starts with this word


@dataclass
class FakeDigest:
    """What services.digests.build returns, without ranking anything."""

    chunks: list[str]
    buttons: list[list[Button]]
    story_count: int
    covered_until: datetime


@dataclass
class FakeDigests:
    """A digest builder: `parts` messages per chat (0 = nothing new); records every call."""

    parts: int = 2
    parts_by_chat: dict[int, int] = field(default_factory=dict)
    fail_for: set[int] = field(default_factory=set)
    calls: list[tuple[int, datetime | None, datetime]] = field(default_factory=list)

    def __call__(self, chat_id: int, since: datetime | None, until: datetime) -> FakeDigest:
        self.calls.append((chat_id, since, until))
        if chat_id in self.fail_for:
            raise RuntimeError("the builder broke")
        count = self.parts_by_chat.get(chat_id, self.parts)
        chunks = [f"<b>{MARK}</b> {chat_id} part {n + 1}/{count}" for n in range(count)]
        buttons = [[Button("Read #1", data="art:1")]] if count else []
        return FakeDigest(chunks, buttons, story_count=count, covered_until=until)


class VirtualTime:
    """A monotonic clock and a sleep that only advance when every task is waiting."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._new_sleeper: asyncio.Event | None = None

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._order), future))
        if self._new_sleeper is not None:
            self._new_sleeper.set()
        await future

    async def run(self, *coroutines: Awaitable[Any]) -> list[Any]:
        """Run the coroutines to the end, jumping time forward whenever all of them sleep."""
        tasks = [asyncio.ensure_future(c) for c in coroutines]
        while not all(t.done() for t in tasks):
            for _ in range(50):  # let everything that can run, run
                await asyncio.sleep(0)
            if all(t.done() for t in tasks):
                break
            if not self._sleepers:
                # Something real is under way (a digest built in a worker thread): let it end.
                self._new_sleeper = asyncio.Event()
                waiter = asyncio.ensure_future(self._new_sleeper.wait())
                pending = [t for t in tasks if not t.done()]
                done, _ = await asyncio.wait(
                    [*pending, waiter], timeout=5.0, return_when=asyncio.FIRST_COMPLETED
                )
                waiter.cancel()
                self._new_sleeper = None
                if not done:
                    raise RuntimeError("every task waits for something other than time")
                continue
            wake, _, future = heapq.heappop(self._sleepers)
            self.now = max(self.now, wake)
            future.set_result(None)
        return [t.result() for t in tasks]


def fast_throttle(slept: list[float] | None = None) -> Throttle:
    """A throttle loose enough for end-to-end tests, whose waits pass in no real time."""
    offset = [0.0]
    loop_time = asyncio.get_running_loop().time

    async def sleep(seconds: float) -> None:
        if slept is not None:
            slept.append(seconds)
        offset[0] += seconds  # time jumps instead of passing
        await asyncio.sleep(0)

    return Throttle(
        Limits(
            overall_per_second=10_000,
            private_interval=0.0,
            group_per_minute=1000,
            group_interval=0.0,
        ),
        sleep=sleep,
        monotonic=lambda: loop_time() + offset[0],
    )


@dataclass
class DigestBot:
    """The bot with its delivery engine wired to fakes: builder, throttle, back-off sleep."""

    fake: FakeTelegram
    app: Any
    services: Services
    clock: FakeClock
    digests: FakeDigests
    scheduler: Scheduler
    throttle_waits: list[float]
    backoffs: list[float]

    async def tick(self) -> list[Any]:
        return await self.scheduler.tick()

    def add_chat(
        self,
        chat_id: int,
        timezone: str | None = None,
        chat_type: str = "private",
        schedule: bool = True,
    ) -> None:
        """A chat known to Telegram and to the bot, with a zone and the default schedule."""
        self.fake.add_chat(chat_id, chat_type)
        self.services.chats.seen(
            chat_id, chat_type, "" if chat_type == "private" else "Group", "en"
        )
        if timezone:
            self.services.store.chats.set_timezone(chat_id, timezone)
        if schedule:
            self.services.delivery.ensure_schedule(chat_id)

    def digest_messages(self, chat_id: int) -> list[SentMessage]:
        """The digest parts the chat received, in order."""
        return [m for m in self.fake.messages(chat_id) if m.text.startswith(f"<b>{MARK}</b>")]


@asynccontextmanager
async def digest_bot_on(
    fake: FakeTelegram,
    config: Config,
    clock: FakeClock,
    digests: FakeDigests | None = None,
    *,
    backoff_sleep: Any = None,
    rate_limit: bool = False,
    throttle: Throttle | None = None,
    keep_job: bool = False,
) -> AsyncIterator[DigestBot]:
    """Start the real Application on an existing fake Telegram (so a test can restart it)."""
    services = build_services(config, clock)
    digests = digests or FakeDigests()
    throttle_waits: list[float] = []
    backoffs: list[float] = []

    async def record_backoff(seconds: float) -> None:
        backoffs.append(seconds)
        await asyncio.sleep(0)

    services.delivery.builder = digests
    services.delivery.throttle = throttle or fast_throttle(throttle_waits)
    services.delivery.sleep = backoff_sleep or record_backoff
    async with running_on(fake, services, rate_limit) as app:
        # Without background jobs the bot starts no tick job (tests tick by hand); ask for it.
        if keep_job:
            run_tick_job(app, app.bot_data["scheduler"])
        yield DigestBot(
            fake, app, services, clock, digests, app.bot_data["scheduler"], throttle_waits, backoffs
        )


async def processed(
    bot: DigestBot,
    update_ids: Iterable[int],
    timeout: float = 10.0,  # noqa: ASYNC109 - a deadline is the point
) -> None:
    """Wait until the bot has handled updates the fake queued by itself."""
    async with asyncio.timeout(timeout):
        for update_id in update_ids:
            await bot.app.wait_handled(update_id)
